/**
 * What a deployment serves, as plain data: the shape of the stack config and of the top-level
 * component's args. The zod schema in `configSchema.ts` enforces it (strict: unknown keys are
 * errors, so typos are caught) and fills in the defaults, which reproduce the upstream "serve
 * multiple generative AI models" guide.
 */
import type { GatewayProviderName } from "../catalogs/gatewayProviders";
import type { MetricsCollectorName } from "../catalogs/metricsCollectors";
import type { ModelConfig } from "./modelConfig";

/** The inference extension release whose charts and CRDs are used by default. */
export const DEFAULT_INFERENCE_EXTENSION_VERSION = "v1.0.0";

/** The GPU driver GKE installs on a node pool. A const object so the cross-language schema gets
 * an enum. */
export const GpuDriverVersion = {
    /** The default driver of the node's GKE version. */
    Default: "DEFAULT",
    /** The latest driver available for the node's GKE version. */
    Latest: "LATEST",
} as const;

/** A GPU driver version setting. */
export type GpuDriverVersion = (typeof GpuDriverVersion)[keyof typeof GpuDriverVersion];

/** Helm chart values: a JSON object. `any` rather than `unknown` so that the cross-language
 * schema can type the values as `Any`. */
export type ChartValues = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

/** The cluster the deployment goes into: a GKE cluster (`project`, `location`, `name`; an existing
 * one, or one this stack creates), or any Kubernetes cluster by its kubeconfig (`kubeconfig`),
 * the upstream guide's "Other" tab, for which no Google Cloud resource is made. */
export interface ClusterConfig {
    /** Google Cloud project ID that owns the GKE cluster. Not with `kubeconfig`. */
    project?: string;
    /** The GKE cluster's region or zone, e.g. `us-central1`. Not with `kubeconfig`. */
    location?: string;
    /** The GKE cluster's name. Not with `kubeconfig`. */
    name?: string;
    /** Create the GKE cluster, its network and the proxy-only subnet in this stack. Absent: the
     * cluster exists and is only looked up. */
    create?: ClusterCreateConfig;
    /** Any Kubernetes cluster instead of a GKE one: the path of its kubeconfig file. Its GPU nodes
     * are its own, selected by `nodePools.<type>.nodeSelector`; no node pool, service account,
     * dashboard or other Google Cloud resource is made, and `provider.name` is `istio` or `other`. */
    kubeconfig?: string;
    /** The kubeconfig's context. Default: its current context. */
    context?: string;
}

/** GKE release channels. A const object so the cross-language schema gets an enum. */
export const ReleaseChannel = {
    /** Newest versions first. */
    Rapid: "RAPID",
    /** A balance of features and stability; GKE's default. */
    Regular: "REGULAR",
    /** Versions proven on the other channels. */
    Stable: "STABLE",
    /** Stable versions with extended support. */
    Extended: "EXTENDED",
} as const;

/** A GKE release channel. */
export type ReleaseChannel = (typeof ReleaseChannel)[keyof typeof ReleaseChannel];

/**
 * A VPC-native GKE Standard cluster made from zero: a custom-mode VPC network, a subnet with
 * secondary ranges for pods and services, the proxy-only subnet the regional Envoy-based gateway
 * classes need, the cluster (Gateway API, Workload Identity, Dataplane V2, shielded nodes) and a
 * small node pool for everything that is not a model server. The IP ranges must not overlap each
 * other or other subnets of the network; changing any of them replaces the subnet and the cluster.
 */
