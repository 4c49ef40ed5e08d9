/**
 * The zod schema of the stack config ({@link ServingConfig}): strict, so unknown keys are errors,
 * and it fills in every default.
 */
import { z } from "zod";
import { ACCELERATOR_TYPES } from "../catalogs/gpuCatalog";
import { GATEWAY_PROVIDER_NAMES } from "../catalogs/gatewayProviders";
import { METRICS_COLLECTOR_NAMES } from "../catalogs/metricsCollectors";
import { HUGGING_FACE_ID_RULE, isHuggingFaceModelId } from "../catalogs/huggingFaceIds";
import { MAX_MODEL_KEY_LENGTH } from "../names";
import { versionAtLeast } from "../catalogs/versions";
import { canonicalCidr, parseCidr } from "./cidr";
import { AutoscalingMetric, CacheAccessMode, DEFAULT_READY_TIMEOUT_MINUTES, Precision, WeightCacheType } from "./modelConfig";
import {
    DEFAULT_INFERENCE_EXTENSION_VERSION,
    DEFAULT_ISTIO_VERSION,
    GpuDriverVersion,
    MIN_ISTIO_VERSION,
    ReleaseChannel,
    ServingConfig,
} from "./servingConfig";
import {
    MAX_NODES_PER_POOL_ZONE,
    bucketNameProblem,
    dnsSubdomainProblem,
    hostnameProblem,
    imageProblem,
    isSystemNamespace,
    nodeLabelProblem,
} from "./valueRules";

const DNS_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
const dnsLabel = (max: number) =>
    z
        .string()
        .max(max, `must be at most ${max} characters`)
        .regex(DNS_LABEL, "must be a DNS label: lower-case letters, digits and '-', starting and ending alphanumeric");

/** A string checked by one of valueRules' rules, whose answer is the message. */
const ruled = (problem: (value: string) => string | undefined) =>
    z.string().superRefine((value, ctx) => {
        const message = problem(value);
        if (message !== undefined) ctx.addIssue({ code: "custom", message });
    });

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
    // Derived in the plan from what the pool must hold when unset.
    systemMachineType: z
        .string()
        .regex(/^[a-z0-9]+-[a-z0-9-]+$/, "must be a machine type such as e2-standard-4")
        .optional(),
    systemNodeCount: z.number().int().min(1).max(100).optional(),
});

const istioVersionSchema = z
    .string()
    .regex(/^\d+\.\d+\.\d+$/, `must be an Istio version such as ${DEFAULT_ISTIO_VERSION} (no 'v')`)
    .refine((version) => {
        const match = /^(\d+)\.(\d+)\.(\d+)$/.exec(version);
        if (match === null) return true; // reported by the pattern above
        return versionAtLeast(match.slice(1).map(Number), [MIN_ISTIO_VERSION.major, MIN_ISTIO_VERSION.minor, MIN_ISTIO_VERSION.patch]);
    }, `must be ${MIN_ISTIO_VERSION.major}.${MIN_ISTIO_VERSION.minor}.${MIN_ISTIO_VERSION.patch} or later: before 1.28 Istio serves no v1 InferencePools, and 1.28.0 to 1.28.4 give only the first of several HTTPRoutes on a Gateway its Endpoint Picker, so every other model would be balanced without one (istio/istio#58392, fixed in 1.28.5 and 1.29.0)`);

const GKE_CLUSTER_KEYS = ["project", "location", "name"] as const;

/** A GKE cluster (`project`, `location`, `name`, maybe `create`) or any cluster by `kubeconfig`:
 * one object, so that an unknown key is reported as such, with the two forms kept apart here. */
