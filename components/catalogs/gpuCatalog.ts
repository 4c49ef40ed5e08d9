/**
 * The GKE accelerators we support, as data: GPU memory, the machine types that carry each one
 * and list prices. Node pools derive their machine type from here and are checked against it.
 *
 * Sources (read 2026-11-27; re-check before relying on a price):
 * - Accelerator names, GPU memory and machine shapes: Google Cloud "GPU platforms"
 *   (https://cloud.google.com/compute/docs/gpus) and the GKE GPU docs.
 * - Prices: the Cloud Billing Catalog for Compute Engine, us-central1, as published on
 *   2025-03-06. Only whole-machine prices are published for the A2, A3 and G2 families; the
 *   per-GPU figures here are the machine price less its vCPU, memory and local-SSD share, so the
 *   cost estimate covers the GPUs and not the host. Spot prices change often.
 * - Reported memory: the L4's 23,034 MiB was read on a g2 node (shared/GUIDE.md section 00); the
 *   others are nvidia-smi's totals as NVIDIA's drivers report them (40 GB A100: 40,960 MiB; 80 GB
 *   A100: 81,920 MiB; H100 80 GB HBM3: 81,559 MiB), not read on our machines.
 */

/** One machine type that carries an accelerator. */
export interface GpuMachineType {
    /** Compute Engine machine type, e.g. `g2-standard-8`. */
    name: string;
    /** GPUs attached to each machine of this type. */
    gpus: number;
    /** vCPUs of the machine. */
    vcpus: number;
    /** Memory of the machine in GB. */
    memoryGb: number;
    /** True when Google offers this shape only as Spot or DWS flex-start capacity. */
    spotOrFlexStartOnly?: boolean;
}

/** One accelerator type as GKE names it. */
export interface GpuCatalogEntry {
    /** GKE accelerator type, also the node label `cloud.google.com/gke-accelerator`. */
    accelerator: string;
    /** Human-readable GPU name. */
    displayName: string;
    /** Memory of one GPU in GB. */
    memoryGb: number;
    /** Memory one GPU reports to CUDA in MiB (nvidia-smi's `memory.total`): what vLLM's
     * `gpu_memory_utilization` is a share of. */
    reportedMemoryMib: number;
    /** Machine types that carry it, fewest GPUs first. */
    machineTypes: GpuMachineType[];
    /** List price in USD per GPU-hour, on demand. */
    onDemandUsdPerGpuHour: number;
    /** List price in USD per GPU-hour, Spot. */
    spotUsdPerGpuHour: number;
}

/** Where and when the prices were read. */
export const PRICE_SOURCE = {
    region: "us-central1",
    publishedOn: "2025-03-06",
    source: "Cloud Billing Catalog, Compute Engine SKUs (GPU share of the machine price)",
} as const;

/** Hours in the month used for monthly estimates (730 = 365 × 24 / 12, as Google's calculator). */
export const HOURS_PER_MONTH = 730;

const g2 = (size: number, gpus: number): GpuMachineType => ({
    name: `g2-standard-${size}`,
    gpus,
    vcpus: size,
    memoryGb: size * 4,
});

/**
 * The accelerator types we support, as GKE names them. A const object rather than a bare union so
 * that the cross-language schema gets an enum with these member names.
 */
export const AcceleratorType = {
    /** NVIDIA L4, 24 GB, on G2 machines. */
    NvidiaL4: "nvidia-l4",
    /** NVIDIA A100, 40 GB, on A2 high-GPU and mega-GPU machines. */
    NvidiaTeslaA100: "nvidia-tesla-a100",
    /** NVIDIA A100, 80 GB, on A2 ultra-GPU machines. */
    NvidiaA100_80gb: "nvidia-a100-80gb",
    /** NVIDIA H100, 80 GB, on A3 high-GPU machines. */
    NvidiaH100_80gb: "nvidia-h100-80gb",
} as const;

/** An accelerator type in the catalog. */
export type AcceleratorType = (typeof AcceleratorType)[keyof typeof AcceleratorType];

