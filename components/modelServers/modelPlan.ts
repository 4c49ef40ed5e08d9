/**
 * The models of a config, resolved: names and keys, the memory estimate, vLLM's arguments and
 * autoscaling, checked against each other. Pure; problems name their config key.
 */
import { PlannedCluster, gpuNodeSelector } from "../catalogs/clusterPlatforms";
import type { ConfigProblem } from "../config/configErrors";
import type { ParsedModelConfig, ParsedServingConfig } from "../config/configSchema";
import { AutoscalingMetric, DEFAULT_AUTOSCALING_TARGETS, Precision } from "../config/modelConfig";
import type { ChartValues } from "../config/servingConfig";
import { MemoryEstimate, estimateMemory, proposeFittingGpus } from "../cluster/capacity";
import { chartValues, inferencePoolValues, poolChartProvider } from "../routing/chartValues";
import type { PlannedContext } from "./contextPlan";
import type { GatewayProviderProfile } from "../catalogs/gatewayProviders";
import type { AcceleratorType } from "../catalogs/gpuCatalog";
import { ParameterSource, modelParameters } from "../catalogs/knownModels";
import { PlannedAdapter, PlannedLora, planLora } from "../adapters/loraPlan";
import { ModelObjectNames, deriveModelKey, metricsReaderNames, modelKeyProblem, modelObjectNames, nodePoolName } from "../names";
import { describingLine } from "../catalogs/releaseLines";
import { PlannedWeightCache, planWeightCache } from "../weightCache/weightCachePlan";

/** The port vLLM serves on; the pool's target port and the probes use the same constant. */
export const VLLM_PORT = 8000;

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
    /** `vllm serve` arguments the release line needs for its EPP's metrics. */
    metricArgs: string[];
    /** Weight precision. */
    precision: Precision;
    /** Labels on the model's pods; `matchLabels` is the part its pool selects. */
    podLabels: Record<string, string>;
    /** The labels the model's InferencePool selects; no other model's pods carry them. */
    matchLabels: Record<string, string>;
    /** Name of the node pool its pods run on. */
    nodePool: string;
    /** The node labels its pods select: its accelerator's nodes. */
    nodeSelector: Record<string, string>;
    /** Parameter count, in billions, and where it came from. */
    parameters: PlannedParameters;
    /** GPU memory estimate. */
    memory: MemoryEstimate;
    /** Its context and KV cache, by vLLM's memory rule at the line's tag. */
    context: PlannedContext;
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

