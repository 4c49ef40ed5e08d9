/**
 * What a deployment serves, as plain data: the shape of the stack config and of the top-level
 * component's args. The zod schema below enforces it (strict: unknown keys are errors, so typos
 * are caught) and fills in the defaults, which reproduce the upstream "serve multiple generative
 * AI models" guide.
 */
import { z } from "zod";
import { canonicalCidr, parseCidr } from "./cidr";
import { ACCELERATOR_TYPES, AcceleratorType } from "./gpuCatalog";
import { GATEWAY_PROVIDER_NAMES, GatewayProviderName } from "./gatewayProviders";
import { MAX_MODEL_KEY_LENGTH } from "./names";

/** The inference extension release whose charts and CRDs are used by default. */
export const DEFAULT_INFERENCE_EXTENSION_VERSION = "v1.0.0";

/** The vLLM OpenAI-compatible server image; pinned, never `latest`. */
export const DEFAULT_VLLM_IMAGE = "vllm/vllm-openai:v0.11.0";

/** Weight precisions the capacity estimate knows. A const object so the cross-language schema
 * gets an enum. */
export const Precision = {
    /** 16-bit brain floating point, vLLM's usual choice. */
    bfloat16: "bfloat16",
    /** 16-bit floating point. */
    float16: "float16",
    /** 32-bit floating point. */
    float32: "float32",
    /** 8-bit floating point, quantized by vLLM at load time. */
    fp8: "fp8",
    /** A pre-quantized 8-bit checkpoint. */
    int8: "int8",
    /** A pre-quantized 4-bit checkpoint (AWQ, GPTQ). */
    int4: "int4",
} as const;

/** A weight precision. */
export type Precision = (typeof Precision)[keyof typeof Precision];

/** Bytes per parameter of each precision, for the memory estimate. */
export const BYTES_PER_PARAMETER = {
    bfloat16: 2,
    float16: 2,
    float32: 4,
    fp8: 1,
    int8: 1,
    int4: 0.5,
} as const satisfies Record<Precision, number>;

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
export type ChartValues = Record<string, any>;

/** The GKE cluster the deployment goes into: an existing one, or one this stack creates. */
export interface ClusterConfig {
    /** Google Cloud project ID that owns the cluster. */
    project: string;
    /** The cluster's region or zone, e.g. `us-central1`. */
    location: string;
    /** The cluster's name. */
    name: string;
    /** Create the cluster, its network and the proxy-only subnet in this stack. Absent: the
     * cluster exists and is only looked up. */
    create?: ClusterCreateConfig;
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
    /** Machine type of the node pool for the gateway's helpers (BBR, the EPPs, istiod, cluster
     * add-ons). Default `e2-standard-4`. */
    systemMachineType?: string;
    /** Nodes of that pool in each of the cluster's zones (a regional cluster has three). Default 1. */
    systemNodeCount?: number;
}

/** The first Istio release whose gateway serves v1 InferencePools. */
export const MIN_ISTIO_VERSION = { major: 1, minor: 28 } as const;

/** The Istio chart version installed by default. */
export const DEFAULT_ISTIO_VERSION = "1.28.0";

/** Installing Istio with the stack (provider `istio` only). */
export interface IstioConfig {
    /** Install Istio's official `base` and `istiod` charts into `istio-system`, with
     * `ENABLE_GATEWAY_API_INFERENCE_EXTENSION=true` in istiod's environment. Default false: Istio
     * is already installed. */
    install?: boolean;
    /** Istio chart version, 1.28.0 or later, without a `v`. Default `1.28.0`. */
    version?: string;
}

/** The GPUs each replica of a model needs. */
export interface ModelGpuConfig {
    /** GKE accelerator type, e.g. `nvidia-l4`. Default `nvidia-l4`. */
    type?: AcceleratorType;
    /** GPUs per replica, all on one node; vLLM's tensor-parallel size. Default 1. */
    count?: number;
}

