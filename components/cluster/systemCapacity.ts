/**
 * The cluster's non-GPU capacity: the GPU nodes are tainted, so the Endpoint Pickers, BBR, the
 * model list, istiod and GKE's own pods run on the other nodes; with `cluster.create`, the system
 * pool this stack makes. From v1.5.0 each EPP requests 4 vCPU and 8 GiB, more than an
 * e2-standard-4 node can allocate, so the plan sizes that pool for one EPP per model (and per EPP
 * replica), refuses a size that cannot hold them, and prices what the EPPs request. Pure.
 *
 * Sources (read 2026-12-01):
 * - Allocatable CPU and memory: GKE "Plan GKE Standard node sizes", section "Memory and CPU
 *   reservations" (https://cloud.google.com/kubernetes-engine/docs/concepts/plan-node-sizes):
 *   memory 25% of the first 4 GiB, 20% of the next 4, 10% of the next 8, 6% of the next 112, 2%
 *   above 128, plus 100 MiB for eviction; CPU 6% of the first core, 1% of the second, 0.5% of the
 *   next two, 0.25% above four (its example: an e2-standard-4 node allocates `cpu: 3920m`).
 * - Machine shapes: Compute Engine "General-purpose machine family" (E2 and N2 standard: 4 GB per
 *   vCPU). Prices: the Cloud Billing Catalog, Compute Engine SKUs "E2 Instance Core/Ram" and "N2
 *   Instance Core/Ram", us-central1, on demand, as published on 2025-03-06 (the date of the GPU
 *   prices in gpuCatalog.ts); not re-read from here.
 * - A regional cluster's node pool has nodes in three zones ("By default, GKE replicates each node
 *   pool across three zones of the control plane's region", GKE "Regional clusters").
 */
import type { ResourceRequests } from "../catalogs/charts/releaseLine";
import { HOURS_PER_MONTH } from "../catalogs/gpuCatalog";
import { round2 } from "./capacity";

/** A machine type the system pool may use. */
export interface SystemMachineType {
    /** Compute Engine machine type. */
    name: string;
    /** vCPUs. */
    vcpus: number;
    /** Memory in GB (GiB, as Compute Engine counts it). */
    memoryGb: number;
    /** On-demand USD per hour, us-central1. */
    onDemandUsdPerHour: number;
}

/** On-demand USD per vCPU-hour and per GB-hour of the families, us-central1 (see the sources). */
const FAMILY_PRICES = { e2: { vcpu: 0.021811, gb: 0.002923 }, n2: { vcpu: 0.031611, gb: 0.004237 } } as const;

const standard = (family: keyof typeof FAMILY_PRICES, vcpus: number): SystemMachineType => ({
    name: `${family}-standard-${vcpus}`,
    vcpus,
    memoryGb: vcpus * 4,
    onDemandUsdPerHour: Math.round(1e6 * (vcpus * FAMILY_PRICES[family].vcpu + vcpus * 4 * FAMILY_PRICES[family].gb)) / 1e6,
});

/** The machine types the plan can size the system pool with, smallest first per family. */
export const SYSTEM_MACHINE_TYPES: readonly SystemMachineType[] = [2, 4, 8, 16, 32].flatMap((n) => [standard("e2", n), standard("n2", n)]);

/** The machine types the plan picks from when config names none: e2-standard-4 (the pool's
 * machine before EPPs had requests) and larger. */
const DERIVED_MACHINE_TYPES = SYSTEM_MACHINE_TYPES.filter((m) => m.name.startsWith("e2-") && m.vcpus >= 4);

/** vCPUs GKE keeps for the node itself (see the sources). */
export function reservedCpu(vcpus: number): number {
    const tiers: [number, number][] = [
        [1, 0.06],
        [1, 0.01],
        [2, 0.005],
        [Infinity, 0.0025],
    ];
    return reserveByTiers(vcpus, tiers);
}

/** GiB of memory GKE keeps for the node itself, eviction threshold included (see the sources). */
export function reservedMemoryGiB(memoryGiB: number): number {
    const tiers: [number, number][] = [
        [4, 0.25],
        [4, 0.2],
        [8, 0.1],
        [112, 0.06],
        [Infinity, 0.02],
    ];
    return reserveByTiers(memoryGiB, tiers) + 100 / 1024;
}

function reserveByTiers(amount: number, tiers: [number, number][]): number {
    let left = amount;
    let reserved = 0;
    for (const [size, share] of tiers) {
        const part = Math.min(left, size);
        reserved += part * share;
        left -= part;
    }
    return reserved;
}

