/**
 * Turns a {@link ServingConfig} into a plan: every name, label, node pool, chart value and cost
 * the components need, resolved and checked before any resource is registered. The checks catch
 * what would otherwise surface twenty minutes into `pulumi up`: a model too large for its GPUs,
 * a machine type that cannot carry the accelerator, more replicas than the pool holds, names that
 * collide, a chart value Helm would ignore. All problems are reported together.
 */
import { INFERENCE_CHARTS, bodyBasedRoutingValues, chartValues, inferencePoolValues } from "./chartValues";
import { planFromZero } from "./clusterPlan";
import { ConfigError, ConfigProblem, parseOrThrow } from "./configErrors";
import { GATEWAY_PROVIDERS, GatewayProviderProfile } from "./gatewayProviders";
import type { GkeClusterArgs } from "./gkeCluster";
import type { IstioInstallationArgs } from "./istioInstallation";
import {
    ACCELERATOR_TYPES,
    AcceleratorType,
    GPU_CATALOG,
    GpuMachineType,
    HOURS_PER_MONTH,
    gpuCatalogEntry,
    smallestMachineType,
} from "./gpuCatalog";
import { KNOWN_MODEL_PARAMETERS } from "./knownModels";
import { PlannedAdapter, PlannedLora, checkAdapterNames, planLora } from "./loraPlan";
import { PlannedWeightCache, planWeightCache } from "./weightCachePlan";
import { ModelObjectNames, deriveModelKey, modelObjectNames, nodePoolName, nodeServiceAccountId } from "./names";
import {
    AutoscalingMetric,
    BYTES_PER_PARAMETER,
    DEFAULT_AUTOSCALING_TARGETS,
    ChartValues,
    ClusterConfig,
    GpuDriverVersion,
    NodeAutoscalingConfig,
    ParsedModelConfig,
    ParsedNodePoolConfig,
    ParsedServingConfig,
    Precision,
    ServingConfig,
    nodePoolSchema,
    servingConfigSchema,
} from "./servingConfig";

/** The label Gateway API implementations that deploy proxies put on them, with the Gateway's
 * name (Istio among them). */
export const GATEWAY_NAME_LABEL = "gateway.networking.k8s.io/gateway-name";

/** The port vLLM serves on; the pool's target port and the probes use the same constant. */
export const VLLM_PORT = 8000;

/** vLLM's default `--gpu-memory-utilization`: the share of GPU memory it may use. */
export const GPU_MEMORY_UTILIZATION = 0.9;

/** Flags the program sets itself; config setting them too would contradict the plan. */
const RESERVED_VLLM_FLAGS: Record<string, string> = {
    "--model": "set models[].huggingFaceId",
    "--served-model-name": "set models[].name",
    "--port": `vLLM must listen on ${VLLM_PORT}, the pool's target port`,
    "--tensor-parallel-size": "set models[].gpu.count",
    "-tp": "set models[].gpu.count",
    "--host": "the server must listen on all addresses",
    "--enable-lora": "set models[].adapters or models[].lora",
    "--max-loras": "set models[].lora.maxLoras",
    "--max-lora-rank": "set models[].lora.maxLoraRank",
    "--max-cpu-loras": "set models[].lora.maxCpuLoras",
    "--lora-modules": "list adapters under models[].adapters; they are loaded at runtime",
};

/** The estimated GPU memory of one model replica. */
export interface MemoryEstimate {
    /** Parameter count in billions. */
    parametersBillions: number;
    /** Weights in GB: parameters × bytes per parameter. */
    weightsGb: number;
    /** Weights plus the KV-cache reserve. */
    requiredGb: number;
    /** What vLLM may use on the replica's GPUs: memory × count × utilisation. */
    usableGb: number;
}

