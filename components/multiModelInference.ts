import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { BodyBasedRouter } from "./bodyBasedRouter";
import { GpuNodePool } from "./gpuNodePool";
import { InferenceGateway } from "./inferenceGateway";
import { InferencePool } from "./inferencePool";
import { HF_TOKEN_SECRET, ModelServer } from "./modelServer";
import { ModelRoute } from "./modelRoute";
import type { ServingConfig } from "./servingConfig";
import { CostRange, PlannedGpu, planServing } from "./servingPlan";

/** Arguments of {@link MultiModelInference}: what to serve, and the Hugging Face token. */
export interface MultiModelInferenceArgs extends ServingConfig {
    /** Hugging Face token for gated models; keep it a Pulumi secret. */
    hfToken: pulumi.Input<string>;
}

/** What clients and operators need to know about one served model. */
export interface ServedModel {
    /** The name clients send as `model`. */
    name: string;
    /** Hugging Face model ID. */
    huggingFaceId: string;
    /** Accelerator and GPUs per replica. */
    gpu: PlannedGpu;
    /** vLLM pods. */
    replicas: number;
    /** InferencePool name. */
    pool: string;
    /** HTTPRoute name. */
    route: string;
    /** GKE node pool the pods run on. */
    nodePool: string;
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

/**
 * Serves several models behind one Gateway: a GPU node pool per accelerator type, the
 * Body-Based Router, and per model a vLLM Deployment, an InferencePool with its Endpoint Picker
 * and an HTTPRoute matching the model's name. Serving one more model is one more list entry.
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
     * prices, GPUs only). */
    public readonly estimatedGpuCost: pulumi.Output<CostRange>;

    constructor(name: string, args: MultiModelInferenceArgs, opts?: pulumi.ComponentResourceOptions) {
        const { hfToken, ...config } = args;
        // Planned before super(): a bad config throws before any resource is registered.
        const plan = planServing(config);
        super("multi-model-inference:index:MultiModelInference", name, {}, opts);
        const child = { parent: this };

        const nodePools = new Map(
            plan.nodePools.map((pool) => [
                pool.name,
                new GpuNodePool(`${name}-${pool.name}`, { ...pool, cluster: plan.cluster }, child),
            ]),
        );
        const hfTokenSecret = new k8s.core.v1.Secret(
            `${name}-hf-token`,
            {
                metadata: { name: HF_TOKEN_SECRET.name, namespace: plan.namespace },
                type: "Opaque",
                stringData: { [HF_TOKEN_SECRET.key]: pulumi.secret(hfToken) },
            },
            child,
        );
        const gateway = new InferenceGateway(
            `${name}-gateway`,
            {
                gatewayName: plan.gatewayName,
                namespace: plan.namespace,
                gatewayClassName: plan.gatewayClassName,
                inferenceCrdsVersion: plan.installInferenceCrds ? plan.inferencePoolChart.version : undefined,
            },
            child,
        );
        new BodyBasedRouter(
            `${name}-bbr`,
            { namespace: plan.namespace, chart: plan.bodyBasedRoutingChart },
            { parent: this, dependsOn: [gateway] },
        );

        for (const model of plan.models) {
            const nodePool = nodePools.get(model.nodePool);
            new ModelServer(
                `${name}-${model.key}`,
                { model, namespace: plan.namespace, image: plan.vllmImage },
                { parent: this, dependsOn: [hfTokenSecret, ...(nodePool ? [nodePool] : [])] },
            );
            const pool = new InferencePool(
                `${name}-${model.key}`,
                {
                    releaseName: model.names.pool,
                    namespace: plan.namespace,
                    chart: plan.inferencePoolChart,
                    values: model.poolValues,
                    endpointPickerTls: plan.provider.endpointPickerTls,
                },
                // The CRDs must exist before the chart's InferencePool.
                { parent: this, dependsOn: [gateway] },
            );
            new ModelRoute(
                `${name}-${model.key}`,
                {
                    routeName: model.names.route,
                    namespace: plan.namespace,
                    gatewayName: plan.gatewayName,
                    modelName: model.name,
                    poolName: model.names.pool,
                },
                { parent: this, dependsOn: [gateway, pool] },
            );
        }

        this.gatewayAddress = gateway.address;
        this.models = pulumi.output(
            plan.models.map((m) => ({
                name: m.name,
                huggingFaceId: m.huggingFaceId,
                gpu: m.gpu,
                replicas: m.replicas,
                pool: m.names.pool,
                route: m.names.route,
                nodePool: m.nodePool,
            })),
        );
        this.nodePools = pulumi.output(
            plan.nodePools.map((pool) => ({
                name: pool.name,
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
        this.registerOutputs({
            gatewayAddress: this.gatewayAddress,
            models: this.models,
            nodePools: this.nodePools,
            estimatedGpuCost: this.estimatedGpuCost,
        });
    }
}
