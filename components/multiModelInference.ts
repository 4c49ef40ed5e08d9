import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { childOptions } from "./childOptions";
import { BodyBasedRouter } from "./routing/bodyBasedRouter";
import { GpuNodePool, NodePoolCluster, gkeNodePoolName } from "./cluster/gpuNodePool";
import { GATEWAY_LISTENERS, InferenceGateway } from "./routing/inferenceGateway";
import { gkeCluster } from "./catalogs/clusterPlatforms";
import { ConfigError } from "./config/configErrors";
import { API_KEYS_SECRET, ApiKeysAdvice, apiKeyProblems, apiKeysSecretData, apiKeysVersion, checkApiKeysGiven } from "./routing/apiKeysPlan";
import { InferencePool } from "./routing/inferencePool";
import { LoraAdapters } from "./adapters/loraAdapters";
import { DnsRecord, ManagedCertificate } from "./routing/managedCertificate";
import { ModelCatalog } from "./modelList/modelCatalog";
import { routedNames } from "./adapters/loraPlan";
import { MetricsAdapter } from "./monitoring/metricsAdapter";
import { MetricsCollection, scrapeTargets } from "./monitoring/metricsCollection";
import { HF_TOKEN_SECRET, ModelServer } from "./modelServers/modelServer";
import { ModelRoute } from "./routing/modelRoute";
import { NodeServiceAccount } from "./cluster/nodeServiceAccount";
import type { ApiKeysConfig, ServingConfig } from "./config/servingConfig";
import { ServingDashboard } from "./monitoring/servingDashboard";
import { CostRange } from "./cluster/capacity";
import type { EndpointPickerCost } from "./cluster/systemCapacity";
import type { ParameterSource } from "./catalogs/knownModels";
import { PlannedAutoscaling, PlannedGpu } from "./modelServers/modelPlan";
import { planServing } from "./servingPlan";
import { WeightCache } from "./weightCache/weightCache";

/** Whether clients need an API key, and the keys. */
export interface ApiKeysArgs extends ApiKeysConfig {
    /** The keys clients may send as `Authorization: Bearer <key>`: one or more (rotate by adding
     * the new key, moving clients, then removing the old one), each 32 to 512 characters of
     * letters, digits and `-._~+/` (trailing `=` allowed); keep them a Pulumi secret. A change
     * rolls the model servers, which read their keys at start. */
    keys?: pulumi.Input<string[]>;
}

/** Arguments of {@link MultiModelInference}: what to serve, the Hugging Face token, the API keys. */
export interface MultiModelInferenceArgs extends ServingConfig {
    /** Hugging Face token for gated models; keep it a Pulumi secret. */
    hfToken: pulumi.Input<string>;
    /** API keys. Required for an external gateway unless `required` is false. */
    apiKeys?: ApiKeysArgs;
    /** The cluster this stack created (`cluster.create`), as outputs of its resource: the GPU
     * node pools join it and wait for it. Default: `cluster`, an existing cluster. */
    createdCluster?: NodePoolCluster;
}

/** What clients and operators need to know about one served model. */
export interface ServedModel {
    /** The name clients send as `model`. */
    name: string;
    /** Hugging Face model ID. */
    huggingFaceId: string;
    /** Parameter count in billions, for the memory estimate. */
    parameters: number;
    /** Where the parameter count came from: the known-model table, the ID (with a 10 % margin),
     * or config. */
    parametersSource: ParameterSource;
    /** The context each request may have (vLLM's `--max-model-len`). */
    contextLength: number;
    /** Estimated KV cache of one GPU in GiB. */
    kvCacheGiB: number;
    /** Requests of the full context that fit the KV cache at once. */
    fullLengthRequests: number;
    /** Accelerator and GPUs per replica. */
    gpu: PlannedGpu;
    /** vLLM pods; with autoscaling, the count it starts with. */
    replicas: number;
    /** The autoscaling range, signal and target, when the model autoscales. */
    autoscaling?: PlannedAutoscaling;
    /** InferencePool name. */
    pool: string;
    /** HTTPRoute name. */
    route: string;
    /** GKE node pool the pods run on. */
    nodePool: string;
    /** Adapter names the pods serve and the route matches. */
    adapters: string[];
    /** Weight cache type. */
    weightCache: string;
}

