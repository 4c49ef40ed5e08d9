/**
 * The system pool in the plan: which pods the cluster's non-GPU nodes must hold (one Endpoint
 * Picker per model and EPP replica, at what its chart line requests or config sets; the model
 * list; istiod and Istio's gateway proxy where used; GKE's own pods), the machine type and node
 * count of the pool `cluster.create` makes, and what the EPPs cost. Pure; problems name their
 * config key.
 */
import type { ConfigProblem } from "../config/configErrors";
import type { ParsedServingConfig } from "../config/configSchema";
import type { ChartValues } from "../config/servingConfig";
import type { InferencePoolLine, ResourceRequests } from "../catalogs/charts/releaseLine";
import {
    EndpointPickerCost,
    GKE_SYSTEM_PODS,
    SYSTEM_MACHINE_TYPES,
    SystemPod,
    allocatable,
    endpointPickerCost,
    smallestSystemMachine,
    systemMachineType,
    systemNodesNeeded,
} from "./systemCapacity";

/** The model list's pods (components/modelList/modelCatalog.ts): two small nginx replicas. */
export const MODEL_CATALOG_POD = { replicas: 2, resources: { requests: { cpu: "10m", memory: "32Mi" }, limits: { memory: "64Mi" } } } as const;

/** istiod's requests: `pilot.resources.requests` cpu 500m, memory 2048Mi, one replica at least
 * (`autoscaleMin: 1`), istio/istio manifests/charts/istio-control/istio-discovery/values.yaml at
 * 1.30.3 (the newest 1.30 tag readable here; the default installs 1.30.5). */
const ISTIOD_REQUESTS: ResourceRequests = { cpu: 0.5, memoryGiB: 2 };
/** The proxy Istio deploys for the Gateway: `global.proxy.resources.requests` cpu 100m, memory
 * 128Mi (same file and tag). */
const ISTIO_GATEWAY_REQUESTS: ResourceRequests = { cpu: 0.1, memoryGiB: 0.125 };

const MEMORY_UNITS: Record<string, number> = { Ki: 2 ** 10, Mi: 2 ** 20, Gi: 2 ** 30, Ti: 2 ** 40, k: 1e3, M: 1e6, G: 1e9, T: 1e12, "": 1 };

/** A Kubernetes CPU quantity in vCPUs (`4`, `500m`), or undefined when it is not one. */
export function cpuQuantity(value: unknown): number | undefined {
    const match = /^(\d+(?:\.\d+)?)(m?)$/.exec(String(value ?? ""));
    return match === null ? undefined : Number(match[1]) / (match[2] === "m" ? 1000 : 1);
}

/** A Kubernetes memory quantity in GiB (`8Gi`, `512Mi`, `1G`), or undefined when it is not one. */
export function memoryQuantityGiB(value: unknown): number | undefined {
    const match = /^(\d+(?:\.\d+)?)(Ki|Mi|Gi|Ti|k|M|G|T|)$/.exec(String(value ?? ""));
    return match === null ? undefined : (Number(match[1]) * MEMORY_UNITS[match[2]]) / 2 ** 30;
}

/** What an inferencepool release's EPP requests: config's `resources.requests` where set, else
 * the line's default; undefined where neither sets any. */
export function endpointPickerRequests(line: InferencePoolLine, values: ChartValues): ResourceRequests | undefined {
    const defaults = line.endpointPickerResources;
    if (defaults === undefined) return undefined;
    const at = defaults.valuesPath.split(".").reduce<unknown>((v, key) => (v as ChartValues | undefined)?.[key], values) as ChartValues | undefined;
    const requests = at?.["requests"] as Record<string, unknown> | undefined;
    return { cpu: cpuQuantity(requests?.["cpu"]) ?? defaults.requests.cpu, memoryGiB: memoryQuantityGiB(requests?.["memory"]) ?? defaults.requests.memoryGiB };
}

/** A model's pool values and name, as the system pool sees it. */
export interface SystemPoolModel {
    /** Client-facing name, for messages. */
    name: string;
    /** Values of its inferencepool release. */
    poolValues: ChartValues;
}

/** The EPP pods of every model that request anything. */
export function endpointPickerPods(line: InferencePoolLine, models: readonly SystemPoolModel[]): SystemPod[] {
    return models.flatMap((model) => {
        const requests = endpointPickerRequests(line, model.poolValues);
        const replicas = Number(model.poolValues["inferenceExtension"]?.["replicas"] ?? 1);
        return requests === undefined ? [] : Array.from({ length: replicas }, () => ({ name: `the Endpoint Picker of ${model.name}`, requests }));
    });
}

/** Every pod the non-GPU nodes hold, beside GKE's per-node ones. BBR requests nothing at any
 * line we have read (templates/bbr.yaml sets no resources), so it takes no room in the count. */
