/**
 * Capacity and cost arithmetic: the GPU memory a model replica needs and has, how many nodes
 * hold a set of pods, what nodes cost, and which GPUs would fit a model that does not. Pure.
 */
import { ACCELERATOR_TYPES, AcceleratorType, HOURS_PER_MONTH, gpuCatalogEntry } from "../catalogs/gpuCatalog";
import { BYTES_PER_PARAMETER, Precision } from "../config/modelConfig";

/** vLLM's default `--gpu-memory-utilization`: the share of GPU memory it may use. */
export const GPU_MEMORY_UTILIZATION = 0.9;

/** The estimated GPU memory of one model replica. */
export interface MemoryEstimate {
    /** Parameter count in billions. */
    parametersBillions: number;
    /** Weights in GB: parameters × bytes per parameter. */
    weightsGb: number;
    /** Weights plus the reserve for vLLM's profiling run (`kvCacheReserveGb`). */
    requiredGb: number;
    /** What vLLM may use on the replica's GPUs: memory × count × utilisation. */
    usableGb: number;
}

/** Hourly and monthly USD cost of a number of nodes. */
export interface CostEstimate {
    /** Nodes counted. */
    nodes: number;
    /** GPUs counted. */
    gpus: number;
    /** On-demand USD per hour. */
    onDemandHourly: number;
    /** On-demand USD per month. */
    onDemandMonthly: number;
    /** Spot USD per hour. */
    spotHourly: number;
    /** Spot USD per month. */
    spotMonthly: number;
}

/** Cost at the smallest and largest size. */
export interface CostRange {
    /** At the smallest size. */
    min: CostEstimate;
    /** At the largest size. */
    max: CostEstimate;
}

export const round2 = (n: number) => Math.round(n * 100) / 100;

/** The cost of `nodes` nodes of `gpusPerNode` GPUs of `accelerator`, from the catalog. */
export function costOf(accelerator: AcceleratorType, gpusPerNode: number, nodes: number): CostEstimate {
    const entry = gpuCatalogEntry(accelerator);
    const gpus = nodes * gpusPerNode;
    const onDemandHourly = gpus * entry.onDemandUsdPerGpuHour;
    const spotHourly = gpus * entry.spotUsdPerGpuHour;
    return {
        nodes,
        gpus,
        onDemandHourly: round2(onDemandHourly),
        onDemandMonthly: round2(onDemandHourly * HOURS_PER_MONTH),
        spotHourly: round2(spotHourly),
        spotMonthly: round2(spotHourly * HOURS_PER_MONTH),
    };
}

/** The sum of several cost estimates. */
export function addCosts(costs: CostEstimate[]): CostEstimate {
    const sum = (f: (c: CostEstimate) => number) => round2(costs.reduce((total, c) => total + f(c), 0));
    return {
        nodes: sum((c) => c.nodes),
        gpus: sum((c) => c.gpus),
        onDemandHourly: sum((c) => c.onDemandHourly),
        onDemandMonthly: sum((c) => c.onDemandMonthly),
        spotHourly: sum((c) => c.spotHourly),
        spotMonthly: sum((c) => c.spotMonthly),
    };
}

/** Nodes of `gpusPerNode` GPUs needed to place pods needing `podGpus` GPUs each, first-fit
 * decreasing (a pod's GPUs must all be on one node). */
export function nodesNeeded(podGpus: number[], gpusPerNode: number): number {
    const free: number[] = [];
    for (const gpus of [...podGpus].sort((a, b) => b - a)) {
        const node = free.findIndex((f) => f >= gpus);
        if (node === -1) free.push(gpusPerNode - gpus);
        else free[node] -= gpus;
    }
    return free.length;
}

/** Estimates the GPU memory one replica needs and has. */
export function estimateMemory(
    parametersBillions: number,
    precision: Precision,
    kvCacheReserveGb: number,
    accelerator: AcceleratorType,
    gpuCount: number,
): MemoryEstimate {
    const weightsGb = parametersBillions * BYTES_PER_PARAMETER[precision];
    return {
        parametersBillions,
        weightsGb: round2(weightsGb),
        requiredGb: round2(weightsGb + kvCacheReserveGb),
        usableGb: round2(gpuCatalogEntry(accelerator).memoryGb * gpuCount * GPU_MEMORY_UTILIZATION),
    };
}

/** The cheapest accelerator and GPU count (1, 2, 4 or 8 on one node) whose memory holds
 * `requiredGb`, as a sentence for an error message. */
export function proposeFittingGpus(requiredGb: number, current: AcceleratorType): string {
    return proposeGpus((type, count) => gpuCatalogEntry(type).memoryGb * count * GPU_MEMORY_UTILIZATION >= requiredGb, current);
}

/** The cheapest accelerator and GPU count (1, 2, 4 or 8 on one node) for which `fits` holds, as
 * a sentence for an error message: the same type's first, when it is not the cheapest. */
export function proposeGpus(fits: (type: AcceleratorType, count: number) => boolean, current: AcceleratorType): string {
    const options: { type: AcceleratorType; count: number; hourly: number }[] = [];
    for (const type of ACCELERATOR_TYPES) {
        const entry = gpuCatalogEntry(type);
        const maxPerNode = Math.max(...entry.machineTypes.map((m) => m.gpus));
        const count = [1, 2, 4, 8].find((n) => n <= maxPerNode && fits(type, n));
        if (count !== undefined) options.push({ type, count, hourly: count * entry.onDemandUsdPerGpuHour });
    }
    if (options.length === 0) {
        return "no accelerator in the catalog holds it on one node: use a lower precision (precision: fp8 or int4) or a smaller model";
    }
    options.sort((a, b) => a.hourly - b.hourly);
    const describe = (o: { type: AcceleratorType; count: number; hourly: number }) =>
        `gpu: {type: ${o.type}, count: ${o.count}} (${round2(o.hourly)} USD/h on demand)`;
    const sameType = options.find((o) => o.type === current);
    const cheapest = options[0];
    return sameType === undefined || sameType === cheapest
        ? `the cheapest fitting choice is ${describe(cheapest)}`
        : `use ${describe(sameType)}, or the cheapest fitting choice ${describe(cheapest)}`;
}