/** A LoRA adapter served on top of a base model. */
export interface LoraAdapterConfig {
    /** The name clients send as `model`; vLLM serves the adapter under it and the base model's
     * route matches it. Unique across every model and adapter name. */
    name: string;
    /** Where vLLM loads the adapter from: a Hugging Face repository such as
     * `Kawon/llama3.1-food-finetune_v14_r8`, or an absolute path inside the pod. */
    source: string;
    /** Unload the adapter from running pods and stop routing to it, keeping its name reserved.
     * An adapter deleted from the list instead stays loaded (but unreachable) until each pod
     * restarts. Default false. */
    retired?: boolean;
}

/** vLLM's LoRA limits; setting this block enables LoRA even with no adapters listed, so that
 * adding the first adapter later does not restart the pods. */
export interface LoraConfig {
    /** Adapters in one batch on the GPU (`--max-loras`). Default 2. */
    maxLoras?: number;
    /** Highest adapter rank served (`--max-lora-rank`): 1, 8, 16, 32, 64, 128, 256, 320 or 512.
     * Default 16. */
    maxLoraRank?: number;
    /** Adapters kept in CPU memory (`--max-cpu-loras`), at least `maxLoras`. Default: vLLM's,
     * which is `maxLoras`. */
    maxCpuLoras?: number;
}

/** Kinds of weight cache; see {@link WeightCacheConfig}. A const object so the cross-language
 * schema gets an enum. */
export const WeightCacheType = {
    /** A PersistentVolumeClaim holding the Hugging Face cache. */
    Volume: "volume",
    /** A Cloud Storage bucket of weights, mounted read-only. */
    Bucket: "bucket",
    /** An emptyDir: every new pod downloads again. */
    None: "none",
} as const;
/** A kind of weight cache. */
export type WeightCacheType = (typeof WeightCacheType)[keyof typeof WeightCacheType];

/** Access modes of the weight cache volume. A const object so the cross-language schema gets an
 * enum. */
export const CacheAccessMode = {
    /** Mounted read-write by pods on one node (Persistent Disk). */
    ReadWriteOnce: "ReadWriteOnce",
    /** Mounted read-write by pods on many nodes (Filestore). */
    ReadWriteMany: "ReadWriteMany",
} as const;
/** An access mode of the weight cache volume. */
export type CacheAccessMode = (typeof CacheAccessMode)[keyof typeof CacheAccessMode];

/** Where a model's pods keep the weights between restarts. */
export interface WeightCacheConfig {
    /** `volume` (default): a PersistentVolumeClaim holding the Hugging Face cache, so a restarted
     * pod loads from disk instead of downloading; `bucket`: the weights are read from a Cloud
     * Storage bucket mounted read-only with the Cloud Storage FUSE CSI driver (pre-load it, see
     * the README); `none`: an emptyDir, downloaded again by every new pod. */
    type?: WeightCacheType;
    /** `volume` only: StorageClass of the claim. Default `standard-rwo` (Persistent Disk) for
     * `ReadWriteOnce`, `standard-rwx` (Filestore, needs the Filestore CSI driver) for
     * `ReadWriteMany`. */
    storageClassName?: string;
    /** `volume` only: size of the claim in GiB; at least 1.2 × the model's weights. Default:
     * that, or 100 for `ReadWriteOnce` and 1024 (the Filestore minimum) for `ReadWriteMany` when
     * larger. */
    sizeGb?: number;
    /** `volume` only: `ReadWriteOnce` (one node) or `ReadWriteMany` (shared by pods on several
     * nodes). Default `ReadWriteOnce`; several replicas need `ReadWriteMany`. */
    accessMode?: CacheAccessMode;
    /** `bucket` only, required: the Cloud Storage bucket holding the weights (name, no `gs://`). */
    bucket?: string;
    /** `bucket` only: folder in the bucket holding the model's files (`config.json`,
     * `*.safetensors`, tokenizer). Default: the Hugging Face model ID. */
    path?: string;
}

/** The vLLM signals a model can scale on. A const object so the cross-language schema gets an
 * enum. */