/** One model, resolved. */
export interface PlannedModel {
    /** Client-facing name. */
    name: string;
    /** Hugging Face model ID. */
    huggingFaceId: string;
    /** Stable key for names and URNs. */
    key: string;
    /** Names of the model's Kubernetes objects. */
    names: ModelObjectNames;
    /** Accelerator type and GPUs per replica. */
    gpu: PlannedGpu;
    /** vLLM pods; with autoscaling, the count it starts with (`minReplicas`). */
    replicas: number;
    /** How the model scales, when it does; its HorizontalPodAutoscaler then owns the count. */
    autoscaling?: PlannedAutoscaling;
    /** Extra `vllm serve` arguments from config. */
    vllmArgs: string[];
    /** Weight precision. */
    precision: Precision;
    /** Labels on the model's pods; `matchLabels` is the part its pool selects. */
    podLabels: Record<string, string>;
    /** The labels the model's InferencePool selects; no other model's pods carry them. */
    matchLabels: Record<string, string>;
    /** Name of the node pool its pods run on. */
    nodePool: string;
    /** GPU memory estimate. */
    memory: MemoryEstimate;
    /** Values of the model's inferencepool release. */
    poolValues: ChartValues;
    /** Minutes `pulumi up` waits for its pods, and their startup-probe allowance. */
    readyTimeoutMinutes: number;
    /** True when its pool has room for one replica more than all it runs, so a rollout can
     * start a new pod before stopping an old one; otherwise pods are replaced one at a time. */
    canSurge: boolean;
    /** LoRA adapters, retired ones included. */
    adapters: PlannedAdapter[];
    /** vLLM's LoRA limits; undefined when LoRA is off. */
    lora?: PlannedLora;
    /** Where the pods keep the weights. */
    weightCache: PlannedWeightCache;
}

/** One model's autoscaling, resolved. */
export interface PlannedAutoscaling {
    /** Fewest pods. */
    minReplicas: number;
    /** Most pods; the node pool holds them. */
    maxReplicas: number;
    /** The per-pod signal. */
    metric: AutoscalingMetric;
    /** Per-pod average the autoscaler keeps the metric at. */
    target: number;
    /** Seconds the metric must stay low before pods are removed. */
    scaleDownStabilizationSeconds: number;
}

/** The GPUs of one model replica, resolved. */
export interface PlannedGpu {
    /** Accelerator type. */
    type: AcceleratorType;
    /** GPUs per replica, all on one node. */
    count: number;
}

/** Hourly and monthly USD cost of a number of nodes. */
export interface CostEstimate {
    /** Nodes counted. */
    nodes: number;
    /** GPUs counted. */
    gpus: number;
    /** On-demand USD per hour. */
    onDemandHourly: number;
    /** On-demand USD per month. */
    onDemandMonthly: number;
    /** Spot USD per hour. */
    spotHourly: number;
    /** Spot USD per month. */
    spotMonthly: number;
}

/** The settings of one GPU node pool, resolved: what the GKE node pool is made from. */
export interface NodePoolSpec {
    /** Stable key of the pool (`gpu-<accelerator>`), for its Pulumi name; the GKE name adds a
     * hash of the settings that replace the pool (see `gpuNodePool.ts`). */
    key: string;
    /** Accelerator type. */
    accelerator: AcceleratorType;
    /** Machine type. */
    machineType: string;
    /** GPUs on each node. */
    gpusPerNode: number;
    /** Zones of the nodes; empty means the cluster's own zone. */
    zones: string[];
    /** Fixed node count per zone, when not autoscaling. */
    nodeCountPerZone?: number;
    /** Autoscaling range across zones. */
    autoscaling?: NodeAutoscalingConfig;
    /** Spot VMs. */
    spot: boolean;
    /** GPU driver version GKE installs. */
    driverVersion: GpuDriverVersion;
    /** Boot disk size in GB. */
    diskSizeGb: number;
    /** Extra node labels. */
    labels: Record<string, string>;
    /** Protected from deletion and replacement. */
    protect: boolean;
    /** Email of the nodes' Google service account. */
    serviceAccountEmail: string;
    /** GKE image streaming. */
    imageStreaming: boolean;
}

/** One GPU node pool, resolved, with its size and cost. */
export interface PlannedNodePool extends NodePoolSpec {
    /** Nodes needed to run every replica scheduled on the pool. */
    nodesNeeded: number;
    /** Cost at the smallest and largest size of the pool. */
    cost: CostRange;
}

/** Cost at the smallest and largest size. */
export interface CostRange {
    /** At the smallest size. */
    min: CostEstimate;
    /** At the largest size. */
    max: CostEstimate;
}

/** A chart release's reference. */
export interface PlannedChart {
    /** OCI chart reference. */
    chart: string;
    /** Chart version. */
    version: string;
}

