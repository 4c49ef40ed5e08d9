/**
 * What the consistency check knows of the world outside the stack, each with its source: read at
 * the exact tag the stack pins (the JSON files in facts/ carry repository, tag, commit and
 * file), or from the provider's documentation (facts/google-cloud.json). The builders read the
 * same files: BBR's headers, label and keys (components/catalogs/charts/bodyBasedRouterFacts.ts),
 * vLLM's resolver variables, the syncer's file, Google's health-check ranges and the collectors'
 * namespaces are each held once, in facts/.
 *
 * The tags the comments below name are these commits (`git rev-parse <tag>^{commit}`):
 * kubernetes-sigs/gateway-api-inference-extension v1.0.0 ffea26329a16922bb3b2cf37a383417c511227d5,
 * v1.0.2 cd03ff7d8a22712119c2b96df6749d6279d776b5, v1.5.0 df9f8909fe06fe2dfd4a6fc0bd0c01a0acabf849
 * vllm-project/vllm v0.11.0
 * b8b302cde434df8c9289a2b465406b47ebab1c2d, v0.20.2 bc150f50299199599673614f80d12a196f377655 (read
 * from the fork snapshot eigen-hub/vllm, which carries the upstream tags).
 */
import bbrV100 from "../../facts/bbr-metrics@v1.0.0.json";
import bbrV102 from "../../facts/bbr-metrics@v1.0.2.json";
import bbrV150 from "../../facts/bbr-metrics@v1.5.0.json";
import eppV100 from "../../facts/epp-metrics@v1.0.0.json";
import eppV102 from "../../facts/epp-metrics@v1.0.2.json";
import eppV150 from "../../facts/epp-metrics@v1.5.0.json";
import eppServing from "../../facts/epp-serving.json";
import eppScrapes from "../../facts/epp-model-server-metrics.json";
import vllmV0110 from "../../facts/vllm-metrics@v0.11.0.json";
import vllmV0202 from "../../facts/vllm-metrics@v0.20.2.json";
import vllmAdminPaths from "../../facts/vllm-admin-paths.json";
import googleCloud from "../../facts/google-cloud.json";
import loraSyncer from "../../facts/lora-syncer.json";
import loraResolver from "../../facts/vllm-lora-resolver.json";

/** Whether the Endpoint Picker of one tag serves TLS by default, and the argument that stops it. */
export interface EppServingFact {
    tag: string;
    commit: string;
    file: string;
    line: number;
    secureServingByDefault: boolean;
    disabledBy: string;
}

/** The EPP's serving facts, per tag read (facts/epp-serving.json). */
const EPP_SERVING_TAGS: readonly EppServingFact[] = eppServing.tags;

/** The serving facts of the EPP image `tag`, if it was read. */
export function eppServingFact(tag: string | undefined): EppServingFact | undefined {
    return EPP_SERVING_TAGS.find((t) => t.tag === tag);
}

/** The model-server metrics the EPP of one tag scrapes: each flag that names one, with its
 * default (facts/epp-model-server-metrics.json). */
export interface EppScrapeFact {
    tag: string;
    commit: string;
    file: string;
    lines: string;
    flags: Record<string, string>;
}

/** The metrics the EPP of image tag `tag` scrapes, if it was read. */
export function eppScrapeFact(tag: string | undefined): EppScrapeFact | undefined {
    return (eppScrapes.tags as readonly EppScrapeFact[]).find((t) => t.tag === tag);
}

/** The scrape flags whose metric a pool needs only when its servers have that argument. */
export const EPP_SCRAPE_ONLY_WITH: Readonly<Record<string, string>> = eppScrapes.onlyWith;

/** vLLM's administration paths under `/v1` at one tag (facts/vllm-admin-paths.json). */
export interface AdminPathsFact {
    tag: string;
    commit: string;
    file: string;
    /** The environment variable that registers them. */
    enabledBy: string;
    paths: readonly { path: string; line: number }[];
}

/** vLLM's administration paths, per tag read. */
export const VLLM_ADMIN_PATHS: readonly AdminPathsFact[] = vllmAdminPaths.tags;

/** One metric a component registers. */
export interface UpstreamMetric {
    name: string;
    type: string;
    /** The flag without which it is not registered (vLLM only). */
    requires?: string;
    /** A condition outside the arguments (a model's task, an environment variable): such a
     * metric is never taken as exported. */
    when?: string;
}

/** How a component's `/metrics` authenticates, where it does: controller-runtime's
 * `WithAuthenticationAndAuthorization` filter (the file and line at the tag), which reviews the
 * scraper's bearer token and asks whether it may `get` the path; `disabledBy` is the argument
 * that turns it off. */