export const AutoscalingMetric = {
    /** `vllm:num_requests_waiting`: requests queued in a pod because its batch is full. */
    queueDepth: "queueDepth",
    /** `vllm:kv_cache_usage_perc`: the share of a pod's KV cache in use (0 to 1). */
    kvCache: "kvCache",
} as const;
/** The vLLM signal a model scales on. */
export type AutoscalingMetric = (typeof AutoscalingMetric)[keyof typeof AutoscalingMetric];

/** Per-pod targets used when config gives none: a few queued requests per pod (the batch is full
 * and latency is starting to grow), or a KV cache 80 % full (vLLM starts preempting near 100 %). */
export const DEFAULT_AUTOSCALING_TARGETS: Record<AutoscalingMetric, number> = { queueDepth: 3, kvCache: 0.8 };

/** How one model's pods scale with its load. */
export interface ModelAutoscalingConfig {
    /** Fewest pods, and the count the model starts with. Default 1. */
    minReplicas?: number;
    /** Most pods; the GPU node pool must be able to hold every model at its maximum. */
    maxReplicas: number;
    /** The per-pod signal: `queueDepth` (waiting requests) or `kvCache` (KV-cache use). Default
     * `queueDepth`. */
    metric?: AutoscalingMetric;
    /** Per-pod average the autoscaler keeps the metric at: waiting requests for `queueDepth`
     * (default 3), a fraction between 0 and 1 for `kvCache` (default 0.8). */
    target?: number;
    /** Seconds the metric must stay low before pods are removed. Default 600: GPU pods take
     * minutes to start, so removing one on a short lull and adding it back costs more than
     * keeping it. */
    scaleDownStabilizationSeconds?: number;
}

/** Metrics collection and the autoscaling backend. */
export interface MonitoringConfig {
    /** Install the Custom Metrics Stackdriver Adapter (and grant its Kubernetes service account
     * `roles/monitoring.viewer` through Workload Identity), which autoscaling reads metrics
     * through. Default false: leave it false when the cluster already runs the adapter. */
    installMetricsAdapter?: boolean;
    /** How often Managed Prometheus scrapes the model servers, EPPs and BBR, as a Prometheus
     * duration. Default `15s`. */
    scrapeInterval?: string;
}

/** One model served behind the gateway. */
export interface ModelConfig {
    /** The name clients send as `model`; vLLM serves the model under exactly this name and the
     * route matches it on `X-Gateway-Model-Name`. */
    name: string;
    /** Hugging Face model ID vLLM loads. Default: `name`. */
    huggingFaceId?: string;
    /** Stable key for the model's Kubernetes names and Pulumi URNs (a DNS label of at most 40
     * characters). Default: derived from `name`, e.g. `llama-3-1-8b-instruct`. Set it to keep
     * names when renaming a model or to resolve a collision. */
    key?: string;
    /** GPUs per replica. */
    gpu?: ModelGpuConfig;
    /** Number of vLLM pods. Default 1. Not with `autoscaling`, whose `minReplicas` is the count
     * the model starts with. */
    replicas?: number;
    /** Scale the model's pods with its own load (a HorizontalPodAutoscaler on a vLLM metric read
     * through the Custom Metrics Stackdriver Adapter). Off unless set. */
    autoscaling?: ModelAutoscalingConfig;
    /** Extra arguments for `vllm serve`, e.g. `--max-model-len=8192`. */
    vllmArgs?: string[];
    /** Parameter count in billions, for the memory estimate of models not in the known-model
     * table. */
    parameters?: number;
    /** Precision of the weights as loaded, for the memory estimate. Default `bfloat16`. */
    precision?: Precision;
    /** GPU memory in GB kept free for the KV cache and activations. Default 2. */
    kvCacheReserveGb?: number;
    /** Minutes `pulumi up` waits for the model's pods to become ready: a GPU node scaling up,
     * the image pull, and the weights download and load. It is also the pod's startup-probe
     * allowance, so a slow first start is not killed. Default 40. */
    readyTimeoutMinutes?: number;
    /** LoRA adapters served on this model's pods; adding or removing one changes a ConfigMap
     * and the route, not the pods. */
    adapters?: LoraAdapterConfig[];
    /** vLLM's LoRA limits. LoRA is on when this is set or `adapters` is not empty. */
    lora?: LoraConfig;
    /** Where the weights are kept between pod restarts. Default: a persistent volume. */
    weightCache?: WeightCacheConfig;
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
    /** Extra Kubernetes labels for the nodes. */
    labels?: Record<string, string>;
    /** Protect the pool from deletion: `pulumi destroy`, and any change that replaces the pool,
     * fail until it is unset. Default false. */
    protect?: boolean;
    /** GKE image streaming, so the large vLLM image starts before it is fully pulled; it only
     * applies to images in Artifact Registry (mirror the vLLM image there). Default true. */
    imageStreaming?: boolean;
}