/** How the Gateway is exposed. */
export interface PlannedGateway {
    /** The Gateway's name. */
    name: string;
    /** The Gateway's class. */
    className: string;
    /** Annotations the provider reads (an internal load balancer, for example). */
    annotations: Record<string, string>;
    /** The hostname the listener accepts, if restricted. */
    hostname?: string;
    /** The TLS Secret of an HTTPS listener; an HTTP listener when undefined. */
    tlsSecretName?: string;
}

/** Who may reach the model servers' port besides each model's own Endpoint Picker. */
export interface PlannedNetworkPolicy {
    /** CIDR ranges of the gateway's proxies and health checks outside the cluster. */
    sourceRanges: string[];
    /** Labels of the gateway's proxy pods in the namespace, when the provider runs them. */
    gatewayPodLabels?: Record<string, string>;
}

/** The GPU nodes' Google service account. */
export interface PlannedNodeServiceAccount {
    /** Its email. */
    email: string;
    /** The account ID to create, or undefined when config names an existing account. */
    createAccountId?: string;
}

/** A chart release's reference and its checked values. */
export interface PlannedChartRelease extends PlannedChart {
    /** Values of the release. */
    values: ChartValues;
}

/** Everything the components need, resolved and checked. */
export interface ServingPlan {
    /** The existing cluster. */
    cluster: ClusterConfig;
    /** Namespace of everything namespaced. */
    namespace: string;
    /** The gateway provider's profile. */
    provider: GatewayProviderProfile;
    /** The Gateway's class. */
    gatewayClassName: string;
    /** The Gateway's name. */
    gatewayName: string;
    /** How the Gateway is exposed. */
    gateway: PlannedGateway;
    /** The model servers' NetworkPolicies, or undefined when disabled. */
    networkPolicy?: PlannedNetworkPolicy;
    /** The GPU nodes' service account. */
    nodeServiceAccount: PlannedNodeServiceAccount;
    /** Whether to apply the InferencePool CRDs. */
    installInferenceCrds: boolean;
    /** vLLM image. */
    vllmImage: string;
    /** The inferencepool chart. */
    inferencePoolChart: PlannedChart;
    /** The body-based-routing chart, with its values. */
    bodyBasedRoutingChart: PlannedChartRelease;
    /** Node pools, one per accelerator type in use. */
    nodePools: PlannedNodePool[];
    /** Models, in config order. */
    models: PlannedModel[];
    /** Metrics collection and the autoscaling backend. */
    monitoring: ParsedServingConfig["monitoring"];
    /** Cost of all node pools at their smallest and largest size. */
    cost: CostRange;
    /** The cluster to create, when `cluster.create` is set. */
    createCluster?: GkeClusterArgs;
    /** The Istio installation, when `istio.install` is set. */
    istio?: IstioInstallationArgs;
}

const round2 = (n: number) => Math.round(n * 100) / 100;

/** The cost of `nodes` nodes of `gpusPerNode` GPUs of `accelerator`, from the catalog. */
export function costOf(accelerator: AcceleratorType, gpusPerNode: number, nodes: number): CostEstimate {
    const entry = gpuCatalogEntry(accelerator);
    const gpus = nodes * gpusPerNode;
    const onDemandHourly = gpus * entry.onDemandUsdPerGpuHour;
    const spotHourly = gpus * entry.spotUsdPerGpuHour;
    return {
        nodes,
        gpus,
        onDemandHourly: round2(onDemandHourly),
        onDemandMonthly: round2(onDemandHourly * HOURS_PER_MONTH),
        spotHourly: round2(spotHourly),
        spotMonthly: round2(spotHourly * HOURS_PER_MONTH),
    };
}

function addCosts(costs: CostEstimate[]): CostEstimate {
    const sum = (f: (c: CostEstimate) => number) => round2(costs.reduce((total, c) => total + f(c), 0));
    return {
        nodes: sum((c) => c.nodes),
        gpus: sum((c) => c.gpus),
        onDemandHourly: sum((c) => c.onDemandHourly),
        onDemandMonthly: sum((c) => c.onDemandMonthly),
        spotHourly: sum((c) => c.spotHourly),
        spotMonthly: sum((c) => c.spotMonthly),
    };
}

/** Nodes of `gpusPerNode` GPUs needed to place pods needing `podGpus` GPUs each, first-fit
 * decreasing (a pod's GPUs must all be on one node). */
export function nodesNeeded(podGpus: number[], gpusPerNode: number): number {
    const free: number[] = [];
    for (const gpus of [...podGpus].sort((a, b) => b - a)) {
        const node = free.findIndex((f) => f >= gpus);
        if (node === -1) free.push(gpusPerNode - gpus);
        else free[node] -= gpus;
    }
    return free.length;
}