export interface EndpointAuth {
    file: string;
    line: number;
    disabledBy?: string;
}

/** A component's metrics at one tag. */
export interface MetricList {
    repository: string;
    tag: string;
    commit: string;
    /** How the client library names series: Python's appends `_total` to counters. */
    client: string;
    /** Where `/metrics` needs a token. */
    endpointAuth?: EndpointAuth;
    metrics: readonly UpstreamMetric[];
}

/** The components whose metrics were read, by the image repository they run from. */
const METRIC_LISTS: Record<string, readonly MetricList[]> = {
    // The vLLM project's published image (docs.vllm.ai "Using Docker": vllm/vllm-openai).
    "vllm/vllm-openai": [vllmV0110, vllmV0202],
    // The images the inference extension's charts run (values.yaml at each tag).
    "registry.k8s.io/gateway-api-inference-extension/epp": [eppV100, eppV102, eppV150],
    "registry.k8s.io/gateway-api-inference-extension/bbr": [bbrV100, bbrV102, bbrV150],
};

/** The metric list of an image, if its repository is a component we read and its tag was read. */
export function metricListOf(repository: string, tag: string | undefined): { known: boolean; list?: MetricList } {
    const lists = Object.hasOwn(METRIC_LISTS, repository) ? METRIC_LISTS[repository] : undefined;
    return { known: lists !== undefined, list: lists?.find((l) => l.tag === tag) };
}

/** The series a metric appears under when scraped. prometheus_client: a Counter `x` is `x_total`
 * (prometheus/client_python `metrics.py`, Counter); both clients give a Histogram `_bucket`,
 * `_sum` and `_count`; client_golang counter names already end in `_total`. */
export function seriesOf(metric: UpstreamMetric, client: string): string[] {
    if (metric.type === "histogram") return ["_bucket", "_sum", "_count"].map((suffix) => `${metric.name}${suffix}`);
    if (metric.type === "counter" && client === "prometheus_client") return [`${metric.name}_total`];
    return [metric.name];
}

/**
 * GKE system metrics of containers with GPUs, which GKE writes to Cloud Monitoring without any
 * scraping (https://cloud.google.com/monitoring/api/metrics_kubernetes, `kubernetes.io/container/
 * accelerator/*`), by their PromQL names: the first `/` becomes `:`, the others and `.` become `_`
 * (https://cloud.google.com/monitoring/promql/promql-mapping).
 */
export const GKE_GPU_CONTAINER_METRICS = [
    "kubernetes_io:container_accelerator_duty_cycle",
    "kubernetes_io:container_accelerator_memory_used",
    "kubernetes_io:container_accelerator_memory_total",
    "kubernetes_io:container_accelerator_request",
] as const;

/** vLLM v0.11.0 `vllm/entrypoints/openai/cli_args.py` (FrontendArgs): `port: int = 8000`;
 * `vllm/config/model.py`: `served_model_name` is a list of names, `--model` when unset
 * (`get_served_model_name`); `entrypoints/openai/api_server.py` `mount_metrics(app)` serves
 * `/metrics` on the API's port. */
export const VLLM_DEFAULT_PORT = 8000;

/** The v1.0 line's LoRA syncer: the file it reads and how (facts/lora-syncer.json). */
export const LORA_SYNCER = loraSyncer;

/** vLLM's filesystem LoRA resolver and runtime loading (facts/vllm-lora-resolver.json). */
export const VLLM_LORA_RESOLVER = loraResolver;

/**
 * What a metrics endpoint behind controller-runtime's authentication filter asks of its callers,
 * as the inference extension's charts grant it: the scraper's service account may `get` the
 * non-resource URL `/metrics` (the chart's own reader: inferencepool templates/gke.yaml at v1.0.2,
 * `nonResourceURLs: [/metrics]`, `verbs: [get]`; site-src/guides/metrics-and-observability.md at
 * v1.0.0), and the server's own service account may create TokenReviews and SubjectAccessReviews
 * (templates/rbac.yaml at v1.0.0 and v1.0.2, epplib/templates/_rbac.yaml at v1.5.0).
 */
export const METRICS_AUTH = {
    scraper: { nonResourceURL: "/metrics", verb: "get" },
    server: [
        { apiGroup: "authentication.k8s.io", resource: "tokenreviews", verb: "create" },
        { apiGroup: "authorization.k8s.io", resource: "subjectaccessreviews", verb: "create" },
    ],
} as const;

/** The label Kubernetes sets on every namespace to its name (`kubernetes.io/metadata.name`,
 * GA in 1.22: kubernetes/enhancements KEP-2161). */
export const NAMESPACE_NAME_LABEL = "kubernetes.io/metadata.name";

