/**
 * Rules for single config values that a pattern alone cannot state: image references, node labels,
 * namespaces, DNS names and bucket names. Each returns what is wrong (for the schema's message) or
 * nothing.
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
    return /^(kube-|gke-managed-)/.test(namespace) || ["istio-system", "gmp-system", "gmp-public", "gke-gmp-system"].includes(namespace);
}

// Image references by Docker's grammar (distribution/reference, `regexp.go`):
// [registry[:port]/]path[:tag][@sha256:digest], the registry a host name or [IPv6] with a port.
const REGISTRY = String.raw`(?:[a-zA-Z0-9](?:[a-zA-Z0-9-]*[a-zA-Z0-9])?(?:\.[a-zA-Z0-9](?:[a-zA-Z0-9-]*[a-zA-Z0-9])?)*|\[[0-9a-fA-F:]+\])(?::[0-9]+)?`;
const PATH_COMPONENT = String.raw`[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*`;
const IMAGE_REFERENCE = new RegExp(String.raw`^(?:${REGISTRY}/)?${PATH_COMPONENT}(?:/${PATH_COMPONENT})*(?::(\w[\w.-]{0,127}))?(?:@(sha256:[a-f0-9]{64}))?$`);
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
    if (value !== "" && !name.test(value))
        return `has value ${JSON.stringify(value)}, not a label value: empty, or at most 63 letters, digits, - _ . starting and ending alphanumeric`;
    // Selecting by a reserved label is fine; only setting one is refused.
    if (!reservedPrefixes) return undefined;
    if (prefix !== undefined && /(^|\.)(kubernetes\.io|k8s\.io)$/.test(prefix))
        return `uses the prefix ${prefix}/, which Kubernetes reserves for its own labels`;
    if (key.startsWith("cloud.google.com/gke-"))
        return "uses the prefix cloud.google.com/gke-, which GKE sets on its nodes (the model servers select cloud.google.com/gke-accelerator)";
    return undefined;
}

/** An RFC 1123 label: what each dot-separated part of a DNS name may be. */
const DNS_NAME_LABEL = /^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/;

/** What is wrong with a DNS subdomain (RFC 1123: at most 253 characters, dot-separated labels of
 * at most 63 lower-case letters, digits and '-', starting and ending alphanumeric), or undefined.
 * Kubernetes names most objects, Secrets among them, so (kubernetes.io/docs/concepts/overview/
 * working-with-objects/names). */
export function dnsSubdomainProblem(name: string): string | undefined {
    if (name.length > 253 || !name.split(".").every((label) => DNS_NAME_LABEL.test(label))) {
        return "must be a DNS subdomain: at most 253 characters, dot-separated labels of at most 63 lower-case letters, digits and '-', each starting and ending alphanumeric";
    }
    return undefined;
}

/** What is wrong with a hostname clients use (`*.` allowed in front), or undefined: a DNS
 * subdomain of at least two labels whose last, the top-level domain, is letters or an
 * internationalised TLD in its ASCII form (`xn--p1ai`, RFC 5890). */
export function hostnameProblem(hostname: string): string | undefined {
    const name = hostname.replace(/^\*\./, "");
    const labels = name.split(".");
    const tld = labels[labels.length - 1];
    if (dnsSubdomainProblem(name) !== undefined || labels.length < 2 || !/^([a-z]{2,63}|xn--[a-z0-9-]{1,59})$/.test(tld)) {
        return "must be a lower-case DNS name such as llm.example.com (labels of at most 63 characters, 253 in all; IDNs in their xn-- form), optionally *. in front";
    }
    return undefined;
}

/** What is wrong with a Cloud Storage bucket name, or undefined, by Cloud Storage's rules
 * (cloud.google.com/storage/docs/buckets#naming): lower-case letters, digits, '-', '_' and '.',
 * starting and ending with a letter or digit; 3 to 63 characters, or up to 222 with dots, each
 * dot-separated part at most 63; not an IP address; not starting with `goog` nor containing
 * `google` or a close misspelling. */
export function bucketNameProblem(bucket: string): string | undefined {
    const parts = bucket.split(".");
    const shape =
        /^[a-z0-9][a-z0-9._-]*[a-z0-9]$/.test(bucket) &&
        bucket.length >= 3 &&
        bucket.length <= (parts.length > 1 ? 222 : 63) &&
        parts.every((part) => part.length >= 1 && part.length <= 63);
    if (!shape) {
        return "must be a Cloud Storage bucket name (no gs://): lower-case letters, digits, - _ and ., starting and ending alphanumeric, 3 to 63 characters (up to 222 with dots, each dot-separated part at most 63)";
    }
    if (/^\d{1,3}(\.\d{1,3}){3}$/.test(bucket)) return "must be a Cloud Storage bucket name, not an IP address";
    if (bucket.startsWith("goog") || /g[o0]{2}g[l1]e/.test(bucket))
        return "must be a Cloud Storage bucket name: Cloud Storage refuses names starting with goog or containing google or a look-alike (g00gle)";
    return undefined;
}