/** Estimates the GPU memory one replica needs and has. */
export function estimateMemory(
    parametersBillions: number,
    precision: Precision,
    kvCacheReserveGb: number,
    accelerator: AcceleratorType,
    gpuCount: number,
): MemoryEstimate {
    const weightsGb = parametersBillions * BYTES_PER_PARAMETER[precision];
    return {
        parametersBillions,
        weightsGb: round2(weightsGb),
        requiredGb: round2(weightsGb + kvCacheReserveGb),
        usableGb: round2(gpuCatalogEntry(accelerator).memoryGb * gpuCount * GPU_MEMORY_UTILIZATION),
    };
}

/** The cheapest accelerator and GPU count (1, 2, 4 or 8 on one node) whose memory holds
 * `requiredGb`, as a sentence for an error message. */
export function proposeFittingGpus(requiredGb: number, current: AcceleratorType): string {
    const options: { type: AcceleratorType; count: number; hourly: number }[] = [];
    for (const type of ACCELERATOR_TYPES) {
        const entry = gpuCatalogEntry(type);
        const maxPerNode = Math.max(...entry.machineTypes.map((m) => m.gpus));
        const count = [1, 2, 4, 8].find(
            (n) => n <= maxPerNode && entry.memoryGb * n * GPU_MEMORY_UTILIZATION >= requiredGb,
        );
        if (count !== undefined) options.push({ type, count, hourly: count * entry.onDemandUsdPerGpuHour });
    }
    if (options.length === 0) {
        return "no accelerator in the catalog holds it on one node: use a lower precision (precision: fp8 or int4) or a smaller model";
    }
    options.sort((a, b) => a.hourly - b.hourly);
    const describe = (o: { type: AcceleratorType; count: number; hourly: number }) =>
        `gpu: {type: ${o.type}, count: ${o.count}} (${round2(o.hourly)} USD/h on demand)`;
    const sameType = options.find((o) => o.type === current);
    const cheapest = options[0];
    return sameType === undefined || sameType === cheapest
        ? `the cheapest fitting choice is ${describe(cheapest)}`
        : `use ${describe(sameType)}, or the cheapest fitting choice ${describe(cheapest)}`;
}

function checkReplicas(model: ParsedModelConfig, index: number): ConfigProblem[] {
    if (model.replicas === undefined || model.autoscaling === undefined) return [];
    return [
        {
            path: `models[${index}].replicas`,
            message:
                `got ${model.replicas}; with autoscaling the HorizontalPodAutoscaler owns the pod count: remove replicas ` +
                `and set autoscaling.minReplicas (the count the model starts with) instead`,
        },
    ];
}

/** The inferencepool chart's own GKE monitoring would scrape every EPP a second time. */
function checkChartMonitoring(chart: ParsedServingConfig["charts"]["inferencePool"]): ConfigProblem[] {
    return (["values", "rawValues"] as const).flatMap((key) => {
        const extension = chart[key]?.["inferenceExtension"] as { monitoring?: { gke?: { enabled?: unknown } } } | undefined;
        if (extension?.monitoring?.gke?.enabled !== true) return [];
        return [
            {
                path: `charts.inferencePool.${key}.inferenceExtension.monitoring.gke.enabled`,
                message:
                    "got true; the program already scrapes each Endpoint Picker with its own PodMonitoring, and the chart's " +
                    "ClusterPodMonitoring would collect every EPP series twice. Remove it.",
            },
        ];
    });
}

function plannedAutoscaling(autoscaling: ParsedModelConfig["autoscaling"]): PlannedAutoscaling | undefined {
    if (autoscaling === undefined) return undefined;
    return { ...autoscaling, target: autoscaling.target ?? DEFAULT_AUTOSCALING_TARGETS[autoscaling.metric] };
}

function checkVllmArgs(model: ParsedModelConfig, index: number): ConfigProblem[] {
    const problems: ConfigProblem[] = [];
    model.vllmArgs.forEach((arg, argIndex) => {
        const flag = arg.split(/[=\s]/)[0];
        const why = RESERVED_VLLM_FLAGS[flag];
        if (why !== undefined) {
            problems.push({
                path: `models[${index}].vllmArgs[${argIndex}]`,
                message: `got ${JSON.stringify(arg)}; the program sets ${flag} itself: ${why}`,
            });
        }
    });
    return problems;
}