export interface ClusterCreateConfig {
    /** Name of the VPC network. Default `<cluster.name>-network`. */
    networkName?: string;
    /** Name of the nodes' subnet in the cluster's region. Default `<cluster.name>-nodes`. */
    subnetName?: string;
    /** Primary range of the nodes' subnet. Default `10.0.0.0/20`. */
    nodesCidr?: string;
    /** Secondary range for pod IPs. Default `10.4.0.0/14`. */
    podsCidr?: string;
    /** Secondary range for Service IPs. Default `10.8.0.0/20`. */
    servicesCidr?: string;
    /** Range of the proxy-only subnet (`REGIONAL_MANAGED_PROXY`, `ACTIVE`) in the cluster's
     * region, used by the proxies of `gke-l7-regional-external-managed` and `gke-l7-rilb`; /26 or
     * larger. Default `10.129.0.0/23`. A region holds one active proxy-only subnet per network. */
    proxyOnlyCidr?: string;
    /** GKE release channel: `RAPID`, `REGULAR`, `STABLE` or `EXTENDED`. Default `REGULAR`. */
    releaseChannel?: ReleaseChannel;
    /** Protect the cluster: Pulumi's `protect` and GKE deletion protection, so that no `up` or
     * `destroy` deletes or replaces it. Default true; set false (and `up`) before deleting it. */
    protect?: boolean;
    /** Enable the APIs a new project needs first: Compute Engine, Kubernetes Engine, IAM,
     * Resource Manager, image streaming and Filestore (left enabled on destroy). Default true. */
    enableApis?: boolean;
    /** Machine type of the node pool for the gateway's helpers (the EPPs, BBR, the model list,
     * istiod, GKE's add-ons): an `e2-standard-*` or `n2-standard-*` type, whose allocatable CPU and
     * memory the plan checks against what the pool must hold. Default: `e2-standard-4`, or the
     * smallest larger E2 type that holds one Endpoint Picker (4 vCPU and 8 GiB each from v1.5.0). */
    systemMachineType?: string;
    /** Nodes of that pool in each of the cluster's zones (a regional cluster has three). Default:
     * enough for one Endpoint Picker per model and everything else the pool runs (1 on the v1.0
     * line); a smaller count is refused. */
    systemNodeCount?: number;
}

/** The first Istio release that serves several InferencePools on one Gateway: 1.28 is the first
 * to serve v1 InferencePools, and 1.28.0 to 1.28.4 keep the Endpoint Picker settings of only the
 * first of several HTTPRoutes on a Gateway, so every other model is balanced without its EPP
 * (istio/istio#58392, fixed by #58393 in 1.29.0 and its backport #59303 in 1.28.5). */
export const MIN_ISTIO_VERSION = { major: 1, minor: 28, patch: 5 } as const;

/** The Istio chart version installed by default: the newest 1.30 patch release with an
 * announcement (https://istio.io/latest/zh/news/releases/1.30.x/announcing-1.30.5/, read
 * 2026-12-01). */
export const DEFAULT_ISTIO_VERSION = "1.30.5";

/** Installing Istio with the stack (provider `istio` only). */
export interface IstioConfig {
    /** Install Istio's official `base` and `istiod` charts into `istio-system`, with
     * `ENABLE_GATEWAY_API_INFERENCE_EXTENSION=true` in istiod's environment. Default false: Istio
     * is already installed. */
    install?: boolean;
    /** Istio chart version, 1.28.5 or later (earlier ones give only the first model its Endpoint
     * Picker), without a `v`. Default `1.30.5`. */
    version?: string;
}

/** Metrics collection and the autoscaling backend. */
export interface MonitoringConfig {
    /** Install the Custom Metrics Stackdriver Adapter (and grant its Kubernetes service account
     * `roles/monitoring.viewer` through Workload Identity), which autoscaling reads metrics
     * through. Default false: leave it false when the cluster already runs the adapter. */
    installMetricsAdapter?: boolean;
    /** How often the collector scrapes the model servers, EPPs and BBR, as a Prometheus
     * duration. Default `15s`. */
    scrapeInterval?: string;
    /** Which metrics collector the program sets monitors up for: `managed-prometheus` (a
     * PodMonitoring per target; GKE's, the default there) or `prometheus-operator` (a PodMonitor
     * per target; a cluster given by `cluster.kubeconfig` that runs the operator). Unset on such a
     * cluster: no monitors. */
    collector?: MetricsCollectorName;
    /** The namespaces the Prometheus Operator's Prometheus runs in, which the model servers'
     * NetworkPolicy admits to vLLM's `/metrics`. Required with `collector: prometheus-operator`,
     * refused otherwise (Managed Prometheus' namespaces are fixed). */
    collectorNamespaces?: string[];
}

/** A node pool's autoscaling range, in nodes across all its zones. */
export interface NodeAutoscalingConfig {
    /** Fewest nodes; 0 lets the pool scale to zero when no model needs it. */
    minNodes: number;
    /** Most nodes. */
    maxNodes: number;
}