/** What operators need to know about one GPU node pool. */
export interface NodePoolSummary {
    /** GKE node pool name. */
    name: string;
    /** Accelerator type. */
    accelerator: string;
    /** Machine type. */
    machineType: string;
    /** GPUs per node. */
    gpusPerNode: number;
    /** Zones of the nodes; empty means the cluster's own zone. */
    zones: string[];
    /** Nodes across zones: the autoscaling range, or a fixed count as equal bounds. */
    nodes: NodeCountRange;
    /** Whether the pool autoscales between `nodes.minNodes` and `nodes.maxNodes`. */
    autoscaling: boolean;
    /** Spot VMs. */
    spot: boolean;
    /** Estimated GPU cost at the pool's smallest and largest size. */
    estimatedCost: CostRange;
}

/** A node pool's size range across its zones. */
export interface NodeCountRange {
    /** Fewest nodes. */
    minNodes: number;
    /** Most nodes. */
    maxNodes: number;
}

/** How a caller of the component gives API keys or opts out, for its messages. */
const COMPONENT_API_KEYS_ADVICE: ApiKeysAdvice = {
    path: "apiKeys.keys",
    set: 'pass apiKeys.keys, a secret list of keys (e.g. new pulumi.Config().requireSecret("apiKeys").apply((text) => parseApiKeys(text) as string[]), for one key or a JSON list)',
    optOut: "set apiKeys.required to false",
};

/**
 * Serves several models behind one Gateway: a GPU node pool per accelerator type, the
 * Body-Based Router, per model a vLLM Deployment, an InferencePool with its Endpoint Picker and
 * an HTTPRoute matching the model's name, and OpenAI's `GET /v1/models` for all of them. With
 * API keys, every model server and the model list require one; with `gateway.hostname` on GKE,
 * a Google-managed certificate serves HTTPS. Serving one more model is one more list entry.
 * Pass the Kubernetes provider of the cluster in `opts.providers`.
 */
export class MultiModelInference extends pulumi.ComponentResource {
    /** The Gateway's address. */
    public readonly gatewayAddress: pulumi.Output<string | undefined>;
    /** The served models: what clients send as `model`, and the objects that serve each. */
    public readonly models: pulumi.Output<ServedModel[]>;
    /** The GPU node pools, with their size and estimated cost. */
    public readonly nodePools: pulumi.Output<NodePoolSummary[]>;
    /** Estimated GPU cost in USD of all node pools at their smallest and largest size (list
     * prices, GPUs only), on GKE; a cluster given by kubeconfig has GPU nodes of its own. */
    public readonly estimatedGpuCost: pulumi.Output<CostRange | undefined>;
    /** What the Endpoint Pickers request on the cluster's non-GPU nodes and its estimated cost
     * (list prices), where their chart line requests anything (from v1.5.0). */
    public readonly estimatedEndpointPickerCost: pulumi.Output<EndpointPickerCost | undefined>;
    /** The Cloud Monitoring dashboard's console address, on GKE. */
    public readonly dashboardUrl: pulumi.Output<string | undefined>;
    /** Whether every request needs an API key. */
    public readonly apiKeysRequired: pulumi.Output<boolean>;
    /** With a Google-managed certificate: the CNAME record to create in the hostname's DNS zone,
     * after which the certificate is issued. */
    public readonly certificateDnsRecord: pulumi.Output<DnsRecord | undefined>;

