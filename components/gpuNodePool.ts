import * as container from "@pulumi/gcp/container";
import * as pulumi from "@pulumi/pulumi";
import type { NodePoolSpec } from "./servingPlan";
import type { ClusterConfig } from "./servingConfig";

/** Arguments of {@link GpuNodePool}: a resolved node pool (see `planServing`) and its cluster. */
export interface GpuNodePoolArgs extends NodePoolSpec {
    /** The existing GKE cluster the pool joins. */
    cluster: ClusterConfig;
}

/**
 * The GKE node pool spec. GKE taints GPU nodes with `nvidia.com/gpu=present:NoSchedule` and
 * labels them `cloud.google.com/gke-accelerator` itself; declaring that taint again fails, so
 * it is not declared. Accelerators, driver version and taints replace the whole pool when
 * changed.
 */
export function nodePoolSpec(args: GpuNodePoolArgs): container.NodePoolArgs {
    return {
        project: args.cluster.project,
        location: args.cluster.location,
        cluster: args.cluster.name,
        name: args.name,
        nodeLocations: args.zones.length > 0 ? args.zones : undefined,
        nodeCount: args.nodeCountPerZone,
        autoscaling:
            args.autoscaling === undefined
                ? undefined
                : {
                      totalMinNodeCount: args.autoscaling.minNodes,
                      totalMaxNodeCount: args.autoscaling.maxNodes,
                      locationPolicy: "ANY",
                  },
        management: { autoRepair: true, autoUpgrade: true },
        nodeConfig: {
            machineType: args.machineType,
            spot: args.spot,
            diskSizeGb: args.diskSizeGb,
            diskType: "pd-balanced",
            labels: args.labels,
            guestAccelerators: [
                {
                    type: args.accelerator,
                    count: args.gpusPerNode,
                    gpuDriverInstallationConfig: { gpuDriverVersion: args.driverVersion },
                },
            ],
            oauthScopes: ["https://www.googleapis.com/auth/cloud-platform"],
            workloadMetadataConfig: { mode: "GKE_METADATA" },
            shieldedInstanceConfig: { enableSecureBoot: true, enableIntegrityMonitoring: true },
            metadata: { "disable-legacy-endpoints": "true" },
        },
    };
}

/** A GPU node pool on an existing GKE cluster, for the model servers of one accelerator type. */
export class GpuNodePool extends pulumi.ComponentResource {
    /** The GKE node pool. */
    public readonly nodePool: container.NodePool;
    /** The node pool's name in GKE. */
    public readonly poolName: pulumi.Output<string>;

    constructor(name: string, args: GpuNodePoolArgs, opts?: pulumi.ComponentResourceOptions) {
        super("multi-model-inference:index:GpuNodePool", name, {}, opts);
        this.nodePool = new container.NodePool(`${name}-pool`, nodePoolSpec(args), { parent: this });
        this.poolName = this.nodePool.name;
        this.registerOutputs({ poolName: this.poolName });
    }
}