/** The GPU node pool of one accelerator type. Unset fields are derived from the models on it. */
export interface NodePoolConfig {
    /** Compute Engine machine type; must carry this accelerator. Default: the smallest machine
     * type with enough GPUs for the largest model on the pool. */
    machineType?: string;
    /** Zones for the nodes. Required when `cluster.location` is a region (GKE would otherwise put
     * `nodeCount` nodes in every zone of the region); defaults to the cluster's zone otherwise.
     * Pick zones that offer this accelerator. */
    zones?: string[];
    /** Fixed number of nodes in each zone. Default: enough for every replica on the pool. Not
     * with `autoscaling`. */
    nodeCount?: number;
    /** Node autoscaling range, in nodes across all zones, instead of a fixed count. */
    autoscaling?: NodeAutoscalingConfig;
    /** Use Spot VMs (cheaper, can be preempted). Default false. */
    spot?: boolean;
    /** GPU driver GKE installs: `DEFAULT` or `LATEST`. Default `LATEST`. Changing it replaces
     * the pool. */
    driverVersion?: GpuDriverVersion;
    /** Boot disk size in GB; the vLLM image is large. Default 200. */
    diskSizeGb?: number;
    /** Extra Kubernetes labels for the nodes; not under `kubernetes.io/`, `k8s.io/` or
     * `cloud.google.com/gke-`, which Kubernetes and GKE set. */
    labels?: Record<string, string>;
    /** Protect the pool from deletion: `pulumi destroy`, and any change that replaces the pool,
     * fail until it is unset. Default false. */
    protect?: boolean;
    /** GKE image streaming, so the large vLLM image starts before it is fully pulled; it only
     * applies to images in Artifact Registry (mirror the vLLM image there). Default true. */
    imageStreaming?: boolean;
    /** On a cluster given by `cluster.kubeconfig` (required there, and only there): the node
     * labels that select the nodes with this accelerator, e.g. NVIDIA GPU feature discovery's
     * `nvidia.com/gpu.product`. GKE's pools are selected by `cloud.google.com/gke-accelerator`. */
    nodeSelector?: Record<string, string>;
}

/** A Helm chart's version and values beyond the ones the program sets. */
export interface ChartConfig {
    /** Chart version, with the `v`: `v1.0.0`, `v1.0.2` or `v1.5.0` (the lines whose values we
     * have read; any other only with `rawValues`). Default `v1.0.0`. */
    version?: string;
    /** Extra values, merged over the program's and checked against the chart's values schema at
     * that version. */
    values?: ChartValues;
    /** Extra values merged over everything without any check; the only way to use a chart
     * version we have no values schema for. */
    rawValues?: ChartValues;
}

/** Where the charts and the InferencePool CRD manifests come from, when not from upstream
 * (air-gapped clusters). At most one of the two. */
export interface ChartSourceConfig {
    /** An OCI registry that mirrors upstream's charts under the same names and versions, e.g.
     * `oci://registry.example.com/gateway-api-inference-extension/charts`. */
    registry?: string;
    /** A local directory holding the packaged charts as `<chart>-<version>.tgz` and the CRDs as
     * `manifests-<version>.yaml` (what `npm run tools` lays out from the module archives). */
    directory?: string;
}

/** The versions and values of the two inference extension charts. */
export interface ChartsConfig {
    /** Where charts and CRDs come from. Default: upstream (the charts' OCI registry, the CRDs
     * from the release's assets). */
    source?: ChartSourceConfig;
    /** The inferencepool chart (one release per model: InferencePool and Endpoint Picker). */
    inferencePool?: ChartConfig;
    /** The body-based-routing chart (the Body-Based Router). */
    bodyBasedRouting?: ChartConfig;
}

/** The gateway provider and its class. */
export interface ProviderConfig {
    /** `gke`, `istio` or `other`. Default `gke`. */
    name?: GatewayProviderName;
    /** GatewayClass of the Gateway. Default: the provider's (required for `other`). */
    gatewayClassName?: string;
}

