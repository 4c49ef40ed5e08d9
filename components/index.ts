// The package's public surface, in the order data flows: the config, the plan, the components.
export * from "./config/cidr";
export * from "./config/configErrors";
export * from "./config/configSchema";
export * from "./config/modelConfig";
export * from "./config/servingConfig";
export * from "./routing/apiKeysPlan";
export { GPU_MEMORY_UTILIZATION, costOf, estimateMemory, nodesNeeded, proposeFittingGpus } from "./cluster/capacity";
export type { CostEstimate, CostRange, MemoryEstimate } from "./cluster/capacity";
export {
    INFERENCE_CHARTS,
    bodyBasedRoutingValues,
    chartValues,
    inferencePoolValues,
    mergeValues,
    overriddenPaths,
    poolChartProvider,
    unreadPaths,
} from "./routing/chartValues";
export type { ChartDescription, ChartKey, InferencePoolValueInputs, PlannedChart, PlannedChartRelease } from "./routing/chartValues";
export * from "./routing/clientRequests";
export * from "./cluster/clusterPlan";
export * from "./catalogs/clusterPlatforms";
export { GATEWAY_NAME_LABEL } from "./routing/gatewayPlan";
export type { PlannedGateway, PlannedManagedCertificate, PlannedNetworkPolicy } from "./routing/gatewayPlan";
export * from "./catalogs/gatewayProviders";
export * from "./catalogs/gpuCatalog";
export * from "./catalogs/knownModels";
export * from "./adapters/loraPlan";
export { VLLM_PORT } from "./modelServers/modelPlan";
export type { PlannedAutoscaling, PlannedGpu, PlannedModel, PlannedParameters } from "./modelServers/modelPlan";
export * from "./names";
export type { NodePoolSpec, PlannedNodePool, PlannedNodeServiceAccount } from "./cluster/nodePoolPlan";
export * from "./monitoring/servingMetrics";
export * from "./catalogs/releaseLines";
export { AdapterLoadingKind } from "./catalogs/charts/releaseLine";
export type {
    AdapterLoading,
    BaseModelRouting,
    BodyBasedRoutingLine,
    ChartLine,
    EndpointPickerMetrics,
    InferencePoolLine,
    PoolProviderObjects,
    ReleaseLine,
    ResourceRequests,
    UpstreamSource,
} from "./catalogs/charts/releaseLine";
export * from "./catalogs/vllmReleases";
export * from "./servingPlan";
export * from "./cluster/systemCapacity";
export {
    MODEL_CATALOG_POD,
    cpuQuantity,
    endpointPickerPods,
    endpointPickerRequests,
    memoryQuantityGiB,
    planSystemPool,
    systemPods,
} from "./cluster/systemPoolPlan";
export type { PlannedSystemPool, SystemPoolModel } from "./cluster/systemPoolPlan";
export * from "./weightCache/weightCachePlan";
export * from "./adapters/adapterFetcher";
export * from "./routing/bodyBasedRouter";
export * from "./childOptions";
export * from "./cluster/gkeCluster";
export * from "./cluster/gpuNodePool";
export * from "./routing/inferenceGateway";
export * from "./routing/inferencePool";
export * from "./routing/istioInstallation";
export * from "./adapters/loraAdapters";
export * from "./routing/managedCertificate";
export * from "./monitoring/metricsAdapter";
export * from "./monitoring/metricsCollection";
export * from "./modelList/modelCatalog";
export * from "./modelList/modelCatalogServer";
export * from "./routing/modelRoute";
export * from "./modelServers/modelServer";
export * from "./modelServers/modelServerPolicies";
export * from "./multiModelInference";
export * from "./cluster/nodeServiceAccount";
export * from "./monitoring/servingDashboard";
export * from "./weightCache/weightCache";
export * from "./cluster/workloadIdentity";
