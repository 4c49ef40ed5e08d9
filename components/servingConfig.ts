/**
 * What a deployment serves, as plain data: the shape of the stack config and of the top-level
 * component's args. The zod schema below enforces it (strict: unknown keys are errors, so typos
 * are caught) and fills in the defaults, which reproduce the upstream "serve multiple generative
 * AI models" guide.
 */
import { z } from "zod";
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

/** The existing GKE cluster the deployment goes into. */
export interface ClusterConfig {
    /** Google Cloud project ID that owns the cluster. */
    project: string;
    /** The cluster's region or zone, e.g. `us-central1`. */
    location: string;
    /** The cluster's name. */
    name: string;
}

/** The GPUs each replica of a model needs. */
export interface ModelGpuConfig {
    /** GKE accelerator type, e.g. `nvidia-l4`. Default `nvidia-l4`. */
    type?: AcceleratorType;
    /** GPUs per replica, all on one node; vLLM's tensor-parallel size. Default 1. */
    count?: number;
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
    /** Number of vLLM pods. Default 1. */
    replicas?: number;
    /** Extra arguments for `vllm serve`, e.g. `--max-model-len=8192`. */
    vllmArgs?: string[];
    /** Parameter count in billions, for the memory estimate of models not in the known-model
     * table. */
    parameters?: number;
    /** Precision of the weights as loaded, for the memory estimate. Default `bfloat16`. */
    precision?: Precision;
    /** GPU memory in GB kept free for the KV cache and activations. Default 2. */
    kvCacheReserveGb?: number;
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

/** Everything a deployment serves. */
export interface ServingConfig {
    /** The existing GKE cluster. */
    cluster: ClusterConfig;
    /** Namespace of the Gateway, BBR, pools and model servers. Default `default`. */
    namespace?: string;
    /** Gateway provider. */
    provider?: ProviderConfig;
    /** Name of the Gateway. Default `inference-gateway`. */
    gatewayName?: string;
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
}

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
    })
    .refine((p) => p.nodeCount === undefined || p.autoscaling === undefined, "set nodeCount or autoscaling, not both");

const modelSchema = z.strictObject({
    name: z
        .string()
        .min(1)
        .max(256)
        .regex(/^[A-Za-z0-9][A-Za-z0-9._:/-]*$/, "must start with a letter or digit and contain only letters, digits and . _ : / -"),
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
    replicas: z.number().int().min(1).max(1000).default(1),
    vllmArgs: z.array(z.string().min(1)).default([]),
    parameters: z.number().positive().max(10000).optional(),
    precision: z.enum(Precision).default("bfloat16"),
    kvCacheReserveGb: z.number().min(0).max(1000).default(2),
});

/** The schema of {@link ServingConfig}; parsing fills in every default. */
export const servingConfigSchema = z.strictObject({
    cluster: z.strictObject({
        project: z
            .string()
            .regex(/^[a-z][-a-z0-9]{4,28}[a-z0-9]$/, "must be a Google Cloud project ID (6-30 lower-case letters, digits, '-')"),
        location: z.string().regex(/^[a-z]+-[a-z]+\d(-[a-z])?$/, "must be a region or zone such as us-central1"),
        name: dnsLabel(40),
    }),
    namespace: dnsLabel(63).default("default"),
    provider: z
        .strictObject({
            name: z.enum(GATEWAY_PROVIDER_NAMES).default("gke"),
            gatewayClassName: dnsLabel(253).optional(),
        })
        .default({ name: "gke" }),
    gatewayName: dnsLabel(63).default("inference-gateway"),
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
}) satisfies z.ZodType<unknown, ServingConfig>; // keeps the documented interfaces and the schema in step

/** {@link ServingConfig} with every default filled in. */
export type ParsedServingConfig = z.output<typeof servingConfigSchema>;
/** One model with its defaults. */
export type ParsedModelConfig = ParsedServingConfig["models"][number];
/** One node pool's settings with their defaults. */
export type ParsedNodePoolConfig = z.output<typeof nodePoolSchema>;