/** Where a Gateway class's proxies connect to backends from. */
export type ProxySource =
    /** Envoy proxies outside the cluster, from the region's proxy-only subnet, plus Google's
     * health-check probers. */
    | { kind: "proxy-only-subnet"; healthCheckRanges: readonly string[] }
    /** Pods in the Gateway's namespace, labelled with the Gateway's name; `tlsByDestinationRule`:
     * they call a backend such as the EPP over TLS only where a DestinationRule for its host says
     * so (Istio's `trafficPolicy.tls`). */
    | { kind: "gateway-pods"; label: string; tlsByDestinationRule: boolean };

/**
 * Gateway classes the check knows. GKE's regional Envoy-based classes use the region's proxy-only
 * subnet (https://cloud.google.com/load-balancing/docs/proxy-only-subnets) and Google's health-check
 * ranges (facts/google-cloud.json).
 * Istio deploys the Gateway's proxies in its namespace with the pod label
 * `gateway.networking.k8s.io/gateway-name: <gateway>` (istio/istio 1.28.10
 * `manifests/charts/istio-control/istio-discovery/files/kube-gateway.yaml`), which call the EPP's
 * Service as the plain cluster `outbound|<port>||<service>` and originate TLS only where a
 * DestinationRule for that host sets `trafficPolicy.tls` (the reason the inferencepool chart
 * renders one from v1.0.1, templates/istio.yaml).
 */
export const GATEWAY_CLASS_PROXIES: Readonly<Record<string, ProxySource>> = {
    "gke-l7-regional-external-managed": { kind: "proxy-only-subnet", healthCheckRanges: googleCloud.healthCheckRanges.ranges },
    "gke-l7-rilb": { kind: "proxy-only-subnet", healthCheckRanges: googleCloud.healthCheckRanges.ranges },
    istio: { kind: "gateway-pods", label: "gateway.networking.k8s.io/gateway-name", tlsByDestinationRule: true },
};

/** Where a collector's scrapers run: namespaces and ServiceAccount. */
export interface Scrapers {
    namespaces: readonly string[];
    account: string;
}

/** A monitor kind, as the check reads it: where its endpoints are, the port and token Secret of
 * one, whether it selects pods in every namespace, and who scrapes. */
export interface MonitorKind {
    endpointsField: string;

    port: (endpoint: any) => number | string | undefined;

    secret: (endpoint: any) => { name: string; key: string; namespace?: string } | undefined;
    clusterWide: boolean;
    /** The scrapers, which must reach the pods and read the token Secret; unknown for the
     * Prometheus Operator, whose Prometheus runs where its owner put it and which reads Secrets
     * with its own cluster-wide rights (prometheus-operator v0.85.0,
     * example/rbac/prometheus-operator/prometheus-operator-cluster-role.yaml:38-46). */
    scrapers?: Scrapers;
}

/** Managed Prometheus' collectors, which must be allowed to read a monitor's token Secret
 * (facts/google-cloud.json). */
const MANAGED_PROMETHEUS: Scrapers = googleCloud.managedPrometheusCollector;
const MANAGED_MONITOR: Omit<MonitorKind, "clusterWide"> = {
    endpointsField: "endpoints",
    port: (e) => e.port,
    secret: (e) => e.authorization?.credentials?.secret,
    scrapers: MANAGED_PROMETHEUS,
};

/** The monitors the check reads, by kind: Managed Prometheus' (monitoring.googleapis.com/v1) and
 * the Prometheus Operator's PodMonitor (monitoring.coreos.com/v1 at v0.85.0:
 * example/prometheus-operator-crd/monitoring.coreos.com_podmonitors.yaml, `podMetricsEndpoints`,
 * `portNumber` over `port`, `authorization.credentials` a Secret key). */
export const MONITOR_KINDS: Record<string, MonitorKind> = {
    PodMonitoring: { ...MANAGED_MONITOR, clusterWide: false },
    ClusterPodMonitoring: { ...MANAGED_MONITOR, clusterWide: true },
    PodMonitor: { endpointsField: "podMetricsEndpoints", port: (e) => e.portNumber ?? e.port, secret: (e) => e.authorization?.credentials, clusterWide: false },
};

/** The Custom Metrics Stackdriver Adapter serves a Managed Prometheus metric to an HPA as
 * `prometheus.googleapis.com|<series>|<kind>` (GoogleCloudPlatform/k8s-stackdriver
 * `custom-metrics-stackdriver-adapter/README.md`; the kind is gauge, counter or histogram). */
export const ADAPTER_METRIC_PATTERN = /^prometheus\.googleapis\.com\|([^|]+)\|(gauge|counter|histogram|summary)$/;