interface ModelDraft {
    config: ParsedModelConfig;
    index: number;
    key: string;
    huggingFaceId: string;
    /** Pods at the model's largest: what its node pool must hold. */
    maxReplicas: number;
}

function checkNames(drafts: ModelDraft[]): ConfigProblem[] {
    const problems: ConfigProblem[] = [];
    const byName = new Map<string, number>();
    const byKey = new Map<string, ModelDraft>();
    for (const draft of drafts) {
        const { config, index, key } = draft;
        const sameName = byName.get(config.name);
        if (sameName !== undefined) {
            problems.push({
                path: `models[${index}].name`,
                message: `got ${JSON.stringify(config.name)}; models[${sameName}] has the same name. Client-facing names must be unique.`,
            });
        } else {
            byName.set(config.name, index);
        }
        if (key === "") {
            problems.push({
                path: `models[${index}].key`,
                message: `no Kubernetes name can be derived from ${JSON.stringify(config.name)}; set key to a DNS label`,
            });
            continue;
        }
        const sameKey = byKey.get(key);
        if (sameKey !== undefined && sameKey.config.name !== config.name) {
            problems.push({
                path: `models[${index}].key`,
                message:
                    `${JSON.stringify(config.name)} and models[${sameKey.index}] ${JSON.stringify(sameKey.config.name)} ` +
                    `both get the Kubernetes key ${JSON.stringify(key)}; set a distinct key on one of them`,
            });
        } else if (sameKey === undefined) {
            byKey.set(key, draft);
        }
    }
    return problems;
}

function planModelMemory(draft: ModelDraft): { memory?: MemoryEstimate; problems: ConfigProblem[] } {
    const { config, index } = draft;
    const parameters = config.parameters ?? KNOWN_MODEL_PARAMETERS[draft.huggingFaceId];
    if (parameters === undefined) {
        return {
            problems: [
                {
                    path: `models[${index}].parameters`,
                    message:
                        `is required: ${draft.huggingFaceId} is not in the known-model table ` +
                        `(${Object.keys(KNOWN_MODEL_PARAMETERS).join(", ")}); give its parameter count in billions`,
                },
            ],
        };
    }
    const memory = estimateMemory(parameters, config.precision, config.kvCacheReserveGb, config.gpu.type, config.gpu.count);
    if (memory.requiredGb <= memory.usableGb) return { memory, problems: [] };
    return {
        memory,
        problems: [
            {
                path: `models[${index}].gpu`,
                message:
                    `${draft.huggingFaceId} needs about ${memory.requiredGb} GB (${memory.weightsGb} GB of ${config.precision} weights ` +
                    `+ ${config.kvCacheReserveGb} GB KV-cache reserve) but ${config.gpu.count} × ${config.gpu.type} gives vLLM ` +
                    `${memory.usableGb} GB; ${proposeFittingGpus(memory.requiredGb, config.gpu.type)}`,
            },
        ],
    };
}