/** A Helm chart's version and values beyond the ones the program sets. */
export interface ChartConfig {
    /** Chart version, with the `v`. Default `v1.0.0`. */
    version?: string;
    /** Extra values, merged over the program's and checked against the chart's values schema at
     * that version. */
    values?: ChartValues;
    /** Extra values merged over everything without any check; the only way to use a chart
     * version we have no values schema for. */
    rawValues?: ChartValues;
}

/** The versions and values of the two inference extension charts. */
export interface ChartsConfig {
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
     * certificate for `hostname`; the listener then serves HTTPS on 443 instead of HTTP on 80. */
    tlsSecretName?: string;
}

/** Which peers may reach the model servers' port. */
export interface NetworkPolicyConfig {
    /** Create one NetworkPolicy per model that admits only the gateway's proxies, the model's
     * Endpoint Picker and the Managed Prometheus collectors to the vLLM port. Default true. */
    enabled?: boolean;
    /** CIDR ranges the gateway's proxies connect from, for providers whose proxies run outside
     * the cluster: for `gke`, the region's proxy-only subnet (`gcloud compute networks subnets
     * list --filter=purpose=REGIONAL_MANAGED_PROXY`); required for `gke` and `other`, unless
     * `cluster.create` makes the subnet, whose range is then the default. */
    gatewaySourceRanges?: string[];
}

