/**
 * Turns a {@link ServingConfig} into a plan: every name, label, node pool, chart value and cost
 * the components need, resolved and checked before any resource is registered. The checks catch
 * what would otherwise surface twenty minutes into `pulumi up`: a model too large for its GPUs,
 * a machine type that cannot carry the accelerator, more replicas than the pool holds, names that
 * collide, a chart value Helm would ignore. All problems are reported together.
 *
 * Each concern has its own module (models, node pools, gateway, charts, cluster from zero); this
 * one runs them in order and assembles their results.
 */
import { ConfigError, ConfigProblem, outputProblems, problemsFromZod, tokenShapedProblems } from "./config/configErrors";
import { ParsedServingConfig, servingConfigSchema } from "./config/configSchema";
import type { ServingConfig } from "./config/servingConfig";
import { apiKeysRequired } from "./routing/apiKeysPlan";
import { CostRange, addCosts } from "./cluster/capacity";
import type { BaseModelRouting } from "./catalogs/charts/releaseLine";
import { PlannedChart, PlannedChartRelease, planBodyBasedRouting, poolChartProvider } from "./routing/chartValues";
import { CLUSTER_PLATFORMS, ClusterPlatform, PlannedCluster, nodePoolSettingProblems, planCollector, plannedCluster } from "./catalogs/clusterPlatforms";
import { GkeClusterArgs, IstioInstallationArgs, defaultInstallInferenceCrds, planFromZero } from "./cluster/clusterPlan";
import { EndpointPickerTls, GATEWAY_PROVIDERS, GatewayProviderProfile } from "./catalogs/gatewayProviders";
import type { PlannedCollector } from "./catalogs/metricsCollectors";
import { PlannedGateway, PlannedNetworkPolicy, planGateway, planNetworkPolicy } from "./routing/gatewayPlan";
import { PlannedContext, planContext } from "./modelServers/contextPlan";
import { checkDefaultHuggingFaceIds } from "./catalogs/huggingFaceIds";
import { checkAdapterNames } from "./adapters/loraPlan";
import { ModelDraft, PlannedModel, checkNames, checkReplicas, modelDrafts, planModels } from "./modelServers/modelPlan";
import { PlannedNodePool, PlannedNodeServiceAccount, planNodePools, planNodeServiceAccount } from "./cluster/nodePoolPlan";
import { chartReference, describingLine, inferenceCrdsUrl } from "./catalogs/releaseLines";
import type { EndpointPickerCost } from "./cluster/systemCapacity";
import { endpointPickerPods, planSystemPool, plannedEndpointPickerCost, systemPods } from "./cluster/systemPoolPlan";
import { checkTensorParallelSize, checkVllmArgs } from "./modelServers/vllmArgs";
import { VLLM_OPTIONS } from "./catalogs/vllmFlags";
import { VLLM_MEMORY_RULES } from "./catalogs/vllmMemory";
import { VLLM_RELEASES } from "./catalogs/vllmReleases";
import { UncachedModel, bootDiskProblems } from "./weightCache/weightCachePlan";

/** Everything the components need, resolved and checked. */
export interface ServingPlan {
    /** The cluster: GKE, or any cluster by kubeconfig. */
    cluster: PlannedCluster;
    /** What the cluster's platform offers. */
    platform: ClusterPlatform;
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
    /** True when every request to the model servers and `/v1/models` needs an API key. */
    apiKeysRequired: boolean;
    /** The GPU nodes' service account, on GKE. */
    nodeServiceAccount?: PlannedNodeServiceAccount;
    /** The InferencePool CRD manifest to apply (a URL or a file), when the cluster lacks them. */
    inferenceCrds?: string;
    /** What the program's own PodMonitorings scrape besides the model servers: the EPPs unless
     * the inferencepool chart renders their monitor itself (and whether their `/metrics` wants
     * the reader's token), BBR only where the chart gives it the rights its authenticated
     * `/metrics` needs; and whether the metrics reader (its account, token Secret and roles) is
     * needed at all: by a scrape of the program's or by the chart's monitor. */
    metricsScrapes: { endpointPickers: boolean; endpointPickersAuthenticated: boolean; bodyBasedRouter: boolean; reader: boolean };
    /** How the gateway reaches each EPP over TLS beyond what the chart renders. */
    endpointPickerTls: EndpointPickerTls;
    /** Where BBR maps adapters to base models: routes then match the base model's header. */
    baseModelRouting?: BaseModelRouting;
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
    /** Metrics collection (its collector: none, none is set up) and the autoscaling backend. */
    monitoring: { installMetricsAdapter: boolean; scrapeInterval: string; collector?: PlannedCollector };
    /** Cost of all node pools at their smallest and largest size, where the stack makes them (GKE). */
    cost?: CostRange;
    /** What the Endpoint Pickers request and cost, where their chart line requests anything. */
    endpointPickerCost?: EndpointPickerCost;
    /** The cluster to create, when `cluster.create` is set. */
    createCluster?: GkeClusterArgs;
    /** The Istio installation, when `istio.install` is set. */
    istio?: IstioInstallationArgs;
}