function planNodePool(
    accelerator: AcceleratorType,
    settings: ParsedNodePoolConfig,
    models: ModelDraft[],
    cluster: ClusterConfig,
    serviceAccountEmail: string,
): { pool?: PlannedNodePool; canSurge: Set<number>; problems: ConfigProblem[] } {
    const base = `nodePools.${accelerator}`;
    const problems: ConfigProblem[] = [];
    const entry = GPU_CATALOG[accelerator];
    const largest = Math.max(...models.map((m) => m.config.gpu.count));
    let machine = smallestMachineType(accelerator, largest, settings.spot);
    if (settings.machineType !== undefined) {
        machine = entry.machineTypes.find((m) => m.name === settings.machineType);
        if (machine === undefined) {
            problems.push({
                path: `${base}.machineType`,
                message:
                    `got ${JSON.stringify(settings.machineType)}, which does not carry ${accelerator}; ` +
                    `allowed: ${entry.machineTypes.map((m) => `${m.name} (${m.gpus} GPU${m.gpus > 1 ? "s" : ""})`).join(", ")}`,
            });
        }
    } else if (machine === undefined) {
        const offered = (entry.machineTypes as readonly GpuMachineType[]).filter((m) => settings.spot || !m.spotOrFlexStartOnly);
        const most = offered.reduce((a, b) => (b.gpus > a.gpus ? b : a));
        for (const m of models.filter((d) => d.config.gpu.count > most.gpus)) {
            problems.push({
                path: `models[${m.index}].gpu.count`,
                message:
                    `got ${m.config.gpu.count}; the most ${accelerator} GPUs on one node${settings.spot ? "" : " on demand"} is ` +
                    `${most.gpus} (${most.name}), and a replica's GPUs must share a node`,
            });
        }
    }
    if (machine !== undefined) {
        for (const m of models.filter((d) => d.config.gpu.count > machine.gpus)) {
            problems.push({
                path: `models[${m.index}].gpu.count`,
                message:
                    `got ${m.config.gpu.count}; the tensor-parallel size cannot exceed the ${machine.gpus} GPU(s) of ` +
                    `${machine.name}, the machine type of ${base}`,
            });
        }
        if (!settings.spot && machine.spotOrFlexStartOnly === true) {
            problems.push({
                path: `${base}.machineType`,
                message: `${machine.name} is offered only as Spot or flex-start capacity; set ${base}.spot: true or pick another machine type`,
            });
        }
    }
    const regional = /^[a-z]+-[a-z]+\d$/.test(cluster.location);
    if (regional && settings.zones === undefined) {
        problems.push({
            path: `${base}.zones`,
            message:
                `is required because cluster.location ${JSON.stringify(cluster.location)} is a region: GKE would put nodeCount ` +
                `nodes in every zone. List the zones that offer ${accelerator}, e.g. [${cluster.location}-a]`,
        });
    }
    const outside = (settings.zones ?? []).filter((zone) => !zone.startsWith(`${cluster.location}-`) && zone !== cluster.location);
    for (const zone of outside) {
        problems.push({
            path: `${base}.zones`,
            message: `got ${JSON.stringify(zone)}, which is not in the cluster's location ${cluster.location}`,
        });
    }
    if (problems.length > 0 || machine === undefined) return { canSurge: new Set(), problems };

    const zones = settings.zones ?? [];
    const zoneCount = Math.max(zones.length, 1);
    const podGpus = models.flatMap((m) => Array<number>(m.maxReplicas).fill(m.config.gpu.count));
    const needed = nodesNeeded(podGpus, machine.gpus);
    const replicaList = models
        .map((m) =>
            m.config.autoscaling === undefined
                ? `models[${m.index}] ${m.maxReplicas} × ${m.config.gpu.count} GPU`
                : `models[${m.index}] up to ${m.maxReplicas} (autoscaling.maxReplicas) × ${m.config.gpu.count} GPU`,
        )
        .join(", ");
    if (settings.autoscaling !== undefined && settings.autoscaling.maxNodes < needed) {
        problems.push({
            path: `${base}.autoscaling.maxNodes`,
            message: `got ${settings.autoscaling.maxNodes}; the replicas scheduled on it (${replicaList}) need ${needed} node(s) of ${machine.name}`,
        });
    }
    const nodeCountPerZone = settings.autoscaling === undefined ? settings.nodeCount ?? Math.ceil(needed / zoneCount) : undefined;
    if (nodeCountPerZone !== undefined) {
        if (nodeCountPerZone * zoneCount < needed) {
            problems.push({
                path: `${base}.nodeCount`,
                message:
                    `got ${nodeCountPerZone} per zone × ${zoneCount} zone(s); the replicas scheduled on it (${replicaList}) ` +
                    `need ${needed} node(s) of ${machine.name}. Raise nodeCount or lower replicas or autoscaling.maxReplicas.`,
            });
        }
    }
    if (problems.length > 0) return { canSurge: new Set(), problems };
    const fixedNodes = nodeCountPerZone === undefined ? undefined : nodeCountPerZone * zoneCount;
    const capacity = fixedNodes ?? settings.autoscaling?.maxNodes ?? needed;
    const canSurge = new Set(
        models.filter((m) => nodesNeeded([...podGpus, m.config.gpu.count], machine.gpus) <= capacity).map((m) => m.index),
    );
    return {
        problems,
        canSurge,
        pool: {
            key: nodePoolName(accelerator),
            accelerator,
            machineType: machine.name,
            gpusPerNode: machine.gpus,
            zones,
            nodeCountPerZone,
            autoscaling: settings.autoscaling,
            spot: settings.spot,
            driverVersion: settings.driverVersion,
            diskSizeGb: settings.diskSizeGb,
            labels: settings.labels,
            protect: settings.protect,
            serviceAccountEmail,
            imageStreaming: settings.imageStreaming,
            nodesNeeded: needed,
            cost: {
                min: costOf(accelerator, machine.gpus, fixedNodes ?? settings.autoscaling?.minNodes ?? needed),
                max: costOf(accelerator, machine.gpus, fixedNodes ?? settings.autoscaling?.maxNodes ?? needed),
            },
        },
    };
}