/** The catalog, keyed by accelerator type. */
export const GPU_CATALOG = {
    "nvidia-l4": {
        accelerator: "nvidia-l4",
        displayName: "NVIDIA L4 24 GB",
        memoryGb: 24,
        reportedMemoryMib: 23034,
        machineTypes: [g2(4, 1), g2(8, 1), g2(12, 1), g2(16, 1), g2(32, 1), g2(24, 2), g2(48, 4), g2(96, 8)],
        onDemandUsdPerGpuHour: 0.56,
        spotUsdPerGpuHour: 0.2231,
    },
    "nvidia-tesla-a100": {
        accelerator: "nvidia-tesla-a100",
        displayName: "NVIDIA A100 40 GB",
        memoryGb: 40,
        reportedMemoryMib: 40960,
        machineTypes: [
            { name: "a2-highgpu-1g", gpus: 1, vcpus: 12, memoryGb: 85 },
            { name: "a2-highgpu-2g", gpus: 2, vcpus: 24, memoryGb: 170 },
            { name: "a2-highgpu-4g", gpus: 4, vcpus: 48, memoryGb: 340 },
            { name: "a2-highgpu-8g", gpus: 8, vcpus: 96, memoryGb: 680 },
            { name: "a2-megagpu-16g", gpus: 16, vcpus: 96, memoryGb: 1360 },
        ],
        onDemandUsdPerGpuHour: 2.933908,
        spotUsdPerGpuHour: 0.9976,
    },
    "nvidia-a100-80gb": {
        accelerator: "nvidia-a100-80gb",
        displayName: "NVIDIA A100 80 GB",
        memoryGb: 80,
        reportedMemoryMib: 81920,
        machineTypes: [
            { name: "a2-ultragpu-1g", gpus: 1, vcpus: 12, memoryGb: 170 },
            { name: "a2-ultragpu-2g", gpus: 2, vcpus: 24, memoryGb: 340 },
            { name: "a2-ultragpu-4g", gpus: 4, vcpus: 48, memoryGb: 680 },
            { name: "a2-ultragpu-8g", gpus: 8, vcpus: 96, memoryGb: 1360 },
        ],
        onDemandUsdPerGpuHour: 3.928,
        spotUsdPerGpuHour: 1.57,
    },
    "nvidia-h100-80gb": {
        accelerator: "nvidia-h100-80gb",
        displayName: "NVIDIA H100 80 GB",
        memoryGb: 80,
        reportedMemoryMib: 81559,
        machineTypes: [
            { name: "a3-highgpu-1g", gpus: 1, vcpus: 26, memoryGb: 234, spotOrFlexStartOnly: true },
            { name: "a3-highgpu-2g", gpus: 2, vcpus: 52, memoryGb: 468, spotOrFlexStartOnly: true },
            { name: "a3-highgpu-4g", gpus: 4, vcpus: 104, memoryGb: 936, spotOrFlexStartOnly: true },
            { name: "a3-highgpu-8g", gpus: 8, vcpus: 208, memoryGb: 1872 },
        ],
        onDemandUsdPerGpuHour: 9.8,
        spotUsdPerGpuHour: 3.9,
    },
} as const satisfies Record<AcceleratorType, GpuCatalogEntry>;

/** Every accelerator type in the catalog, for schemas and messages. */
export const ACCELERATOR_TYPES = Object.keys(GPU_CATALOG) as [AcceleratorType, ...AcceleratorType[]];

/** The catalog entry of `accelerator`. */
export function gpuCatalogEntry(accelerator: AcceleratorType): GpuCatalogEntry {
    return GPU_CATALOG[accelerator];
}

/** vLLM reads the weights through host memory before moving them to the GPU, so a derived
 * machine type has at least this much memory per GPU (g2-standard-4's 16 GB is too little for an
 * 8B model). */
export const MIN_HOST_MEMORY_GB_PER_GPU = 32;

/**
 * The machine type with the fewest GPUs that still carries `gpusPerNode` GPUs, preferring shapes
 * offered on demand unless `spot` is set and with enough host memory; undefined when none does.
 */
export function smallestMachineType(accelerator: AcceleratorType, gpusPerNode: number, spot: boolean): GpuMachineType | undefined {
    const fits = gpuCatalogEntry(accelerator).machineTypes.filter(
        (m) => m.gpus >= gpusPerNode && (spot || !m.spotOrFlexStartOnly) && m.memoryGb >= MIN_HOST_MEMORY_GB_PER_GPU * m.gpus,
    );
    return [...fits].sort((a, b) => a.gpus - b.gpus || a.vcpus - b.vcpus)[0];
}
