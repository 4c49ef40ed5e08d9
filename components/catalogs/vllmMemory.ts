/**
 * vLLM's GPU memory rule, read at each pinned tag (vllm-project/vllm through the fork snapshot
 * eigen-hub/vllm; every `file:line` below is at the tag, and `vllm/vllm@<tag>.json` lists them for
 * the re-read test): how much of a GPU the KV cache gets, how much one request of `max_model_len`
 * tokens takes, and the largest length that fits. Pure; sizes in bytes.
 *
 * The rule, the same at both tags unless a field says otherwise:
 * - vLLM asks for `total_memory × gpu_memory_utilization` of each GPU (the total the driver
 *   reports, not what is free) and gives the KV cache what is left of it after the weights, the
 *   profiling run's peak activations (a dummy forward pass of `max_num_batched_tokens` tokens and a
 *   sampler run of `max_num_seqs` requests) and the non-torch memory it measures.
 * - The KV cache of one layer is pages of `block_size` (16) tokens: a full-attention layer holds
 *   `cdiv(max_model_len, 16)` pages of `2 × 16 × KV heads × head dim × dtype bytes`; a
 *   sliding-window layer at most `cdiv(min(window − 1 + max_num_batched_tokens, max_model_len), 16) + 1`.
 * - CUDA graphs: v0.11.0 captures them after sizing the KV cache, outside the budget (in the tenth
 *   vLLM leaves); v0.20.2 takes its estimate of them off the budget (VLLM_MEMORY_PROFILER_ESTIMATE_CUDAGRAPHS
 *   defaults to 1, envs.py:1737). The plan's `kvCacheReserveGb` stands for both.
 * - Under tensor parallelism each rank holds `max(1, KV heads ÷ TP)` heads of every layer.
 * - At start vLLM checks that one request of `max_model_len` fits the KV cache and otherwise
 *   raises "To serve at least one request with the models's max seq len (…)": the pod crash-loops.
 */

/** One tag's memory rule, with where each part is read. */
export interface VllmMemoryRule {
    /** The vLLM tag. */
    tag: string;
    /** Tokens per KV-cache page. */
    blockSize: number;
    /** `--gpu-memory-utilization` when not given. */
    gpuMemoryUtilization: number;
    /** `--max-num-batched-tokens` of the OpenAI server when not given: on GPUs under 70 GiB or
     * named A100, and on the larger others. */
    maxNumBatchedTokens: { default: number; largeGpu: number };
    /** `--max-num-seqs` of the OpenAI server when not given, likewise. */
    maxNumSeqs: { default: number; largeGpu: number };
    /** True when a model with LongRoPE (Phi-4-mini) starts at `original_max_position_embeddings`
     * without `--max-model-len`, rather than at `max_position_embeddings`. */
    longRopeDefaultsToOriginal: boolean;
    /** Where each part is read, `file:line` at the tag. */
    citations: Readonly<Record<VllmMemoryFact, string>>;
}

/** The parts of the rule that are cited. */
export type VllmMemoryFact =
    | "utilisation"
    | "kvBudget"
    | "cudaGraphs"
    | "profileRun"
    | "batchedTokens"
    | "maxNumSeqs"
    | "largeGpu"
    | "blockSize"
    | "pageSize"
    | "fullAttention"
    | "slidingWindow"
    | "tensorParallel"
    | "check"
    | "error"
    | "longRope";