/** The models without a weight cache, with their node pool's disk. */
function uncachedModels(drafts: readonly ModelDraft[], models: readonly PlannedModel[], pools: readonly PlannedNodePool[]): UncachedModel[] {
    return models.flatMap((model) => {
        const draft = drafts.find((d) => d.config.name === model.name);
        const pool = pools.find((p) => p.key === model.nodePool);
        if (model.weightCache.type !== "none" || draft === undefined || pool === undefined) return [];
        const { huggingFaceId, memory, gpu } = model;
        return [
            {
                index: draft.index,
                huggingFaceId,
                weightsGb: memory.weightsGb,
                gpus: gpu.count,
                maxReplicas: draft.maxReplicas,
                pool: { key: pool.accelerator, gpusPerNode: pool.gpusPerNode, diskSizeGb: pool.diskSizeGb },
            },
        ];
    });
}

/**
 * Checks a config and resolves it into a plan, or throws a {@link ConfigError} listing every
 * problem. Pure: registers nothing, so a bad config leaves nothing half-made.
 */
export function planServing(input: ServingConfig | unknown): ServingPlan {
    const outputs = outputProblems(input);
    if (outputs.length > 0) throw new ConfigError(outputs);
    const tokens = tokenShapedProblems(input);
    const parsed = servingConfigSchema.safeParse(input);
    if (!parsed.success) throw new ConfigError([...tokens, ...problemsFromZod(servingConfigSchema, input, parsed.error.issues)]);
    const config: ParsedServingConfig = parsed.data;
    const problems: ConfigProblem[] = [...tokens];
    const provider: GatewayProviderProfile = GATEWAY_PROVIDERS[config.provider.name];
    const gateway = planGateway(config, provider);
    problems.push(...gateway.problems);
    const cluster = plannedCluster(config.cluster);
    const platform: ClusterPlatform = CLUSTER_PLATFORMS[cluster.platform];
    problems.push(...platformProblems(config, platform));
    const { collector, problems: collectorProblems } = planCollector(config.monitoring, platform);
    problems.push(...collectorProblems);
    const networkPolicy = planNetworkPolicy(config, provider, collector?.namespaces ?? []);
    problems.push(...networkPolicy.problems);
    const nodeServiceAccount = platform.googleCloud ? planNodeServiceAccount(config) : undefined;

    const drafts = modelDrafts(config);
    problems.push(...checkNames(drafts));
    const poolRelease = describingLine(config.charts.inferencePool.version);
    const bbrLine = describingLine(config.charts.bodyBasedRouting.version).bodyBasedRouting;
    problems.push(...checkAdapterNames(config.models, bbrLine.baseModelRouting !== undefined));
    drafts.forEach((d) => problems.push(...checkReplicas(d.config, d.index)));
    problems.push(...checkDefaultHuggingFaceIds(drafts));
    const vllmOptions = VLLM_OPTIONS[poolRelease.vllmTag];
    drafts.forEach((d) => problems.push(...checkVllmArgs(d, vllmOptions, poolRelease.vllmMetricArgs), ...checkTensorParallelSize(d)));

    problems.push(...nodePoolSettingProblems(config, cluster.platform, [...new Set(drafts.map((d) => d.config.gpu.type))]));
    // Elsewhere the GPU nodes are the cluster's own, and whether a pod more fits is unknown.
    const nodePools =
        nodeServiceAccount === undefined ? { pools: [], canSurge: new Set<number>(), problems: [] } : planNodePools(config, drafts, nodeServiceAccount.email);
    problems.push(...nodePools.problems);
    const contexts = new Map<number, PlannedContext>();
    for (const d of drafts) {
        const planned = planContext(d.config, d.index, d.huggingFaceId, VLLM_MEMORY_RULES[poolRelease.vllmTag], vllmOptions);
        problems.push(...planned.problems);
        if (planned.context !== undefined) contexts.set(d.index, planned.context);
    }
    const models = planModels(config, provider, cluster.platform, drafts, nodePools.canSurge, contexts);
    problems.push(...models.problems);
    problems.push(...bootDiskProblems(uncachedModels(drafts, models.models, nodePools.pools)));
    const bbr = planBodyBasedRouting(config, provider);
    problems.push(...bbr.problems);
    const endpointPickers = endpointPickerPods(poolRelease.inferencePool, models.models);
    const create = config.cluster.create;
    const system =
        create === undefined || cluster.platform !== "gke" ? { problems: [] } : planSystemPool(create, cluster.location, systemPods(config, endpointPickers));
    problems.push(...system.problems);
    const fromZero = planFromZero(config, system.pool);
    problems.push(...fromZero.problems);

    if (problems.length > 0 || gateway.gateway === undefined) throw new ConfigError(problems);
    const poolLine = poolRelease.inferencePool;
    const poolObjects = poolLine.providers[poolChartProvider(poolLine, provider)];
    const eppMetrics = poolObjects.endpointPickerMetrics;
    const programScrapesEpps = eppMetrics.monitor === "program";
    return {
        cluster,
        platform,
        namespace: config.namespace,
        provider,
        gatewayClassName: gateway.gateway.className,
        gatewayName: config.gatewayName,
        gateway: gateway.gateway,
        networkPolicy: networkPolicy.policy,
        apiKeysRequired: apiKeysRequired(config),
        nodeServiceAccount,
        metricsScrapes: {
            endpointPickers: programScrapesEpps,
            endpointPickersAuthenticated: programScrapesEpps && eppMetrics.authenticated === true,
            bodyBasedRouter: bbrLine.metricsAuthorizedByChart,
            reader:
                collector !== undefined &&
                ((programScrapesEpps && eppMetrics.authenticated === true) || eppMetrics.tokenSecret !== undefined || bbrLine.metricsAuthorizedByChart),
        },
        endpointPickerTls:
            provider.endpointPickerTls === "istio-destination-rule" && poolObjects.endpointPickerDestinationRule ? "chart" : provider.endpointPickerTls,
        baseModelRouting: bbrLine.baseModelRouting,
        vllmImage: config.vllmImage ?? VLLM_RELEASES[poolRelease.vllmTag].image,
        inferencePoolChart: chartReference(poolLine.chart, config.charts.inferencePool.version, config.charts.source),
        inferenceCrds:
            (config.installInferenceCrds ?? defaultInstallInferenceCrds(config.cluster.create))
                ? inferenceCrdsUrl(config.charts.inferencePool.version, config.charts.source)
                : undefined,
        bodyBasedRoutingChart: bbr.release,
        nodePools: nodePools.pools,
        models: models.models,
        monitoring: { installMetricsAdapter: config.monitoring.installMetricsAdapter, scrapeInterval: config.monitoring.scrapeInterval, collector },
        cost: platform.googleCloud
            ? { min: addCosts(nodePools.pools.map((p) => p.cost.min)), max: addCosts(nodePools.pools.map((p) => p.cost.max)) }
            : undefined,
        endpointPickerCost: plannedEndpointPickerCost(endpointPickers, system.pool),
        createCluster: fromZero.cluster,
        istio: fromZero.istio,
    };
}