/** The configured node service account, or a dedicated one to create. */
function planNodeServiceAccount(config: ParsedServingConfig): PlannedNodeServiceAccount {
    if (config.nodeServiceAccountEmail !== undefined) return { email: config.nodeServiceAccountEmail };
    const id = nodeServiceAccountId("gpu", config.cluster, config.namespace);
    return { email: `${id}@${config.cluster.project}.iam.gserviceaccount.com`, createAccountId: id };
}

/** The peers the model servers' NetworkPolicies admit besides each model's EPP. */
function planNetworkPolicy(
    config: ParsedServingConfig,
    provider: GatewayProviderProfile,
): { policy?: PlannedNetworkPolicy; problems: ConfigProblem[] } {
    const settings = config.networkPolicy;
    if (!settings.enabled) return { problems: [] };
    const created = config.cluster.create;
    const configured = settings.gatewaySourceRanges ?? (created === undefined ? [] : [created.proxyOnlyCidr]);
    if (provider.proxySource === "gateway-pods") {
        return {
            problems: [],
            policy: {
                sourceRanges: [...provider.fixedSourceRanges, ...configured],
                gatewayPodLabels: { [GATEWAY_NAME_LABEL]: config.gatewayName },
            },
        };
    }
    if (configured.length === 0) {
        return {
            problems: [
                {
                    path: "networkPolicy.gatewaySourceRanges",
                    message:
                        `is required for provider ${JSON.stringify(provider.name)}, whose proxies run outside the cluster: list the CIDR ` +
                        (provider.name === "gke"
                            ? `of the proxy-only subnet of ${config.cluster.location} (gcloud compute networks subnets list --filter=purpose=REGIONAL_MANAGED_PROXY)`
                            : "ranges the gateway's proxies connect from") +
                        ", or set networkPolicy.enabled: false",
                },
            ],
        };
    }
    return { problems: [], policy: { sourceRanges: [...provider.fixedSourceRanges, ...configured] } };
}

/**
 * Checks a config and resolves it into a plan, or throws a {@link ConfigError} listing every
 * problem. Pure: registers nothing, so a bad config leaves nothing half-made.
 */
