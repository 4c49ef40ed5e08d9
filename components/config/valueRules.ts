/**
 * Rules for single config values that a pattern alone cannot state: image references, node labels
 * and namespaces. Each returns what is wrong (for the schema's message) or nothing.
 */

/** GKE Standard's limit of nodes per node pool per zone (cloud.google.com/kubernetes-engine/quotas,
 * "Nodes per node pool zone: 1,000"). */
export const MAX_NODES_PER_POOL_ZONE = 1000;

/** Namespaces that belong to the cluster's own components: Kubernetes reserves `kube-`
 * (kubernetes.io/docs/concepts/overview/working-with-objects/namespaces), Istio installs into
 * `istio-system`, GKE's Managed Prometheus runs in `gmp-system`, `gmp-public` and `gke-gmp-system`,
 * and GKE's managed add-ons in `gke-managed-*`. Serving there mixes the models' objects (and their
 * NetworkPolicies) with the cluster's. */
export function isSystemNamespace(namespace: string): boolean {
    return (
        /^(kube-|gke-managed-)/.test(namespace) ||
        ["istio-system", "gmp-system", "gmp-public", "gke-gmp-system"].includes(namespace)
    );
}

// Image references by Docker's grammar (distribution/reference, `regexp.go`):
// [registry[:port]/]path[:tag][@sha256:digest], the registry a host name or [IPv6] with a port.
const REGISTRY = String.raw`(?:[a-zA-Z0-9](?:[a-zA-Z0-9-]*[a-zA-Z0-9])?(?:\.[a-zA-Z0-9](?:[a-zA-Z0-9-]*[a-zA-Z0-9])?)*|\[[0-9a-fA-F:]+\])(?::[0-9]+)?`;
const PATH_COMPONENT = String.raw`[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*`;
const IMAGE_REFERENCE = new RegExp(
    String.raw`^(?:${REGISTRY}/)?${PATH_COMPONENT}(?:/${PATH_COMPONENT})*(?::(\w[\w.-]{0,127}))?(?:@(sha256:[a-f0-9]{64}))?$`,
);
/** Tags that by convention move to newer builds (vLLM publishes `latest` and `nightly`). */
const MOVING_TAGS = ["latest", "nightly", "main", "master", "dev", "develop", "edge", "stable", "canary", "head"];

/** What is wrong with an image reference, or undefined: it must parse and be pinned. */
export function imageProblem(image: string): string | undefined {
    const match = IMAGE_REFERENCE.exec(image);
    if (match === null) return "must be an image reference such as vllm/vllm-openai:v0.11.0 or registry.example.com:5000/vllm/vllm-openai:v0.11.0";
    const [, tag, digest] = match;
    if (tag === undefined && digest === undefined) return "must be an image with a tag or digest, e.g. vllm/vllm-openai:v0.11.0";
    if (digest === undefined && MOVING_TAGS.includes(tag.toLowerCase())) {
        return `must be pinned to a version, not ${tag}, a tag that moves: use a release tag such as v0.11.0, or add the digest (@sha256:...)`;
    }
    return undefined;
}

/** What is wrong with a node label, or undefined. Syntax: kubernetes.io/docs/concepts/overview/
 * working-with-objects/labels (name and value at most 63 characters, the prefix a DNS subdomain).
 * Reserved: `kubernetes.io/` and `k8s.io/` (and their subdomains) for Kubernetes' own labels
 * (kubernetes.io/docs/reference/labels-annotations-taints), and `cloud.google.com/gke-*`, the
 * labels GKE sets on its nodes, `cloud.google.com/gke-accelerator` among them, which the model
 * servers' nodeSelector reads. */
export function nodeLabelProblem(key: string, value: string, { reservedPrefixes = true }: { reservedPrefixes?: boolean } = {}): string | undefined {
    const name = /^[A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?$/;
    const slash = key.lastIndexOf("/");
    const prefix = slash < 0 ? undefined : key.slice(0, slash);
    const keyName = key.slice(slash + 1);
    const subdomain = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
    if (!name.test(keyName) || (prefix !== undefined && (prefix.length > 253 || !subdomain.test(prefix)))) {
        return "is not a label key: [prefix/]name, the name at most 63 letters, digits, - _ . starting and ending alphanumeric, the prefix a DNS subdomain";
    }
    if (value !== "" && !name.test(value)) return `has value ${JSON.stringify(value)}, not a label value: empty, or at most 63 letters, digits, - _ . starting and ending alphanumeric`;
    // Selecting by a reserved label is fine; only setting one is refused.
    if (!reservedPrefixes) return undefined;
    if (prefix !== undefined && /(^|\.)(kubernetes\.io|k8s\.io)$/.test(prefix)) return `uses the prefix ${prefix}/, which Kubernetes reserves for its own labels`;
    if (key.startsWith("cloud.google.com/gke-")) return "uses the prefix cloud.google.com/gke-, which GKE sets on its nodes (the model servers select cloud.google.com/gke-accelerator)";
    return undefined;
}
