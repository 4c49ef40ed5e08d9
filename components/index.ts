// The package's public surface, in the order data flows: the config, the plan, the components.
export * from "./config/cidr";
export * from "./config/configErrors";
export * from "./config/configSchema";
export * from "./config/modelConfig";
export * from "./config/servingConfig";
export * from "./plan/apiKeysPlan";
export { GPU_MEMORY_UTILIZATION, costOf, estimateMemory, nodesNeeded, proposeFittingGpus } from "./plan/capacity";
export type { CostEstimate, CostRange, MemoryEstimate } from "./plan/capacity";
export {
    INFERENCE_CHARTS,
    bodyBasedRoutingValues,
    chartValues,
    inferencePoolValues,
    mergeValues,
    overriddenPaths,
    poolChartProvider,
    unreadPaths,
} from "./plan/chartValues";
export type { ChartDescription, ChartKey, InferencePoolValueInputs, PlannedChart, PlannedChartRelease } from "./plan/chartValues";
export * from "./plan/clientRequests";
export * from "./plan/clusterPlan";
export * from "./plan/clusterPlatforms";
export { GATEWAY_NAME_LABEL } from "./plan/gatewayPlan";
export type { PlannedGateway, PlannedManagedCertificate, PlannedNetworkPolicy } from "./plan/gatewayPlan";
export * from "./plan/gatewayProviders";
export * from "./plan/gpuCatalog";
export * from "./plan/knownModels";
export * from "./plan/loraPlan";
export { VLLM_PORT } from "./plan/modelPlan";
export type { PlannedAutoscaling, PlannedGpu, PlannedModel, PlannedParameters } from "./plan/modelPlan";
export * from "./plan/names";
export type { NodePoolSpec, PlannedNodePool, PlannedNodeServiceAccount } from "./plan/nodePoolPlan";
export * from "./plan/servingMetrics";
export * from "./plan/releaseLines";
export { AdapterLoadingKind } from "./plan/charts/releaseLine";
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
} from "./plan/charts/releaseLine";
export * from "./plan/vllmReleases";
export * from "./plan/servingPlan";
export * from "./plan/systemCapacity";
export {
    MODEL_CATALOG_POD,
    cpuQuantity,
    endpointPickerPods,
    endpointPickerRequests,
    memoryQuantityGiB,
    planSystemPool,
    systemPods,
} from "./plan/systemPoolPlan";
export type { PlannedSystemPool, SystemPoolModel } from "./plan/systemPoolPlan";
export * from "./plan/weightCachePlan";
export * from "./adapterFetcher";
export * from "./bodyBasedRouter";
export * from "./childOptions";
export * from "./gkeCluster";
export * from "./gpuNodePool";
export * from "./inferenceGateway";
export * from "./inferencePool";
export * from "./istioInstallation";
export * from "./loraAdapters";
export * from "./managedCertificate";
export * from "./metricsAdapter";
export * from "./metricsCollection";
export * from "./modelCatalog";
export * from "./modelCatalogServer";
export * from "./modelRoute";
export * from "./modelServer";
export * from "./modelServerPolicies";
export * from "./multiModelInference";
export * from "./nodeServiceAccount";
export * from "./servingDashboard";
export * from "./weightCache";
export * from "./workloadIdentity";