    constructor(name: string, args: MultiModelInferenceArgs, opts?: pulumi.ComponentResourceOptions) {
        const { hfToken, createdCluster, apiKeys, ...config } = args;
        const keys = apiKeys?.keys;
        // Planned before super(): a bad config throws before any resource is registered. Keys
        // given mean keys required unless config says otherwise (which is then reported).
        const required = apiKeys?.required ?? (keys === undefined ? undefined : true);
        const plan = planServing({ ...config, ...(required === undefined ? {} : { apiKeys: { required } }) });
        const keyProblems = checkApiKeysGiven(plan.apiKeysRequired, keys !== undefined, config.gateway?.internal === true, COMPONENT_API_KEYS_ADVICE);
        if (keyProblems.length > 0) throw new ConfigError(keyProblems);
        super("multi-model-inference:index:MultiModelInference", name, {}, opts);
        const child = childOptions(this, opts);
        const checkedKeys =
            keys === undefined
                ? undefined
                : pulumi.secret(
                      pulumi.output(keys).apply((list) => {
                          const problems = apiKeyProblems(list, COMPONENT_API_KEYS_ADVICE.path);
                          if (problems.length > 0) throw new ConfigError(problems);
                          return list;
                      }),
                  );
        const apiKeysSecret =
            checkedKeys === undefined
                ? undefined
                : new k8s.core.v1.Secret(
                      `${name}-api-keys`,
                      {
                          metadata: { name: API_KEYS_SECRET.name, namespace: plan.namespace },
                          type: "Opaque",
                          stringData: checkedKeys.apply(apiKeysSecretData),
                      },
                      child,
                  );
        // The version is a short digest of the keys' digests: it reveals no key (they are long and
        // random), and as a plain value it leaves the rest of the pod spec readable in diffs.
        const apiKeysServerArgs = checkedKeys === undefined ? undefined : { version: pulumi.unsecret(checkedKeys.apply(apiKeysVersion)) };
        // Google Cloud's parts exist on GKE only; elsewhere the plan has no node pools to make.
        const gke = plan.cluster.platform === "gke" ? gkeCluster(plan.cluster) : undefined;
        const nodeAccount = plan.nodeServiceAccount?.createAccountId;
        const nodeServiceAccount =
            nodeAccount === undefined || gke === undefined
                ? undefined
                : new NodeServiceAccount(
                      `${name}-gpu-nodes`,
                      {
                          project: gke.project,
                          accountId: nodeAccount,
                          displayName: "GPU nodes",
                          description: `GPU nodes of cluster ${gke.name}, namespace ${plan.namespace}`,
                      },
                      child,
                  );
        // Nodes log and pull from their first minute: their roles must exist before they do.
        const nodePoolOpts = nodeServiceAccount === undefined ? child : childOptions(this, opts, nodeServiceAccount);
        const nodePools = new Map(
            plan.nodePools.map((pool) => [
                pool.key,
                new GpuNodePool(`${name}-${pool.key}`, { ...pool, cluster: createdCluster ?? gkeCluster(plan.cluster) }, nodePoolOpts),
            ]),
        );
        const gkeNames = new Map(plan.nodePools.map((pool) => [pool.key, gkeNodePoolName({ ...pool, cluster: gkeCluster(plan.cluster) })]));
        const hfTokenSecret = new k8s.core.v1.Secret(
            `${name}-hf-token`,
            {
                metadata: { name: HF_TOKEN_SECRET.name, namespace: plan.namespace },
                type: "Opaque",
                stringData: { [HF_TOKEN_SECRET.key]: pulumi.secret(hfToken) },
            },
            child,
        );
        const certificate =
            plan.gateway.managedCertificate === undefined
                ? undefined
                : new ManagedCertificate(`${name}-certificate`, { certificate: plan.gateway.managedCertificate }, child);
        const gateway = new InferenceGateway(
            `${name}-gateway`,
            {
                gatewayName: plan.gateway.name,
                namespace: plan.namespace,
                gatewayClassName: plan.gateway.className,
                annotations: plan.gateway.annotations,
                hostname: plan.gateway.hostname,
                tlsSecretName: plan.gateway.tlsSecretName,
                certificate:
                    certificate === undefined || plan.gateway.managedCertificate === undefined
                        ? undefined
                        : { option: plan.gateway.managedCertificate.listenerOption, name: certificate.certificateName },
                inferenceCrds: plan.inferenceCrds,
            },
            child,
        );
        // Served on HTTPS only when there is HTTPS: HTTP on 80 then only redirects.
        const listenerName = plan.gateway.https ? GATEWAY_LISTENERS.https : undefined;
        new ModelCatalog(
            `${name}-models`,
            {
                models: plan.models,
                namespace: plan.namespace,
                gatewayName: plan.gatewayName,
                listenerName,
                apiKeysRequired: plan.apiKeysRequired,
                networkPolicy: plan.networkPolicy,
            },
            childOptions(this, opts, gateway, ...(apiKeysSecret ? [apiKeysSecret] : [])),
        );
        const collector = plan.monitoring.collector;
        if (collector !== undefined) {
            new MetricsCollection(
                `${name}-metrics`,
                {
                    collector: collector.name,
                    namespace: plan.namespace,
                    interval: plan.monitoring.scrapeInterval,
                    reader: plan.metricsScrapes.reader,
                    targets: scrapeTargets(plan),
                },
                child,
            );
        }
        if (plan.monitoring.installMetricsAdapter) {
            new MetricsAdapter(`${name}-metrics-adapter`, { project: gkeCluster(plan.cluster).project }, child);
        }
        const dashboardModels = plan.models.map((m) => ({ name: m.name, job: m.names.deployment, deployment: m.names.deployment }));
        const dashboard =
            gke &&
            new ServingDashboard(
                `${name}-dashboard`,
                {
                    displayName: `LLM serving: ${gke.name}/${plan.namespace}`,
                    project: gke.project,
                    clusterName: gke.name,
                    namespace: plan.namespace,
                    models: dashboardModels,
                },
                child,
            );
        const bodyBasedRouter = new BodyBasedRouter(
            `${name}-bbr`,
            { namespace: plan.namespace, chart: plan.bodyBasedRoutingChart },
            childOptions(this, opts, gateway),
        );

        for (const model of plan.models) {
            const nodePool = nodePools.get(model.nodePool);
            const podInputs: pulumi.Resource[] = [hfTokenSecret, ...(nodePool ? [nodePool] : []), ...(apiKeysSecret ? [apiKeysSecret] : [])];
            if (model.lora !== undefined) {
                podInputs.push(new LoraAdapters(`${name}-${model.key}`, { model, namespace: plan.namespace, apiKeysRequired: plan.apiKeysRequired }, child));
            }
            if (model.weightCache.type !== "none") {
                podInputs.push(new WeightCache(`${name}-${model.key}`, { model, namespace: plan.namespace, cluster: gke }, child));
            }
            new ModelServer(
                `${name}-${model.key}`,
                { model, namespace: plan.namespace, image: plan.vllmImage, networkPolicy: plan.networkPolicy, apiKeys: apiKeysServerArgs },
                childOptions(this, opts, ...podInputs),
            );
            const pool = new InferencePool(
                `${name}-${model.key}`,
                {
                    releaseName: model.names.pool,
                    namespace: plan.namespace,
                    chart: plan.inferencePoolChart,
                    values: model.poolValues,
                    endpointPickerTls: plan.endpointPickerTls,
                },
                // The CRDs must exist before the chart's InferencePool.
                childOptions(this, opts, gateway),
            );
            new ModelRoute(
                `${name}-${model.key}`,
                {
                    routeName: model.names.route,
                    namespace: plan.namespace,
                    gatewayName: plan.gatewayName,
                    listenerName,
                    modelName: model.name,
                    adapterNames: routedNames(model.name, model.adapters).slice(1),
                    poolName: model.names.pool,
                    requestTimeout: plan.provider.routeRequestTimeout,
                    baseModelRouting: plan.baseModelRouting,
                },
                // A route on the base-model header matches only once BBR sets it: on an upgrade from
                // the v1.0 line the routes change after BBR has rolled out (it sets both headers).
                childOptions(this, opts, gateway, pool, ...(plan.baseModelRouting === undefined ? [] : [bodyBasedRouter])),
            );
        }

        this.gatewayAddress = gateway.address;
        this.models = pulumi.output(
            plan.models.map((m) => ({
                name: m.name,
                huggingFaceId: m.huggingFaceId,
                parameters: m.parameters.billions,
                parametersSource: m.parameters.source,
                contextLength: m.context.length,
                kvCacheGiB: m.context.kvCacheGiB,
                fullLengthRequests: m.context.fullLengthRequests,
                gpu: m.gpu,
                replicas: m.replicas,
                autoscaling: m.autoscaling,
                pool: m.names.pool,
                route: m.names.route,
                nodePool: gkeNames.get(m.nodePool) ?? m.nodePool,
                adapters: routedNames(m.name, m.adapters).slice(1),
                weightCache: m.weightCache.type,
            })),
        );
        this.nodePools = pulumi.output(
            plan.nodePools.map((pool) => ({
                name: gkeNames.get(pool.key) ?? pool.key,
                accelerator: pool.accelerator,
                machineType: pool.machineType,
                gpusPerNode: pool.gpusPerNode,
                zones: pool.zones,
                nodes: pool.autoscaling ?? { minNodes: pool.cost.min.nodes, maxNodes: pool.cost.max.nodes },
                autoscaling: pool.autoscaling !== undefined,
                spot: pool.spot,
                estimatedCost: pool.cost,
            })),
        );
        this.estimatedGpuCost = pulumi.output(plan.cost);
        this.estimatedEndpointPickerCost = pulumi.output(plan.endpointPickerCost);
        this.dashboardUrl = dashboard === undefined ? pulumi.output(undefined) : dashboard.url;
        this.apiKeysRequired = pulumi.output(plan.apiKeysRequired);
        this.certificateDnsRecord = certificate === undefined ? pulumi.output(undefined) : certificate.dnsRecord;
        this.registerOutputs({
            apiKeysRequired: this.apiKeysRequired,
            certificateDnsRecord: this.certificateDnsRecord,
            gatewayAddress: this.gatewayAddress,
            models: this.models,
            nodePools: this.nodePools,
            dashboardUrl: this.dashboardUrl,
            estimatedGpuCost: this.estimatedGpuCost,
            estimatedEndpointPickerCost: this.estimatedEndpointPickerCost,
        });
    }
}