/** What one node of `machine` offers pods: its allocatable CPU and memory. */
export function allocatable(machine: SystemMachineType): ResourceRequests {
    return { cpu: machine.vcpus - reservedCpu(machine.vcpus), memoryGiB: machine.memoryGb - reservedMemoryGiB(machine.memoryGb) };
}

/**
 * What GKE's own pods request, which no public page lists: on every node its DaemonSets (logging,
 * metrics agent, Dataplane V2, the CSI drivers, Managed Prometheus' collector), and once per
 * cluster its Deployments (kube-dns, metrics-server, konnectivity, the default backend, event
 * exporter). Our estimate, on the high side; `kubectl describe node` on a live node settles it.
 */
export const GKE_SYSTEM_PODS = {
    perNode: { cpu: 0.5, memoryGiB: 1 },
    perCluster: { cpu: 0.5, memoryGiB: 1 },
} as const satisfies Record<string, ResourceRequests>;

/** One pod the system pool must hold. */
export interface SystemPod {
    /** What it is, for messages. */
    name: string;
    /** What it requests. */
    requests: ResourceRequests;
}

/** Nodes of `machine` that hold `pods`, first-fit decreasing by CPU then memory (a pod must fit on
 * one node), or undefined when some pod fits on no node of that machine. */
export function systemNodesNeeded(pods: readonly SystemPod[], machine: SystemMachineType): number | undefined {
    const room = allocatable(machine);
    const free: ResourceRequests[] = [];
    const sorted = [...pods].sort((a, b) => b.requests.cpu - a.requests.cpu || b.requests.memoryGiB - a.requests.memoryGiB);
    const perNode = GKE_SYSTEM_PODS.perNode;
    for (const pod of sorted) {
        if (pod.requests.cpu > room.cpu - perNode.cpu || pod.requests.memoryGiB > room.memoryGiB - perNode.memoryGiB) return undefined;
        const node = free.find((f) => f.cpu >= pod.requests.cpu && f.memoryGiB >= pod.requests.memoryGiB);
        const target = node ?? { cpu: room.cpu - perNode.cpu, memoryGiB: room.memoryGiB - perNode.memoryGiB };
        if (node === undefined) free.push(target);
        target.cpu -= pod.requests.cpu;
        target.memoryGiB -= pod.requests.memoryGiB;
    }
    return Math.max(1, free.length);
}

/** The machine type of `name`, or undefined for one the plan cannot size. */
export function systemMachineType(name: string): SystemMachineType | undefined {
    return SYSTEM_MACHINE_TYPES.find((m) => m.name === name);
}

/** The smallest derived machine type that holds every pod (each on one node), if any. */
export function smallestSystemMachine(pods: readonly SystemPod[]): SystemMachineType | undefined {
    return DERIVED_MACHINE_TYPES.find((m) => systemNodesNeeded(pods, m) !== undefined);
}

/** What the Endpoint Pickers request and cost, priced at the system machine's family rates. */
export interface EndpointPickerCost {
    /** EPP pods across all models. */
    endpointPickers: number;
    /** vCPUs they request in all. */
    cpu: number;
    /** GiB of memory they request in all. */
    memoryGiB: number;
    /** The machine type whose list prices were used. */
    pricedAs: string;
    /** On-demand USD per hour of what they request. */
    onDemandHourly: number;
    /** On-demand USD per month. */
    onDemandMonthly: number;
}

/** The Endpoint Pickers' share of `machine`'s price: what they request, at its family's per-vCPU
 * and per-GB rates (E2 and N2 predefined prices are exactly linear in both). */
export function endpointPickerCost(pods: readonly SystemPod[], machine: SystemMachineType): EndpointPickerCost {
    const cpu = pods.reduce((n, p) => n + p.requests.cpu, 0);
    const memoryGiB = pods.reduce((n, p) => n + p.requests.memoryGiB, 0);
    const rates = FAMILY_PRICES[machine.name.startsWith("n2-") ? "n2" : "e2"];
    const hourly = cpu * rates.vcpu + memoryGiB * rates.gb;
    return {
        endpointPickers: pods.length,
        cpu,
        memoryGiB,
        pricedAs: machine.name,
        onDemandHourly: round2(hourly),
        onDemandMonthly: round2(hourly * HOURS_PER_MONTH),
    };
}