/** A model's parameter count. */
export interface PlannedParameters {
    /** Billions of parameters (the total, for a mixture of experts). */
    billions: number;
    /** Where the count came from: the known-model table, the Hugging Face ID, or config. */
    source: ParameterSource;
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

export function checkReplicas(model: ParsedModelConfig, index: number): ConfigProblem[] {
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

export function plannedAutoscaling(autoscaling: ParsedModelConfig["autoscaling"]): PlannedAutoscaling | undefined {
    if (autoscaling === undefined) return undefined;
    return { ...autoscaling, target: autoscaling.target ?? DEFAULT_AUTOSCALING_TARGETS[autoscaling.metric] };
}

/** A model of the config before it is resolved: its config, position, key and largest size. */
export interface ModelDraft {
    config: ParsedModelConfig;
    index: number;
    key: string;
    huggingFaceId: string;
    /** Pods at the model's largest: what its node pool must hold. */
    maxReplicas: number;
}

/** Model names and keys must be unique: clients route on the one, Kubernetes names use the other. */
export function checkNames(drafts: ModelDraft[]): ConfigProblem[] {
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
        const keyProblem = modelKeyProblem(key);
        if (keyProblem !== undefined) {
            problems.push({
                path: `models[${index}].key`,
                message: `got ${JSON.stringify(key)}${config.key === undefined ? ` (derived from ${JSON.stringify(config.name)})` : ""}, which ${keyProblem}`,
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

/** Where a parameter count came from, in a message. */
const PARAMETER_SOURCES: Record<ParameterSource, string> = { table: "the known-model table", id: "its ID", config: "parameters" };

/** The model's parameter count and memory estimate, or the problem that it has no count or does
 * not fit its GPUs. */
export function planModelMemory(draft: ModelDraft): { parameters?: PlannedParameters; memory?: MemoryEstimate; problems: ConfigProblem[] } {
    const { config, index } = draft;
    const parameters = modelParameters(draft.huggingFaceId, config.parameters);
    if (parameters === undefined) {
        return {
            problems: [
                {
                    path: `models[${index}].parameters`,
                    message:
                        `is required: ${draft.huggingFaceId} names no size (such as 7B or 1.5B) and is not in the known-model table ` +
                        `(components/catalogs/knownModels.ts); give its parameter count in billions (the total, for a mixture of experts)`,
                },
            ],
        };
    }
    const memory = estimateMemory(parameters.billions, config.precision, config.kvCacheReserveGb, config.gpu.type, config.gpu.count);
    if (memory.requiredGb <= memory.usableGb) return { parameters, memory, problems: [] };
    return {
        parameters,
        memory,
        problems: [
            {
                path: `models[${index}].gpu`,
                message:
                    `${draft.huggingFaceId} needs about ${memory.requiredGb} GB (${memory.weightsGb} GB of ${config.precision} weights ` +
                    `for ${parameters.billions}B parameters, from ${PARAMETER_SOURCES[parameters.source]}, ` +
                    `+ ${config.kvCacheReserveGb} GB profiling reserve, kvCacheReserveGb) but ${config.gpu.count} × ${config.gpu.type} gives vLLM ` +
                    `${memory.usableGb} GB; ${proposeFittingGpus(memory.requiredGb, config.gpu.type)}`,
            },
        ],
    };
}

/** The config's models before they are resolved, with their keys and largest sizes. */
export function modelDrafts(config: ParsedServingConfig): ModelDraft[] {
    return config.models.map((model, index) => ({
        config: model,
        index,
        key: model.key ?? deriveModelKey(model.name),
        huggingFaceId: model.huggingFaceId ?? model.name,
        maxReplicas: model.autoscaling?.maxReplicas ?? model.replicas ?? 1,
    }));
}

/** Resolves every model: its names, labels, memory, pool values, LoRA and weight cache.
 * `canSurge` holds the indexes of the models whose node pool has a GPU to spare; `contexts` the
 * planned context of each model that has one. */
export function planModels(
    config: ParsedServingConfig,
    provider: GatewayProviderProfile,
    platform: PlannedCluster["platform"],
    drafts: ModelDraft[],
    canSurge: ReadonlySet<number>,
    contexts: ReadonlyMap<number, PlannedContext>,
): { models: PlannedModel[]; problems: ConfigProblem[] } {
    const models: PlannedModel[] = [];
    const problems: ConfigProblem[] = [];
    const release = describingLine(config.charts.inferencePool.version);
    const line = release.inferencePool;
    const chartProvider = poolChartProvider(line, provider);
    const metricsTokenSecret = { name: metricsReaderNames(config.namespace).tokenSecret, namespace: config.namespace };
    const scrapeInterval = config.monitoring.scrapeInterval;
    for (const draft of drafts) {
        const memory = planModelMemory(draft);
        problems.push(...memory.problems);
        const names = modelObjectNames(draft.key, config.namespace);
        const matchLabels = { app: names.appLabel };
        const pool = chartValues(
            "inferencePool",
            config.charts.inferencePool,
            inferencePoolValues(line, { matchLabels, targetPort: VLLM_PORT, provider: chartProvider, metricsTokenSecret, scrapeInterval }),
        );
        // Chart values are the same shape for every model: report their problems once.
        if (draft.index === 0) problems.push(...pool.problems);
        const cache = planWeightCache(draft.config, draft.index, draft.huggingFaceId, names, memory.memory?.weightsGb, draft.maxReplicas);
        problems.push(...cache.problems);
        const context = contexts.get(draft.index);
        if (memory.memory === undefined || memory.parameters === undefined || cache.cache === undefined || context === undefined) continue;
        models.push({
            name: draft.config.name,
            huggingFaceId: draft.huggingFaceId,
            key: draft.key,
            names,
            gpu: draft.config.gpu,
            replicas: draft.config.autoscaling?.minReplicas ?? draft.config.replicas ?? 1,
            autoscaling: plannedAutoscaling(draft.config.autoscaling),
            vllmArgs: draft.config.vllmArgs,
            metricArgs: release.vllmMetricArgs,
            precision: draft.config.precision,
            podLabels: {
                ...matchLabels,
                "app.kubernetes.io/name": "vllm",
                "app.kubernetes.io/instance": names.deployment,
                "app.kubernetes.io/component": "model-server",
            },
            matchLabels,
            nodePool: nodePoolName(draft.config.gpu.type),
            nodeSelector: gpuNodeSelector(platform, draft.config.gpu.type, config.nodePools[draft.config.gpu.type]?.nodeSelector),
            parameters: memory.parameters,
            memory: memory.memory,
            context,
            poolValues: pool.values,
            readyTimeoutMinutes: draft.config.readyTimeoutMinutes,
            // A surge pod on another node could not attach a ReadWriteOnce cache the old pod holds.
            canSurge: canSurge.has(draft.index) && cache.cache.claim?.accessMode !== "ReadWriteOnce",
            ...planLora(draft.config, release.adapterLoading),
            weightCache: cache.cache,
        });
    }
    return { models, problems };
}
