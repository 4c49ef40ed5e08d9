/**
 * The GPU node pools of a config, resolved: one per accelerator type in use, its machine type,
 * zones, size and cost, checked against the replicas scheduled on it. Pure; problems name their
 * config key.
 */
import type { ConfigProblem } from "../config/configErrors";
import { ParsedNodePoolConfig, ParsedServingConfig, nodePoolSchema } from "../config/configSchema";
import type { GpuDriverVersion, NodeAutoscalingConfig } from "../config/servingConfig";
import { GkeClusterRef, gkeCluster } from "../catalogs/clusterPlatforms";
import { MAX_NODES_PER_POOL_ZONE } from "../config/valueRules";
import { CostRange, costOf, nodesNeeded } from "./capacity";
import { ACCELERATOR_TYPES, AcceleratorType, GPU_CATALOG, GpuMachineType, smallestMachineType } from "../catalogs/gpuCatalog";
import type { ModelDraft } from "../modelServers/modelPlan";
import { nodePoolName, nodeServiceAccountId } from "../names";

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

/** The GPU nodes' Google service account. */
export interface PlannedNodeServiceAccount {
    /** Its email. */
    email: string;
    /** The account ID to create, or undefined when config names an existing account. */
    createAccountId?: string;
}

/** One accelerator's node pool, from its settings and the models on it. */
export function planNodePool(
    accelerator: AcceleratorType,
    settings: ParsedNodePoolConfig,
    models: ModelDraft[],
    cluster: GkeClusterRef,
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
    // A pool's zones may be any in the cluster's region, a zonal cluster's too (a multi-zonal
    // cluster): "Nodes must be in the region of their regional cluster or in the same region as
    // their cluster's zone for zonal clusters" (@pulumi/gcp container.NodePool nodeLocations).
    const region = regional ? cluster.location : cluster.location.replace(/-[a-z]$/, "");
    for (const zone of (settings.zones ?? []).filter((z) => !z.startsWith(`${region}-`))) {
        problems.push({
            path: `${base}.zones`,
            message: `got ${JSON.stringify(zone)}, which is not in the cluster's region ${region}`,
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
    const nodeCountPerZone = settings.autoscaling === undefined ? (settings.nodeCount ?? Math.ceil(needed / zoneCount)) : undefined;
    if (nodeCountPerZone !== undefined) {
        if (nodeCountPerZone > MAX_NODES_PER_POOL_ZONE) {
            problems.push({
                path: `${base}.nodeCount`,
                message:
                    `the replicas scheduled on it (${replicaList}) need ${needed} node(s) of ${machine.name}, ${nodeCountPerZone} per ` +
                    `zone in ${zoneCount} zone(s): GKE allows at most ${MAX_NODES_PER_POOL_ZONE} nodes per node pool per zone. ` +
                    "Add zones, pick a machine type with more GPUs, or lower replicas",
            });
        } else if (nodeCountPerZone * zoneCount < needed) {
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
    const canSurge = new Set(models.filter((m) => nodesNeeded([...podGpus, m.config.gpu.count], machine.gpus) <= capacity).map((m) => m.index));
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
export function planNodeServiceAccount(config: ParsedServingConfig): PlannedNodeServiceAccount {
    if (config.nodeServiceAccountEmail !== undefined) return { email: config.nodeServiceAccountEmail };
    const cluster = gkeCluster(config.cluster);
    const id = nodeServiceAccountId("gpu", cluster, config.namespace);
    return { email: `${id}@${cluster.project}.iam.gserviceaccount.com`, createAccountId: id };
}

/** One node pool per accelerator type the models use; `canSurge` holds the indexes of the
 * models whose pool has room for one more replica. */
export function planNodePools(
    config: ParsedServingConfig,
    drafts: ModelDraft[],
    serviceAccountEmail: string,
): { pools: PlannedNodePool[]; canSurge: Set<number>; problems: ConfigProblem[] } {
    const pools: PlannedNodePool[] = [];
    const canSurge = new Set<number>();
    const problems: ConfigProblem[] = [];
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
        const planned = planNodePool(accelerator, settings ?? nodePoolSchema.parse({}), onPool, gkeCluster(config.cluster), serviceAccountEmail);
        problems.push(...planned.problems);
        planned.canSurge.forEach((index) => canSurge.add(index));
        if (planned.pool !== undefined) pools.push(planned.pool);
    }
    return { pools, canSurge, problems };
}
