/**
 * A kubeconfig for an existing GKE cluster that authenticates with `gke-gcloud-auth-plugin`, so
 * no long-lived credential is written into state.
 */
export function gkeKubeconfig(clusterName: string, endpoint: string, caCertificate: string): string {
    const context = `gke_${clusterName}`;
    return JSON.stringify({
        apiVersion: "v1",
        kind: "Config",
        clusters: [{ name: context, cluster: { server: `https://${endpoint}`, "certificate-authority-data": caCertificate } }],
        contexts: [{ name: context, context: { cluster: context, user: context } }],
        "current-context": context,
        users: [
            {
                name: context,
                user: {
                    exec: {
                        apiVersion: "client.authentication.k8s.io/v1beta1",
                        command: "gke-gcloud-auth-plugin",
                        installHint: "Install gke-gcloud-auth-plugin: gcloud components install gke-gcloud-auth-plugin",
                        provideClusterInfo: true,
                    },
                },
            },
        ],
    });
}