export function planServing(input: ServingConfig | unknown): ServingPlan {
    const config: ParsedServingConfig = parseOrThrow(servingConfigSchema, input);
    const problems: ConfigProblem[] = [];
    const provider: GatewayProviderProfile = GATEWAY_PROVIDERS[config.provider.name];
    const exposure = config.gateway.internal ? provider.internalGateway : provider;
    const gatewayClassName = config.provider.gatewayClassName ?? exposure.defaultGatewayClassName;
    if (gatewayClassName === undefined) {
        problems.push({
            path: "provider.gatewayClassName",
            message:
                `is required for provider ${JSON.stringify(provider.name)}${config.gateway.internal ? " with gateway.internal" : ""}: ` +
                "name the GatewayClass of your gateway implementation",
        });
    }
    const networkPolicy = planNetworkPolicy(config, provider);
    problems.push(...networkPolicy.problems);
    const nodeServiceAccount = planNodeServiceAccount(config);

    const drafts: ModelDraft[] = config.models.map((model, index) => ({
        config: model,
        index,
        key: model.key ?? deriveModelKey(model.name),
        huggingFaceId: model.huggingFaceId ?? model.name,
        maxReplicas: model.autoscaling?.maxReplicas ?? model.replicas ?? 1,
    }));
    problems.push(...checkNames(drafts));
    problems.push(...checkAdapterNames(config.models));
    drafts.forEach((d) => problems.push(...checkReplicas(d.config, d.index)));
    problems.push(...checkChartMonitoring(config.charts.inferencePool));
    drafts.forEach((d) => problems.push(...checkVllmArgs(d.config, d.index)));

    const nodePools: PlannedNodePool[] = [];
    const canSurge = new Set<number>();
    for (const accelerator of ACCELERATOR_TYPES) {
        const onPool = drafts.filter((d) => d.config.gpu.type === accelerator);
        const settings = config.nodePools[accelerator];
        if (onPool.length === 0) {
            if (settings !== undefined) {
                problems.push({
                    path: `nodePools.${accelerator}`,
                    message: `no model uses ${accelerator}; remove these settings or set a model's gpu.type to it`,
                });
            }
            continue;
        }
        const planned = planNodePool(
            accelerator,
            settings ?? nodePoolSchema.parse({}),
            onPool,
            config.cluster,
            nodeServiceAccount.email,
        );
        problems.push(...planned.problems);
        planned.canSurge.forEach((index) => canSurge.add(index));
        if (planned.pool !== undefined) nodePools.push(planned.pool);
    }

    const models: PlannedModel[] = [];
    for (const draft of drafts) {
        const memory = planModelMemory(draft);
        problems.push(...memory.problems);
        const names = modelObjectNames(draft.key);
        const matchLabels = { app: names.appLabel };
        const pool = chartValues(
            "inferencePool",
            config.charts.inferencePool,
            inferencePoolValues({ matchLabels, targetPort: VLLM_PORT, provider: provider.inferencePoolChartProvider }),
        );
        // Chart values are the same shape for every model: report their problems once.
        if (draft.index === 0) problems.push(...pool.problems);
        const cache = planWeightCache(draft.config, draft.index, draft.huggingFaceId, names, memory.memory?.weightsGb, draft.maxReplicas);
        problems.push(...cache.problems);
        if (memory.memory === undefined || cache.cache === undefined) continue;
        models.push({
            name: draft.config.name,
            huggingFaceId: draft.huggingFaceId,
            key: draft.key,
            names,
            gpu: draft.config.gpu,
            replicas: draft.config.autoscaling?.minReplicas ?? draft.config.replicas ?? 1,
            autoscaling: plannedAutoscaling(draft.config.autoscaling),
            vllmArgs: draft.config.vllmArgs,
            precision: draft.config.precision,
            podLabels: {
                ...matchLabels,
                "app.kubernetes.io/name": "vllm",
                "app.kubernetes.io/instance": names.deployment,
                "app.kubernetes.io/component": "model-server",
            },
            matchLabels,
            nodePool: nodePoolName(draft.config.gpu.type),
            memory: memory.memory,
            poolValues: pool.values,
            readyTimeoutMinutes: draft.config.readyTimeoutMinutes,
            // A surge pod on another node could not attach a ReadWriteOnce cache the old pod holds.
            canSurge: canSurge.has(draft.index) && cache.cache.claim?.accessMode !== "ReadWriteOnce",
            ...planLora(draft.config),
            weightCache: cache.cache,
        });
    }

    const bbr = chartValues(
        "bodyBasedRouting",
        config.charts.bodyBasedRouting,
        bodyBasedRoutingValues(provider.bodyBasedRoutingChartProvider, config.gatewayName),
    );
    problems.push(...bbr.problems);
    const fromZero = planFromZero(config);
    problems.push(...fromZero.problems);

    if (problems.length > 0 || gatewayClassName === undefined) throw new ConfigError(problems);
    return {
        cluster: config.cluster,
        namespace: config.namespace,
        provider,
        gatewayClassName,
        gatewayName: config.gatewayName,
        gateway: {
            name: config.gatewayName,
            className: gatewayClassName,
            annotations: config.gateway.internal ? provider.internalGateway.annotations : {},
            hostname: config.gateway.hostname,
            tlsSecretName: config.gateway.tlsSecretName,
        },
        networkPolicy: networkPolicy.policy,
        nodeServiceAccount,
        installInferenceCrds: config.installInferenceCrds,
        vllmImage: config.vllmImage,
        inferencePoolChart: { chart: INFERENCE_CHARTS.inferencePool.chart, version: config.charts.inferencePool.version },
        bodyBasedRoutingChart: {
            chart: INFERENCE_CHARTS.bodyBasedRouting.chart,
            version: config.charts.bodyBasedRouting.version,
            values: bbr.values,
        },
        nodePools,
        models,
        monitoring: config.monitoring,
        cost: {
            min: addCosts(nodePools.map((p) => p.cost.min)),
            max: addCosts(nodePools.map((p) => p.cost.max)),
        },
        createCluster: fromZero.cluster,
        istio: fromZero.istio,
    };
}