export function systemPods(config: ParsedServingConfig, endpointPickers: readonly SystemPod[]): SystemPod[] {
    const catalog = { cpu: cpuQuantity(MODEL_CATALOG_POD.resources.requests.cpu)!, memoryGiB: memoryQuantityGiB(MODEL_CATALOG_POD.resources.requests.memory)! };
    return [
        ...endpointPickers,
        ...Array.from({ length: MODEL_CATALOG_POD.replicas }, () => ({ name: "the model list", requests: catalog })),
        ...(config.istio.install ? [{ name: "istiod", requests: ISTIOD_REQUESTS }] : []),
        ...(config.provider.name === "istio" ? [{ name: "Istio's gateway proxy", requests: ISTIO_GATEWAY_REQUESTS }] : []),
        { name: "GKE's cluster-wide pods", requests: GKE_SYSTEM_PODS.perCluster },
    ];
}

/** The system pool `cluster.create` makes, sized for `pods`. */
export interface PlannedSystemPool {
    /** Machine type. */
    machineType: string;
    /** Nodes per zone. */
    nodeCountPerZone: number;
    /** Zones of the pool: three for a regional cluster, one for a zonal one. */
    zones: number;
}

const fmt = (n: number) => String(Math.round(n * 100) / 100);
const describe = (r: ResourceRequests) => `${fmt(r.cpu)} vCPU and ${fmt(r.memoryGiB)} GiB`;

/** The machine type (config's, or the smallest that holds the largest pod) and nodes per zone
 * (config's, or enough for every pod), or the problems that none holds them. */
export function planSystemPool(
    create: NonNullable<ParsedServingConfig["cluster"]["create"]>,
    location: string,
    pods: readonly SystemPod[],
): { pool?: PlannedSystemPool; problems: ConfigProblem[] } {
    const zones = /-[a-z]$/.test(location) ? 1 : 3;
    const machine = create.systemMachineType === undefined ? smallestSystemMachine(pods) : systemMachineType(create.systemMachineType);
    const largest = [...pods].sort((a, b) => b.requests.cpu - a.requests.cpu)[0];
    if (machine === undefined) {
        return {
            problems: [
                create.systemMachineType === undefined
                    ? {
                          path: "cluster.create.systemMachineType",
                          message: `no machine type the plan knows holds ${largest.name} (${describe(largest.requests)}); lower charts.inferencePool.values.inferenceExtension.resources.requests`,
                      }
                    : {
                          path: "cluster.create.systemMachineType",
                          message: `got ${JSON.stringify(create.systemMachineType)}; the plan sizes the system pool from a machine's allocatable CPU and memory and knows ${SYSTEM_MACHINE_TYPES.map((m) => m.name).join(", ")}`,
                      },
            ],
        };
    }
    const needed = systemNodesNeeded(pods, machine);
    if (needed === undefined) {
        const room = allocatable(machine);
        return {
            problems: [
                {
                    path: "cluster.create.systemMachineType",
                    message:
                        `${machine.name} cannot hold ${largest.name}, which requests ${describe(largest.requests)}: a node allocates ` +
                        `${describe(room)} (GKE's reservations), of which GKE's own pods take about ${describe(GKE_SYSTEM_PODS.perNode)}; ` +
                        `use ${smallestSystemMachine(pods)?.name ?? "a larger machine type"}, or lower charts.inferencePool.values.inferenceExtension.resources.requests`,
                },
            ],
        };
    }
    const perZone = Math.ceil(needed / zones);
    if (create.systemNodeCount !== undefined && create.systemNodeCount < perZone) {
        return {
            problems: [
                {
                    path: "cluster.create.systemNodeCount",
                    message:
                        `got ${create.systemNodeCount} per zone (${create.systemNodeCount * zones} nodes); ${pods.length} pods, ${pods.filter((p) => p.name.startsWith("the Endpoint Picker")).length} of them Endpoint Pickers, ` +
                        `need ${needed} ${machine.name} nodes: set it to ${perZone} or more, or leave it out to derive it`,
                },
            ],
        };
    }
    return { pool: { machineType: machine.name, nodeCountPerZone: create.systemNodeCount ?? perZone, zones }, problems: [] };
}

/** What the EPPs cost: at the created pool's machine's rates, else at e2-standard's (an existing
 * cluster's machine types are not known to the plan); undefined when they request nothing. */
export function plannedEndpointPickerCost(endpointPickers: readonly SystemPod[], pool: PlannedSystemPool | undefined): EndpointPickerCost | undefined {
    if (endpointPickers.length === 0) return undefined;
    return endpointPickerCost(endpointPickers, systemMachineType(pool?.machineType ?? "e2-standard-4")!);
}