const clusterSchema = z
    .strictObject({
        project: z
            .string()
            .regex(/^[a-z][-a-z0-9]{4,28}[a-z0-9]$/, "must be a Google Cloud project ID (6-30 lower-case letters, digits, '-')")
            .optional(),
        location: z
            .string()
            .regex(/^[a-z]+-[a-z]+\d(-[a-z])?$/, "must be a region or zone such as us-central1")
            .optional(),
        name: dnsLabel(40).optional(),
        create: clusterCreateSchema.optional(),
        kubeconfig: z.string().min(1, "must be the path of a kubeconfig file").optional(),
        context: z.string().min(1).optional(),
    })
    .superRefine((cluster, ctx) => {
        if (cluster.kubeconfig !== undefined) {
            for (const key of [...GKE_CLUSTER_KEYS, "create"] as const) {
                if (cluster[key] !== undefined) {
                    ctx.addIssue({
                        code: "custom",
                        path: [key],
                        message: "names a GKE cluster; not with cluster.kubeconfig, which names any other Kubernetes cluster",
                    });
                }
            }
            return;
        }
        for (const key of GKE_CLUSTER_KEYS.filter((k) => cluster[k] === undefined)) {
            ctx.addIssue({
                code: "custom",
                path: [key],
                message: "is required for a GKE cluster (project, location and name), or set cluster.kubeconfig for any other Kubernetes cluster",
            });
        }
        if (cluster.context !== undefined) {
            ctx.addIssue({ code: "custom", path: ["context"], message: "is a kubeconfig's context: only with cluster.kubeconfig" });
        }
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
        nodeCount: z.number().int().min(1).max(MAX_NODES_PER_POOL_ZONE).optional(),
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
        labels: z
            .record(z.string(), z.string())
            .superRefine((labels, ctx) => {
                for (const [key, value] of Object.entries(labels)) {
                    const problem = nodeLabelProblem(key, value);
                    if (problem !== undefined) ctx.addIssue({ code: "custom", path: [key], message: problem });
                }
            })
            .default({}),
        protect: z.boolean().default(false),
        imageStreaming: z.boolean().default(true),
        nodeSelector: z
            .record(z.string(), z.string())
            .superRefine((labels, ctx) => {
                for (const [key, value] of Object.entries(labels)) {
                    const problem = nodeLabelProblem(key, value, { reservedPrefixes: false });
                    if (problem !== undefined) ctx.addIssue({ code: "custom", path: [key], message: problem });
                }
            })
            .refine((labels) => Object.keys(labels).length > 0, "must name at least one label")
            .optional(),
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
    // The adapter's folder under the fetcher's directory, where vLLM's resolver looks for it
    // (os.path.join(cache_dir, lora_name)): a . or .. part would leave it or never be found.
    name: servedName.refine(
        (name) => !name.split("/").some((part) => part === "." || part === ".."),
        "must have no . or .. parts: it names the adapter's folder, which vLLM looks up by name",
    ),
    source: z
        .string()
        .regex(/^([A-Za-z0-9][\w.-]*\/[\w.-]+|\/[\w./-]+)$/, "must be a Hugging Face repository such as org/adapter or an absolute path in the pod"),
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
    bucket: ruled(bucketNameProblem).optional(),
    path: z
        .string()
        .regex(/^[\w.-]+(\/[\w.-]+)*$/, "must be a folder in the bucket such as meta-llama/Llama-3.1-8B-Instruct, without leading or trailing /")
        .refine((path) => !path.split("/").some((part) => part === "." || part === ".."), "must not have . or .. parts: it names a folder inside the bucket")
        .optional(),
});

const modelSchema = z.strictObject({
    name: servedName,
    huggingFaceId: z.string().refine(isHuggingFaceModelId, `must be ${HUGGING_FACE_ID_RULE}`).optional(),
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
            // The HorizontalPodAutoscaler reads its target as a quantity in thousandths: less rounds to 0.
            target: z
                .number()
                .min(0.001, "must be at least 0.001: the autoscaler's target is a quantity in thousandths, and less rounds to 0")
                .max(1000)
                .optional(),
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
    contextLength: z.number().int().min(16).max(10_000_000).optional(),
    architecture: z
        .strictObject({
            layers: z.number().int().min(1).max(1000),
            kvHeads: z.number().int().min(1).max(1024),
            headDim: z.number().int().min(1).max(4096),
            slidingWindowLayers: z.number().int().min(0).max(1000).default(0),
            slidingWindow: z.number().int().min(1).optional(),
        })
        .refine((a) => a.slidingWindowLayers <= a.layers, { message: "slidingWindowLayers must not exceed layers", path: ["slidingWindowLayers"] })
        .refine((a) => a.slidingWindowLayers === 0 || a.slidingWindow !== undefined, {
            message: "is required with slidingWindowLayers",
            path: ["slidingWindow"],
        })
        .optional(),
    kvCacheBytesPerToken: z.number().int().positive().optional(),
    readyTimeoutMinutes: z
        .number()
        .int()
        .min(5)
        .max(24 * 60)
        .default(DEFAULT_READY_TIMEOUT_MINUTES),
    adapters: z.array(adapterSchema).default([]),
    lora: loraSchema.optional(),
    weightCache: weightCacheSchema.default({ type: "volume" }),
});

