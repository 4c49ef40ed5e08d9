import * as organizations from "@pulumi/gcp/organizations";
import * as pulumi from "@pulumi/pulumi";

/** The Workload Identity principal of a Kubernetes ServiceAccount, for IAM bindings that grant
 * its pods access without a key: `principal://…/subject/ns/<namespace>/sa/<name>`. */
export function workloadIdentityPrincipal(projectNumber: string, projectId: string, namespace: string, serviceAccount: string): string {
    return (
        `principal://iam.googleapis.com/projects/${projectNumber}/locations/global/workloadIdentityPools/` +
        `${projectId}.svc.id.goog/subject/ns/${namespace}/sa/${serviceAccount}`
    );
}

/** {@link workloadIdentityPrincipal} of a ServiceAccount in `projectId`'s clusters, looking up the
 * project number the principal needs; `opts` orders the lookup (a new project's APIs first). */
export function workloadIdentityMember(projectId: string, namespace: string, serviceAccount: string, opts: pulumi.InvokeOutputOptions): pulumi.Output<string> {
    const project = organizations.getProjectOutput({ projectId }, opts);
    return project.number.apply((number) => workloadIdentityPrincipal(number, projectId, namespace, serviceAccount));
}