/** Everything a deployment serves. */
export interface ServingConfig {
    /** The existing GKE cluster. */
    cluster: ClusterConfig;
    /** Namespace of the Gateway, BBR, pools and model servers. Default `default`. */
    namespace?: string;
    /** Gateway provider. */
    provider?: ProviderConfig;
    /** Installing Istio with the stack. */
    istio?: IstioConfig;
    /** Name of the Gateway. Default `inference-gateway`. */
    gatewayName?: string;
    /** How the Gateway is exposed: internal or external, HTTP or HTTPS. */
    gateway?: GatewayConfig;
    /** NetworkPolicies in front of the model servers. */
    networkPolicy?: NetworkPolicyConfig;
    /** Email of an existing Google service account for the GPU nodes. Default: a dedicated
     * account is created with only the roles nodes need (logging, monitoring, image pulls). */
    nodeServiceAccountEmail?: string;
    /** Apply the InferencePool CRDs of `charts.inferencePool.version`. Default true; set false
     * when the cluster has them (GKE 1.34.0-gke.1626000 and later installs them itself). */
    installInferenceCrds?: boolean;
    /** vLLM image. Default `vllm/vllm-openai:v0.11.0`. */
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

/** Minutes to wait for a model's pods: about 10 for a GPU node to join, 5 for the image, and
 * the rest for downloading and loading weights of an 8B model at a few hundred MB/s. */
export const DEFAULT_READY_TIMEOUT_MINUTES = 40;

const DNS_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
const dnsLabel = (max: number) =>
    z
        .string()
        .max(max, `must be at most ${max} characters`)
        .regex(DNS_LABEL, "must be a DNS label: lower-case letters, digits and '-', starting and ending alphanumeric");

const chartSchema = z.strictObject({
    version: z
        .string()
        .regex(/^v\d+\.\d+\.\d+(-[\w.]+)?$/, "must be a chart version with its 'v', e.g. v1.0.0")
        .default(DEFAULT_INFERENCE_EXTENSION_VERSION),
    values: z.record(z.string(), z.unknown()).optional(),
    rawValues: z.record(z.string(), z.unknown()).optional(),
});

const cidrSchema = (example: string) =>
    z
        .string()
        .refine((cidr) => parseCidr(cidr) !== undefined, `must be an IPv4 range such as ${example}`)
        .refine((cidr) => {
            const range = parseCidr(cidr);
            return range === undefined || canonicalCidr(range) === cidr;
        }, "must have no host bits set (the address must be the first of its range)");

const clusterCreateSchema = z.strictObject({
    networkName: dnsLabel(63).optional(),
    subnetName: dnsLabel(63).optional(),
    nodesCidr: cidrSchema("10.0.0.0/20").default("10.0.0.0/20"),
    podsCidr: cidrSchema("10.4.0.0/14").default("10.4.0.0/14"),
    servicesCidr: cidrSchema("10.8.0.0/20").default("10.8.0.0/20"),
    proxyOnlyCidr: cidrSchema("10.129.0.0/23")
        .refine((cidr) => (parseCidr(cidr)?.prefix ?? 0) <= 26, "must be a /26 or larger range, e.g. 10.129.0.0/23")
        .default("10.129.0.0/23"),
    releaseChannel: z.enum(ReleaseChannel).default("REGULAR"),
    protect: z.boolean().default(true),
    enableApis: z.boolean().default(true),
    systemMachineType: z.string().regex(/^[a-z0-9]+-[a-z0-9-]+$/, "must be a machine type such as e2-standard-4").default("e2-standard-4"),
    systemNodeCount: z.number().int().min(1).max(100).default(1),
});

const istioVersionSchema = z
    .string()
    .regex(/^\d+\.\d+\.\d+$/, `must be an Istio version such as ${DEFAULT_ISTIO_VERSION} (no 'v')`)
    .refine((version) => {
        const match = /^(\d+)\.(\d+)\./.exec(version);
        if (match === null) return true; // reported by the pattern above
        const [major, minor] = [Number(match[1]), Number(match[2])];
        return major > MIN_ISTIO_VERSION.major || (major === MIN_ISTIO_VERSION.major && minor >= MIN_ISTIO_VERSION.minor);
    }, `must be ${MIN_ISTIO_VERSION.major}.${MIN_ISTIO_VERSION.minor}.0 or later: older Istio does not serve v1 InferencePools`);

/** The schema of one node pool's settings. */
export const nodePoolSchema = z
    .strictObject({
        machineType: z.string().min(1).optional(),
        zones: z
            .array(z.string().regex(/^[a-z]+-[a-z]+\d-[a-z]$/, "must be a zone such as us-central1-a"))
            .min(1)
            .refine((zones) => new Set(zones).size === zones.length, "must not list a zone twice")
            .optional(),
        nodeCount: z.number().int().min(1).max(1000).optional(),
        autoscaling: z
            .strictObject({
                minNodes: z.number().int().min(0).max(1000),
                maxNodes: z.number().int().min(1).max(1000),
            })
            .refine((a) => a.minNodes <= a.maxNodes, "minNodes must not exceed maxNodes")
            .optional(),
        spot: z.boolean().default(false),
        driverVersion: z.enum(GpuDriverVersion).default("LATEST"),
        diskSizeGb: z.number().int().min(100).max(65536).default(200),
        labels: z.record(z.string(), z.string()).default({}),
        protect: z.boolean().default(false),
        imageStreaming: z.boolean().default(true),
    })
    .refine((p) => p.nodeCount === undefined || p.autoscaling === undefined, "set nodeCount or autoscaling, not both");

/** Model and adapter names: what clients send as `model`. */
const servedName = z
    .string()
    .min(1)
    .max(256)
    .regex(/^[A-Za-z0-9][A-Za-z0-9._:/-]*$/, "must start with a letter or digit and contain only letters, digits and . _ : / -");

/** vLLM's accepted `--max-lora-rank` values. */
export const LORA_RANKS = [1, 8, 16, 32, 64, 128, 256, 320, 512] as const;

const adapterSchema = z.strictObject({
    name: servedName,
    source: z
        .string()
        .regex(
            /^([A-Za-z0-9][\w.-]*\/[\w.-]+|\/[\w./-]+)$/,
            "must be a Hugging Face repository such as org/adapter or an absolute path in the pod",
        ),
    retired: z.boolean().default(false),
});

/** The schema of {@link LoraConfig}. */
export const loraSchema = z
    .strictObject({
        maxLoras: z.number().int().min(1).max(64).default(2),
        maxLoraRank: z
            .number()
            .refine((rank) => (LORA_RANKS as readonly number[]).includes(rank), `must be one of ${LORA_RANKS.join(", ")}`)
            .default(16),
        maxCpuLoras: z.number().int().min(1).max(1024).optional(),
    })
    .refine((l) => l.maxCpuLoras === undefined || l.maxCpuLoras >= l.maxLoras, "maxCpuLoras must be at least maxLoras");

const weightCacheSchema = z.strictObject({
    type: z.enum(WeightCacheType).default("volume"),
    storageClassName: dnsLabel(63).optional(),
    sizeGb: z.number().int().min(10).max(65536).optional(),
    accessMode: z.enum(CacheAccessMode).optional(),
    bucket: z
        .string()
        .regex(/^[a-z0-9][a-z0-9._-]{1,61}[a-z0-9]$/, "must be a Cloud Storage bucket name (no gs://)")
        .optional(),
    path: z
        .string()
        .regex(/^[\w.-]+(\/[\w.-]+)*$/, "must be a folder in the bucket such as meta-llama/Llama-3.1-8B-Instruct, without leading or trailing /")
        .optional(),
});

const modelSchema = z.strictObject({
    name: servedName,
    huggingFaceId: z
        .string()
        .regex(/^[A-Za-z0-9][\w.-]*\/[\w.-]+$/, "must be a Hugging Face model ID such as meta-llama/Llama-3.1-8B-Instruct")
        .optional(),
    key: dnsLabel(MAX_MODEL_KEY_LENGTH).optional(),
    gpu: z
        .strictObject({
            type: z.enum(ACCELERATOR_TYPES).default("nvidia-l4"),
            count: z.number().int().min(1).max(16).default(1),
        })
        .default({ type: "nvidia-l4", count: 1 }),
    // Defaulted in the plan: it must be possible to tell a replicas given next to autoscaling.
    replicas: z.number().int().min(1).max(1000).optional(),
    autoscaling: z
        .strictObject({
            minReplicas: z.number().int().min(1).max(1000).default(1),
            maxReplicas: z.number().int().min(1).max(1000),
            metric: z.enum(AutoscalingMetric).default("queueDepth"),
            target: z.number().positive().max(1000).optional(),
            scaleDownStabilizationSeconds: z.number().int().min(0).max(3600).default(600),
        })
        .refine((a) => a.minReplicas <= a.maxReplicas, "minReplicas must not exceed maxReplicas")
        .refine((a) => a.metric !== "kvCache" || a.target === undefined || a.target <= 1, {
            message: "target for metric kvCache is a fraction of the KV cache: more than 0, at most 1",
            path: ["target"],
        })
        .optional(),
    vllmArgs: z.array(z.string().min(1)).default([]),
    parameters: z.number().positive().max(10000).optional(),
    precision: z.enum(Precision).default("bfloat16"),
    kvCacheReserveGb: z.number().min(0).max(1000).default(2),
    readyTimeoutMinutes: z.number().int().min(5).max(24 * 60).default(DEFAULT_READY_TIMEOUT_MINUTES),
    adapters: z.array(adapterSchema).default([]),
    lora: loraSchema.optional(),
    weightCache: weightCacheSchema.default({ type: "volume" }),
});

/** The schema of {@link ServingConfig}; parsing fills in every default. */
export const servingConfigSchema = z.strictObject({
    cluster: z.strictObject({
        project: z
            .string()
            .regex(/^[a-z][-a-z0-9]{4,28}[a-z0-9]$/, "must be a Google Cloud project ID (6-30 lower-case letters, digits, '-')"),
        location: z.string().regex(/^[a-z]+-[a-z]+\d(-[a-z])?$/, "must be a region or zone such as us-central1"),
        name: dnsLabel(40),
        create: clusterCreateSchema.optional(),
    }),
    namespace: dnsLabel(63).default("default"),
    provider: z
        .strictObject({
            name: z.enum(GATEWAY_PROVIDER_NAMES).default("gke"),
            gatewayClassName: dnsLabel(253).optional(),
        })
        .default({ name: "gke" }),
    istio: z
        .strictObject({
            install: z.boolean().default(false),
            version: istioVersionSchema.default(DEFAULT_ISTIO_VERSION),
        })
        .default({ install: false, version: DEFAULT_ISTIO_VERSION }),
    gatewayName: dnsLabel(63).default("inference-gateway"),
    gateway: z
        .strictObject({
            internal: z.boolean().default(false),
            hostname: z
                .string()
                .max(253)
                .regex(/^(\*\.)?([a-z0-9]([-a-z0-9]*[a-z0-9])?\.)+[a-z]{2,63}$/, "must be a lower-case DNS name such as llm.example.com")
                .optional(),
            tlsSecretName: dnsLabel(253).optional(),
        })
        .refine((g) => g.tlsSecretName === undefined || g.hostname !== undefined, {
            message: "tlsSecretName needs hostname: the certificate is for a hostname",
            path: ["tlsSecretName"],
        })
        .default({ internal: false }),
    networkPolicy: z
        .strictObject({
            enabled: z.boolean().default(true),
            gatewaySourceRanges: z.array(cidrSchema("10.129.0.0/23")).min(1).optional(),
        })
        .default({ enabled: true }),
    nodeServiceAccountEmail: z
        .string()
        .regex(/^[a-z][-a-z0-9]{4,28}[a-z0-9]@[-a-z0-9.]+\.iam\.gserviceaccount\.com$/, "must be a service account email such as gpu-nodes@my-project.iam.gserviceaccount.com")
        .optional(),
    installInferenceCrds: z.boolean().default(true),
    vllmImage: z
        .string()
        .regex(/^[\w./-]+(:[\w.-]+|@sha256:[a-f0-9]{64})$/, "must be an image with a tag or digest")
        .refine((image) => !image.endsWith(":latest"), "must be pinned to a version, not latest")
        .default(DEFAULT_VLLM_IMAGE),
    charts: z
        .strictObject({
            inferencePool: chartSchema.default({ version: DEFAULT_INFERENCE_EXTENSION_VERSION }),
            bodyBasedRouting: chartSchema.default({ version: DEFAULT_INFERENCE_EXTENSION_VERSION }),
        })
        .default({
            inferencePool: { version: DEFAULT_INFERENCE_EXTENSION_VERSION },
            bodyBasedRouting: { version: DEFAULT_INFERENCE_EXTENSION_VERSION },
        }),
    nodePools: z.partialRecord(z.enum(ACCELERATOR_TYPES), nodePoolSchema).default({}),
    models: z.array(modelSchema).min(1, "must list at least one model"),
    monitoring: z
        .strictObject({
            installMetricsAdapter: z.boolean().default(false),
            scrapeInterval: z
                .string()
                .regex(/^[1-9]\d*(s|m)$/, "must be a Prometheus duration in seconds or minutes, e.g. 15s or 1m")
                .default("15s"),
        })
        .default({ installMetricsAdapter: false, scrapeInterval: "15s" }),
}) satisfies z.ZodType<unknown, ServingConfig>; // keeps the documented interfaces and the schema in step

/** {@link ServingConfig} with every default filled in. */
export type ParsedServingConfig = z.output<typeof servingConfigSchema>;
/** One model with its defaults. */
export type ParsedModelConfig = ParsedServingConfig["models"][number];
/** One node pool's settings with their defaults. */
export type ParsedNodePoolConfig = z.output<typeof nodePoolSchema>;
