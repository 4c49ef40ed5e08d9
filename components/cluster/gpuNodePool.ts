import * as container from "@pulumi/gcp/container";
import * as pulumi from "@pulumi/pulumi";
import { childOptions } from "../childOptions";
import { shortHash } from "../names";
import type { NodePoolSpec } from "./nodePoolPlan";

/** The cluster a node pool joins: from config for an existing cluster, or the outputs of the
 * cluster this stack creates, so that the pool waits for it. */
export interface NodePoolCluster {
    /** Google Cloud project ID. */
    project: pulumi.Input<string>;
    /** The cluster's region or zone. */
    location: pulumi.Input<string>;
    /** The cluster's name. */
    name: pulumi.Input<string>;
}

/** Arguments of {@link GpuNodePool}: a resolved node pool (see `planServing`) and its cluster. */
export interface GpuNodePoolArgs extends NodePoolSpec {
    /** The GKE cluster the pool joins. */
    cluster: NodePoolCluster;
}

/**
 * The `nodeConfig` fields GKE cannot change on a running pool: changing one replaces the pool.
 * (Machine type, disk size and type, labels, taints, image type and workload metadata change in
 * place, node by node, through a surge upgrade.)
 */
export const REPLACING_NODE_CONFIG_FIELDS = ["guestAccelerators", "spot", "serviceAccount", "oauthScopes", "metadata", "shieldedInstanceConfig"] as const;

/** The node settings every pool of ours shares: a dedicated service account whose roles (not
 * the scopes) limit what nodes may do, Workload Identity's metadata server instead of the
 * node's, shielded VMs with secure boot, and no legacy metadata endpoints. */
export function hardenedNodeConfig<T extends pulumi.Input<string>>(serviceAccountEmail: T) {
    return {
        serviceAccount: serviceAccountEmail,
        oauthScopes: ["https://www.googleapis.com/auth/cloud-platform"],
        workloadMetadataConfig: { mode: "GKE_METADATA" },
        shieldedInstanceConfig: { enableSecureBoot: true, enableIntegrityMonitoring: true },
        metadata: { "disable-legacy-endpoints": "true" },
    };
}

/** The node config of the pool, before it is named. */
function nodeConfig(args: GpuNodePoolArgs): container.NodePoolArgs["nodeConfig"] {
    return {
        machineType: args.machineType,
        spot: args.spot,
        diskSizeGb: args.diskSizeGb,
        diskType: "pd-balanced",
        labels: args.labels,
        gcfsConfig: { enabled: args.imageStreaming },
        guestAccelerators: [
            {
                type: args.accelerator,
                count: args.gpusPerNode,
                gpuDriverInstallationConfig: { gpuDriverVersion: args.driverVersion },
            },
        ],
        ...hardenedNodeConfig(args.serviceAccountEmail),
    };
}

/**
 * The pool's GKE name: its key and a hash of the fields that replace it. A change that needs a
 * new pool therefore gets a new name, so Pulumi creates the new pool beside the old one, and
 * deletes the old one (GKE drains its nodes, honouring PodDisruptionBudgets) only after
 * everything else is updated. With a fixed name the replacement would have to delete first.
 */
export function gkeNodePoolName(args: GpuNodePoolArgs): string {
    const config = nodeConfig(args) as Record<string, unknown>;
    const replacing = REPLACING_NODE_CONFIG_FIELDS.map((field) => [field, config[field]]);
    return `${args.key}-${shortHash(JSON.stringify(replacing))}`;
}

/**
 * The GKE node pool spec. GKE taints GPU nodes with `nvidia.com/gpu=present:NoSchedule` and
 * labels them `cloud.google.com/gke-accelerator` itself; declaring that taint again fails, so
 * it is not declared.
 */
export function nodePoolSpec(args: GpuNodePoolArgs): container.NodePoolArgs {
    return {
        project: args.cluster.project,
        location: args.cluster.location,
        cluster: args.cluster.name,
        name: gkeNodePoolName(args),
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
        nodeConfig: nodeConfig(args),
    };
}

/** A GPU node pool on a GKE cluster, for the model servers of one accelerator type. */
export class GpuNodePool extends pulumi.ComponentResource {
    /** The GKE node pool. */
    public readonly nodePool: container.NodePool;
    /** The node pool's name in GKE. */
    public readonly poolName: pulumi.Output<string>;

    constructor(name: string, args: GpuNodePoolArgs, opts?: pulumi.ComponentResourceOptions) {
        super("multi-model-inference:index:GpuNodePool", name, {}, opts);
        this.nodePool = new container.NodePool(`${name}-pool`, nodePoolSpec(args), { ...childOptions(this, opts), protect: args.protect });
        this.poolName = this.nodePool.name;
        this.registerOutputs({ poolName: this.poolName });
    }
}