/** The schema of {@link ServingConfig}; parsing fills in every default. */
export const servingConfigSchema = z.strictObject({
    cluster: clusterSchema,
    namespace: dnsLabel(63)
        .refine(
            (namespace) => !isSystemNamespace(namespace),
            "is a system namespace (kube-*, istio-system, gmp-system, gmp-public, gke-gmp-system, gke-managed-*): serve the models from a namespace of their own",
        )
        .default("default"),
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
            hostname: ruled(hostnameProblem).optional(),
            tlsSecretName: ruled(dnsSubdomainProblem).optional(),
        })
        .refine((g) => g.tlsSecretName === undefined || g.hostname !== undefined, {
            message: "tlsSecretName needs hostname: the certificate is for a hostname",
            path: ["tlsSecretName"],
        })
        .default({ internal: false }),
    apiKeys: z
        .strictObject({ required: z.boolean().optional() })
        .refine((a) => a.required !== undefined, {
            message: "must say whether keys are required: {required: false} to serve without keys (the keys themselves are a secret)",
            path: ["required"],
        })
        .optional(),
    networkPolicy: z
        .strictObject({
            enabled: z.boolean().default(true),
            // The proxies' ranges are subnets (proxy-only subnet, health checkers): a VPC subnet is at
            // most a /8, so a wider range cannot be theirs and only opens the model servers wider.
            gatewaySourceRanges: z
                .array(
                    cidrSchema("10.129.0.0/23").refine(
                        (cidr) => (parseCidr(cidr)?.prefix ?? 8) >= 8,
                        "must be a /8 or narrower: it admits traffic to the model servers, and a wider range (0.0.0.0/0 is the whole internet) cannot be the gateway's proxies",
                    ),
                )
                .min(1)
                .optional(),
        })
        .default({ enabled: true }),
    nodeServiceAccountEmail: z
        .string()
        .regex(
            /^[a-z][-a-z0-9]{4,28}[a-z0-9]@[-a-z0-9.]+\.iam\.gserviceaccount\.com$/,
            "must be a service account email such as gpu-nodes@my-project.iam.gserviceaccount.com",
        )
        .optional(),
    installInferenceCrds: z.boolean().optional(),
    vllmImage: ruled(imageProblem).optional(),
    charts: z
        .strictObject({
            source: z
                .strictObject({
                    registry: z
                        .string()
                        .regex(/^oci:\/\/[a-z0-9.-]+(:\d+)?(\/[a-z0-9._-]+)*$/, "must be an OCI repository such as oci://registry.example.com/charts")
                        .optional(),
                    directory: z.string().regex(/^\//, "must be an absolute path").optional(),
                })
                .refine((s) => s.registry === undefined || s.directory === undefined, "set registry or directory, not both")
                .optional(),
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
            collector: z.enum(METRICS_COLLECTOR_NAMES).optional(),
            collectorNamespaces: z.array(dnsLabel(63)).min(1).optional(),
        })
        .default({ installMetricsAdapter: false, scrapeInterval: "15s" }),
}) satisfies z.ZodType<unknown, ServingConfig>; // keeps the documented interfaces and the schema in step

/** {@link ServingConfig} with every default filled in. */
export type ParsedServingConfig = z.output<typeof servingConfigSchema>;
/** One model with its defaults. */
export type ParsedModelConfig = ParsedServingConfig["models"][number];
/** One node pool's settings with their defaults. */
export type ParsedNodePoolConfig = z.output<typeof nodePoolSchema>;