/** How the Gateway is exposed. */
export interface GatewayConfig {
    /** An internal load balancer reachable only from the VPC, instead of an internet-facing one.
     * Default false. */
    internal?: boolean;
    /** The hostname clients use; the listener accepts only requests for it. Default: any. */
    hostname?: string;
    /** A Kubernetes Secret of type `kubernetes.io/tls` in the Gateway's namespace holding the
     * certificate for `hostname`; the Gateway then serves HTTPS on 443 and redirects HTTP on 80
     * to it. Without it, a `hostname` on provider `gke` gets a Google-managed certificate
     * (Certificate Manager, DNS authorization) instead; other providers serve HTTP on 80. */
    tlsSecretName?: string;
}

/**
 * Whether clients must send an API key (`Authorization: Bearer <key>`, as OpenAI clients do) to
 * reach the model servers and `GET /v1/models`. The keys themselves are a secret and are never
 * part of this plain config: the stack reads them from its `apiKeys` secret, and
 * {@link MultiModelInference} takes them as `apiKeys.keys`.
 */
export interface ApiKeysConfig {
    /** `true`: every request needs a key; `false`: anyone who reaches the gateway may call it.
     * Default: `true` for an external gateway (or whenever keys are given), `false` for an
     * internal one. */
    required?: boolean;
}

/** Which peers may reach the model servers' port. */
export interface NetworkPolicyConfig {
    /** Create one NetworkPolicy per model that admits only the gateway's proxies, the model's
     * Endpoint Picker and the Managed Prometheus collectors to the vLLM port. Default true. */
    enabled?: boolean;
    /** CIDR ranges the gateway's proxies connect from, for providers whose proxies run outside
     * the cluster: for `gke`, the region's proxy-only subnet (`gcloud compute networks subnets
     * list --filter=purpose=REGIONAL_MANAGED_PROXY`); required for `gke` and `other`, unless
     * `cluster.create` makes the subnet, whose range is then the default. Each a /8 or narrower. */
    gatewaySourceRanges?: string[];
}

/** Everything a deployment serves. */
export interface ServingConfig {
    /** The GKE cluster, or any Kubernetes cluster by kubeconfig. */
    cluster: ClusterConfig;
    /** Namespace of the Gateway, BBR, pools and model servers; not a system namespace
     * (`kube-*`, `istio-system`, ...). Default `default`. */
    namespace?: string;
    /** Gateway provider. */
    provider?: ProviderConfig;
    /** Installing Istio with the stack. */
    istio?: IstioConfig;
    /** Name of the Gateway. Default `inference-gateway`. */
    gatewayName?: string;
    /** How the Gateway is exposed: internal or external, HTTP or HTTPS. */
    gateway?: GatewayConfig;
    /** Whether clients need an API key. */
    apiKeys?: ApiKeysConfig;
    /** NetworkPolicies in front of the model servers. */
    networkPolicy?: NetworkPolicyConfig;
    /** Email of an existing Google service account for the GPU nodes. Default: a dedicated
     * account is created with only the roles nodes need (logging, monitoring, image pulls). */
    nodeServiceAccountEmail?: string;
    /** Apply the InferencePool CRDs of `charts.inferencePool.version`. Default: true for an
     * existing cluster, false for a created one (every release channel gives a new cluster a GKE
     * version that installs them itself). Set false on an existing cluster that runs GKE
     * 1.34.0-gke.1626000 or later, so that GKE's own copy is not replaced. */
    installInferenceCrds?: boolean;
    /** vLLM image, pinned by a tag or digest (a moving tag such as `latest` or `nightly` only with
     * its digest); the inferencepool chart's release line picks the default:
     * `vllm/vllm-openai:v0.11.0` on the v1.0 line, `vllm/vllm-openai:v0.20.2` on v1.5.0. */
    vllmImage?: string;
    /** Chart versions and values. */
    charts?: ChartsConfig;
    /** Node pool settings keyed by accelerator type (e.g. `nvidia-l4`); one pool is created for
     * each type the models use. A plain string-keyed map so that every Pulumi language can pass
     * it; the keys are checked against the accelerator types. */
    nodePools?: Record<string, NodePoolConfig>;
    /** The models, at least one. */
    models: ModelConfig[];
    /** Metrics collection and the autoscaling backend. */
    monitoring?: MonitoringConfig;
}