/** What a config asks of its cluster's platform that the platform lacks, on the keys that ask. */
function platformProblems(config: ParsedServingConfig, platform: ClusterPlatform): ConfigProblem[] {
    const problems: ConfigProblem[] = [];
    if (!(platform.providers as readonly string[]).includes(config.provider.name)) {
        problems.push({
            path: "provider.name",
            message: `got ${JSON.stringify(config.provider.name)}, which runs on GKE only; on a cluster given by cluster.kubeconfig use one of ${platform.providers.join(", ")}`,
        });
    }
    if (!platform.googleCloud) {
        if (config.monitoring.installMetricsAdapter)
            problems.push({
                path: "monitoring.installMetricsAdapter",
                message: "installs Google's Custom Metrics Stackdriver Adapter: GKE only (cluster.kubeconfig names another cluster)",
            });
        if (config.nodeServiceAccountEmail !== undefined)
            problems.push({
                path: "nodeServiceAccountEmail",
                message: "is the GKE node pools' Google service account: GKE only (cluster.kubeconfig names another cluster)",
            });
        config.models.forEach((m, i) => {
            if (m.weightCache.type === "bucket")
                problems.push({
                    path: `models[${i}].weightCache.type`,
                    message:
                        "bucket reads Cloud Storage through GKE's Cloud Storage FUSE driver: GKE only; use volume or none on a cluster given by cluster.kubeconfig",
                });
        });
    }
    return problems;
}
