/**
 * Kubernetes names derived from client-facing model names.
 *
 * A model name such as `meta-llama/Llama-3.1-8B-Instruct` is neither a valid object name nor a
 * valid label value, so every object of a model is named after a short, stable key derived from
 * it. The key never depends on the model's position in the list, so reordering models changes
 * no URN.
 */

import { createHash } from "node:crypto";

/** Longest model key, and longest inferencepool release name: the chart cuts the release name
 * to 40 characters in its Endpoint Picker's name `<release>-epp` (templates/_helpers.tpl at
 * v1.0.0), so a longer one could give two pools one EPP. (Helm itself allows 53.) */
export const MAX_MODEL_KEY_LENGTH = 40;

/**
 * Derives the model key from a client-facing model name: the part after the last `/`, lower-cased,
 * with every run of other characters turned into one `-`. For example
 * `meta-llama/Llama-3.1-8B-Instruct` becomes `llama-3-1-8b-instruct`.
 */
export function deriveModelKey(modelName: string): string {
    const base = modelName.slice(modelName.lastIndexOf("/") + 1);
    return base
        .toLowerCase()
        .replace(/[^a-z0-9]+/g, "-")
        .replace(/^-+|-+$/g, "")
        .slice(0, MAX_MODEL_KEY_LENGTH)
        .replace(/-+$/, "");
}

/** The GKE node pool that carries the model servers of one accelerator type. */
export function nodePoolName(accelerator: string): string {
    return `gpu-${accelerator}`;
}

/** The first `length` hex digits of the SHA-256 of `text`: a short, stable name suffix. */
export function shortHash(text: string, length = 6): string {
    return createHash("sha256").update(text).digest("hex").slice(0, length);
}

/** The account ID (6-30 characters) of a node service account: `gpu` nodes are one per cluster
 * and namespace, `system` nodes one per cluster (pass `""`). */
export function nodeServiceAccountId(role: "gpu" | "system", cluster: { project: string; location: string; name: string }, namespace: string): string {
    return `${role}-nodes-${shortHash(`${cluster.project}/${cluster.location}/${cluster.name}/${namespace}`, 8)}`;
}

/** The Body-Based Router's release, and the `bbr.name` the program gives its chart: the chart
 * names its Deployment, Service and pods' `app` label after `bbr.name`, which the router's
 * PodMonitoring selects. */
export const BODY_BASED_ROUTER_RELEASE = "body-based-router";

/** The name of every object of the model list's responder, and the `app` label of its pods. */
export const MODEL_CATALOG_NAME = "openai-models";

/** Names the program gives its own objects in the namespace, which a model key (a route's and a
 * release's name) must not take: two HTTPRoutes or Helm releases of one name cannot both exist. */
export const RESERVED_MODEL_KEYS: readonly string[] = [MODEL_CATALOG_NAME, BODY_BASED_ROUTER_RELEASE];

/** What is wrong with a model key, or undefined: it names Services (`vllm-<key>` aside, the
 * chart's `<key>-epp`), and a Service name must start with a letter (an RFC 1035 label) until
 * Kubernetes 1.36 relaxes it; and it must not be one of {@link RESERVED_MODEL_KEYS}. */
export function modelKeyProblem(key: string): string | undefined {
    if (!/^[a-z]/.test(key))
        return "starts with a digit; it names the pool's Services, whose names must start with a letter (Kubernetes before 1.36): set key to a DNS label that starts with a letter";
    if (RESERVED_MODEL_KEYS.includes(key)) return `is a name the program gives its own objects (${RESERVED_MODEL_KEYS.join(", ")}): set another key`;
    return undefined;
}

/** The Endpoint Picker the inferencepool chart renders for a release: its Deployment, Service,
 * ServiceAccount and the cluster-scoped ClusterRole and ClusterRoleBinding are all named so
 * (templates/_helpers.tpl, templates/rbac.yaml at v1.0.0). */
export function endpointPickerName(release: string): string {
    return `${release}-epp`;
}

/**
 * The inferencepool release of a model, which names its InferencePool and, through the EPP's
 * name, a ClusterRole and ClusterRoleBinding: unique per cluster, not only per namespace. In
 * namespace `default` it is the model's key, as it always was, so existing stacks keep their
 * pools; elsewhere the start of `<namespace>-<key>` and a hash of namespace and key. The hash is
 * always there: namespaces and keys both hold dashes, so `team-a` serving `llama` and `team`
 * serving `a-llama` (or `default` serving `team-a-llama`) would otherwise share one name.
 */
export function poolReleaseName(namespace: string, key: string): string {
    if (namespace === "default") return key;
    const hash = shortHash(`${namespace}/${key}`);
    return `${`${namespace}-${key}`.slice(0, MAX_MODEL_KEY_LENGTH - hash.length - 1).replace(/-+$/, "")}-${hash}`;
}

/** The names of every object that serves one model, derived from its key (and, for the pool,
 * its namespace). */
export interface ModelObjectNames {
    /** The vLLM Deployment. */
    deployment: string;
    /** The value of the `app` label on the model's pods; its pool selects exactly this. */
    appLabel: string;
    /** The inferencepool Helm release, and so the InferencePool object. */
    pool: string;
    /** The Endpoint Picker Service the inferencepool chart renders for the pool. */
    endpointPicker: string;
    /** The HTTPRoute that sends this model's requests to its pool. */
    route: string;
}

/** Names every object of the model with key `key` in `namespace`. */
export function modelObjectNames(key: string, namespace: string): ModelObjectNames {
    const pool = poolReleaseName(namespace, key);
    return {
        deployment: `vllm-${key}`,
        appLabel: `vllm-${key}`,
        pool,
        endpointPicker: endpointPickerName(pool),
        route: key,
    };
}

/** The names of the metrics reader's objects in `namespace`: the account whose token scrapes
 * the EPPs, its token Secret and roles; cluster-scoped ones carry the namespace so that two
 * deployments in one cluster do not collide. */
export function metricsReaderNames(namespace: string) {
    return {
        serviceAccount: "inference-metrics-reader",
        tokenSecret: "inference-metrics-reader-token",
        clusterRole: `${namespace}-inference-metrics-reader`,
        secretRole: "inference-metrics-reader-token-read",
    };
}
