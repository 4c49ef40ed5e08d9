/** The Workload Identity principal of a Kubernetes ServiceAccount, for IAM bindings that grant
 * its pods access without a key: `principal://…/subject/ns/<namespace>/sa/<name>`. */
export function workloadIdentityPrincipal(projectNumber: string, projectId: string, namespace: string, serviceAccount: string): string {
    return (
        `principal://iam.googleapis.com/projects/${projectNumber}/locations/global/workloadIdentityPools/` +
        `${projectId}.svc.id.goog/subject/ns/${namespace}/sa/${serviceAccount}`
    );
}