/** The rule at each pinned tag; a release line's vLLM tag picks its rule. */
export const VLLM_MEMORY_RULES: Readonly<Record<string, VllmMemoryRule>> = {
    "v0.11.0": {
        tag: "v0.11.0",
        blockSize: 16,
        gpuMemoryUtilization: 0.9,
        maxNumBatchedTokens: { default: 2048, largeGpu: 8192 },
        maxNumSeqs: { default: 256, largeGpu: 1024 },
        longRopeDefaultsToOriginal: false,
        citations: {
            utilisation: "vllm/v1/worker/gpu_worker.py:183",
            kvBudget: "vllm/v1/worker/gpu_worker.py:280",
            cudaGraphs: "vllm/v1/worker/gpu_worker.py:344",
            profileRun: "vllm/v1/worker/gpu_model_runner.py:3392",
            batchedTokens: "vllm/engine/arg_utils.py:1619",
            maxNumSeqs: "vllm/engine/arg_utils.py:1623",
            largeGpu: "vllm/engine/arg_utils.py:1605",
            blockSize: "vllm/platforms/cuda.py:127",
            pageSize: "vllm/v1/kv_cache_interface.py:65",
            fullAttention: "vllm/v1/kv_cache_interface.py:91",
            slidingWindow: "vllm/v1/kv_cache_interface.py:207",
            tensorParallel: "vllm/config/model.py:1191",
            check: "vllm/v1/core/kv_cache_utils.py:706",
            error: "vllm/v1/core/kv_cache_utils.py:717",
            longRope: "vllm/config/model.py:1847",
        },
    },
    "v0.20.2": {
        tag: "v0.20.2",
        blockSize: 16,
        gpuMemoryUtilization: 0.9,
        maxNumBatchedTokens: { default: 2048, largeGpu: 8192 },
        maxNumSeqs: { default: 256, largeGpu: 1024 },
        longRopeDefaultsToOriginal: true,
        citations: {
            utilisation: "vllm/v1/worker/utils.py:409",
            kvBudget: "vllm/v1/worker/gpu_worker.py:423",
            cudaGraphs: "vllm/v1/worker/gpu_worker.py:424",
            profileRun: "vllm/v1/worker/gpu_model_runner.py:5848",
            batchedTokens: "vllm/engine/arg_utils.py:2222",
            maxNumSeqs: "vllm/engine/arg_utils.py:2226",
            largeGpu: "vllm/engine/arg_utils.py:2208",
            blockSize: "vllm/config/cache.py:45",
            pageSize: "vllm/v1/kv_cache_interface.py:153",
            fullAttention: "vllm/v1/kv_cache_interface.py:194",
            slidingWindow: "vllm/v1/kv_cache_interface.py:436",
            tensorParallel: "vllm/config/model.py:1230",
            check: "vllm/v1/core/kv_cache_utils.py:705",
            error: "vllm/v1/core/kv_cache_utils.py:715",
            longRope: "vllm/config/model.py:2144",
        },
    },
};

/** GPUs of at least this many GiB, unless named A100, get the larger batch defaults (`largeGpu`). */
export const LARGE_GPU_GIB = 70;

/** What the KV cache of one request is made of, per tensor-parallel rank. */
export interface KvLayout {
    /** Layers that attend to the whole context. */
    fullAttentionLayers: number;
    /** Layers that attend to a sliding window only. */
    slidingWindowLayers: number;
    /** The window of the sliding-window layers, in tokens. */
    slidingWindow?: number;
    /** Bytes one token takes in one layer on one rank: 2 (K and V) × KV heads on the rank × head
     * dim × KV dtype bytes. */
    bytesPerTokenPerLayer: number;
}

/** KV heads on one rank: vLLM gives each rank `max(1, heads ÷ TP)`, replicating heads when
 * there are fewer than ranks. */
export function kvHeadsPerRank(kvHeads: number, tensorParallel: number): number {
    return Math.max(1, Math.floor(kvHeads / tensorParallel));
}

const cdiv = (a: number, b: number) => Math.ceil(a / b);

/** Bytes of KV cache one request of `maxModelLen` tokens reserves on one rank, as vLLM's check
 * counts them (every layer's `max_memory_usage_bytes`, summed). */
export function kvBytesForLength(layout: KvLayout, maxModelLen: number, rule: VllmMemoryRule, maxNumBatchedTokens: number): number {
    const page = rule.blockSize * layout.bytesPerTokenPerLayer;
    const full = layout.fullAttentionLayers * cdiv(maxModelLen, rule.blockSize) * page;
    if (layout.slidingWindowLayers === 0 || layout.slidingWindow === undefined) return full;
    const windowTokens = Math.min(layout.slidingWindow - 1 + maxNumBatchedTokens, maxModelLen);
    return full + layout.slidingWindowLayers * (cdiv(windowTokens, rule.blockSize) + 1) * page;
}

/** The largest length, a multiple of the block size and at most `limit`, whose one request fits
 * `availableBytes`; 0 when not even one block does. vLLM's own estimate is a binary search over
 * every length; a block multiple loses nothing, since a page holds a whole block either way. */
export function largestFittingLength(layout: KvLayout, availableBytes: number, limit: number, rule: VllmMemoryRule, maxNumBatchedTokens: number): number {
    let low = 0;
    let high = Math.floor(limit / rule.blockSize);
    while (low < high) {
        const mid = Math.ceil((low + high) / 2);
        if (kvBytesForLength(layout, mid * rule.blockSize, rule, maxNumBatchedTokens) <= availableBytes) low = mid;
        else high = mid - 1;
    }
    return low * rule.blockSize;
}

/** The bytes vLLM gives the KV cache on one GPU: its share of the GPU's reported memory, less the
 * weights on the rank and what the profiling run takes (`overheadBytes`, an estimate). */
export function kvBudgetBytes(gpuTotalBytes: number, utilisation: number, weightsBytesPerRank: number, overheadBytes: number): number {
    return Math.floor(gpuTotalBytes * utilisation) - weightsBytesPerRank - overheadBytes;
}
