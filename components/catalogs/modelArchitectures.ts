/**
 * The architecture rows of the known-model table: the keys of each model's `config.json` on
 * Hugging Face that vLLM sizes the KV cache by, as written there, with where they were read. No
 * network reaches Hugging Face from here, so each row names the copy it was read through (a public
 * repository, path and commit) and, where that copy is of a sibling checkpoint, why the keys are
 * the same. With HF_CONFIG_DIR set to a folder of `<org>/<name>/config.json` files, the re-read
 * test compares every row with the file itself.
 */
import { KvLayout, kvHeadsPerRank } from "./vllmMemory";

/** The `config.json` keys the KV cache depends on, verbatim (snake case as Hugging Face writes
 * them); `head_dim` when absent is `hidden_size ÷ num_attention_heads`. */
export interface ConfigJsonKeys {
    /** Transformer layers. */
    num_hidden_layers: number;
    /** Query heads, which the tensor-parallel size must divide. */
    num_attention_heads: number;
    /** KV heads (grouped-query attention). */
    num_key_value_heads: number;
    /** Width of the residual stream. */
    hidden_size: number;
    /** Dimension of one head, when the config states it. */
    head_dim?: number;
    /** The native context. */
    max_position_embeddings: number;
    /** The dtype of the weights, which vLLM's `auto` KV cache takes. */
    torch_dtype: "bfloat16" | "float16" | "float32";
    /** Window of sliding-window layers; Qwen2 writes one that `use_sliding_window: false` turns off. */
    sliding_window?: number | null;
    /** Qwen2's switch for `sliding_window`. */
    use_sliding_window?: boolean;
    /** Which layers attend to a sliding window (gpt-oss). */
    layer_types?: readonly ("sliding_attention" | "full_attention")[];
    /** LongRoPE's pre-extension context (Phi-4-mini): vLLM v0.20.2 starts there by default. */
    original_max_position_embeddings?: number;
}

/** One architecture row and where it was read. */
export interface KnownArchitecture {
    /** The keys, as in the model's `config.json`. */
    config: ConfigJsonKeys;
    /** The copy the keys were read through: `owner/repo path@commit`, and any note. */
    source: string;
}

const alternating = (pairs: number) => Array.from({ length: pairs }, () => ["sliding_attention", "full_attention"] as const).flat();

/** LLM-Prof's copy of nine `config.json` files, verbatim (citsjtu2020/LLM-Prof). */
const LLM_PROF = "citsjtu2020/LLM-Prof sglang/Model_Config.md@8434c8d19c396b2f95d92a67845a7c0a0e0dd512";

/** Copies of Qwen's model cards (ZHUI/paddlenlp_model_readme). */
const PADDLE_CARDS = "ZHUI/paddlenlp_model_readme ";

/** The rows, by Hugging Face ID (https://huggingface.co/<id>/blob/main/config.json); a config a line each. */
// prettier-ignore
export const KNOWN_MODEL_ARCHITECTURES: Readonly<Record<string, KnownArchitecture>> = {
    "meta-llama/Llama-3.1-8B-Instruct": {
        config: { num_hidden_layers: 32, num_attention_heads: 32, num_key_value_heads: 8, hidden_size: 4096, max_position_embeddings: 131072, torch_dtype: "bfloat16" },
        source: `${LLM_PROF}, its Llama-3.1-8B: the Instruct model is its fine-tune, same keys (cross-checked: vulkomilev/oumi configs/recipes/llama3_1/README.md, 32 layers, 32 heads, 8 KV heads, 131,072)`,
    },
    "meta-llama/Llama-3.1-70B-Instruct": {
        config: { num_hidden_layers: 80, num_attention_heads: 64, num_key_value_heads: 8, hidden_size: 8192, max_position_embeddings: 131072, torch_dtype: "bfloat16" },
        source: "vulkomilev/oumi configs/recipes/llama3_1/README.md, its 70B table (80 layers, 64 heads, 8 KV heads, hidden 8192, 131,072)",
    },
    "meta-llama/Llama-3.2-3B-Instruct": {
        config: { num_hidden_layers: 28, num_attention_heads: 24, num_key_value_heads: 8, hidden_size: 3072, head_dim: 128, max_position_embeddings: 131072, torch_dtype: "bfloat16" },
        source: `${LLM_PROF}, its Llama-3.2-3B: the Instruct model is its fine-tune, same keys`,
    },
    "microsoft/Phi-4-mini-instruct": {
        config: { num_hidden_layers: 32, num_attention_heads: 24, num_key_value_heads: 8, hidden_size: 3072, max_position_embeddings: 131072, original_max_position_embeddings: 4096, torch_dtype: "bfloat16" },
        source:
            "pytorch/executorch examples/models/phi_4_mini/config/config.json@76fcedc2a23527e1a29b2f2dbe50ead2bcfb844b, converted from it " +
            "(n_layers 32, n_heads 24, n_kv_heads 8, dim 3072); the context keys from the model's Phi4Config defaults as copied in the code corpus " +
            "(max_position_embeddings=131072, original_max_position_embeddings=4096) and the model card (128K, LongRoPE)",
    },
    "Qwen/Qwen2.5-1.5B-Instruct": {
        config: { num_hidden_layers: 28, num_attention_heads: 12, num_key_value_heads: 2, hidden_size: 1536, max_position_embeddings: 32768, torch_dtype: "bfloat16" },
        source:
            `${PADDLE_CARDS}Qwen/Qwen2.5-1.5B-Instruct/index.md@10d0a05fa8598301f2daaf815381315f6646d593, the model card (28 layers, 12 Q and 2 KV heads, ` +
            "context 32,768); hidden_size 1536 from a Qwen2.5-1.5B ModelConfig in the code corpus (hidden_size 1536, 12 heads, 2 KV heads, 32,768)",
    },
    "Qwen/Qwen2.5-3B-Instruct": {
        config: { num_hidden_layers: 36, num_attention_heads: 16, num_key_value_heads: 2, hidden_size: 2048, max_position_embeddings: 32768, sliding_window: 32768, use_sliding_window: false, torch_dtype: "bfloat16" },
        source: `${LLM_PROF}, its Qwen2.5-3B: the Instruct model is its fine-tune, same keys`,
    },
    "Qwen/Qwen2.5-7B-Instruct": {
        config: { num_hidden_layers: 28, num_attention_heads: 28, num_key_value_heads: 4, hidden_size: 3584, max_position_embeddings: 32768, sliding_window: 131072, use_sliding_window: false, torch_dtype: "bfloat16" },
        source:
            `${LLM_PROF}, its Qwen2.5-7B for the layers and heads (the Instruct model is its fine-tune); the Instruct model's context, 32,768, ` +
            "from daniel-p-green/alain-ai-learning-platform out/research-qwen-qwen2-5-7b-instruct/README.md (the base model's is 131,072)",
    },
    "Qwen/Qwen2.5-14B": {
        config: { num_hidden_layers: 48, num_attention_heads: 40, num_key_value_heads: 8, hidden_size: 5120, max_position_embeddings: 131072, sliding_window: 131072, use_sliding_window: false, torch_dtype: "bfloat16" },
        source: LLM_PROF,
    },
    "Qwen/Qwen2.5-14B-Instruct": {
        config: { num_hidden_layers: 48, num_attention_heads: 40, num_key_value_heads: 8, hidden_size: 5120, max_position_embeddings: 32768, sliding_window: 131072, use_sliding_window: false, torch_dtype: "bfloat16" },
        source:
            `${LLM_PROF}, its Qwen2.5-14B (the Instruct model is its fine-tune); the context from the model card, ${PADDLE_CARDS}Qwen/Qwen2.5-14B-Instruct/index.md` +
            "@10d0a05fa8598301f2daaf815381315f6646d593: \"The current config.json is set for context length up to 32,768 tokens\" (48 layers, 40 Q and 8 KV heads)",
    },
    "Qwen/Qwen2.5-32B": {
        config: { num_hidden_layers: 64, num_attention_heads: 40, num_key_value_heads: 8, hidden_size: 5120, max_position_embeddings: 131072, sliding_window: 131072, use_sliding_window: false, torch_dtype: "bfloat16" },
        source: LLM_PROF,
    },
    "Qwen/Qwen3-4B": {
        config: { num_hidden_layers: 36, num_attention_heads: 32, num_key_value_heads: 8, hidden_size: 2560, head_dim: 128, max_position_embeddings: 40960, sliding_window: null, torch_dtype: "bfloat16" },
        source: LLM_PROF,
    },
    "Qwen/Qwen3-8B": {
        config: { num_hidden_layers: 36, num_attention_heads: 32, num_key_value_heads: 8, hidden_size: 4096, head_dim: 128, max_position_embeddings: 40960, sliding_window: null, torch_dtype: "bfloat16" },
        source: LLM_PROF,
    },
    "Qwen/Qwen3-14B": {
        config: { num_hidden_layers: 40, num_attention_heads: 40, num_key_value_heads: 8, hidden_size: 5120, head_dim: 128, max_position_embeddings: 40960, sliding_window: null, torch_dtype: "bfloat16" },
        source: LLM_PROF,
    },
    "Qwen/Qwen3-32B": {
        config: { num_hidden_layers: 64, num_attention_heads: 64, num_key_value_heads: 8, hidden_size: 5120, head_dim: 128, max_position_embeddings: 40960, sliding_window: null, torch_dtype: "bfloat16" },
        source: LLM_PROF,
    },
    "Qwen/Qwen3-30B-A3B": {
        config: { num_hidden_layers: 48, num_attention_heads: 32, num_key_value_heads: 4, hidden_size: 2048, head_dim: 128, max_position_embeddings: 40960, sliding_window: null, torch_dtype: "bfloat16" },
        source: LLM_PROF,
    },
    "openai/gpt-oss-20b": {
        config: {
            num_hidden_layers: 24,
            num_attention_heads: 64,
            num_key_value_heads: 8,
            hidden_size: 2880,
            head_dim: 64,
            max_position_embeddings: 131072,
            sliding_window: 128,
            layer_types: alternating(12),
            torch_dtype: "bfloat16",
        },
        source:
            "ParagEkbote/hf-model-inspector model_inspection_report.md, its report of openai/gpt-oss-20b of 2025-09-18 (24 layers, 64 heads, 8 KV heads, " +
            "131,072, sliding window 128); head_dim 64 and the alternating layer_types (even layers sliding) from EchoCog/gpt-oss-20b " +
            "docs/gpt-oss-20b-architecture.md; attention is kept in bf16 (quantization_config.modules_to_not_convert)",
    },
};

/** What the plan sizes a model's KV cache by. */
export interface ModelArchitecture {
    /** Transformer layers. */
    layers: number;
    /** KV heads of each layer (all ranks together). */
    kvHeads: number;
    /** Dimension of one head. */
    headDim: number;
    /** Layers attending to a sliding window; the others attend to the whole context. */
    slidingWindowLayers: number;
    /** The sliding window, in tokens, when some layers have one. */
    slidingWindow?: number;
    /** Bytes of one KV element in the model's dtype. */
    dtypeBytes: number;
}

/** A known model's architecture and context, from its row. */
export interface KnownModelFacts {
    /** The architecture. */
    architecture: ModelArchitecture;
    /** Attention heads (query), which the tensor-parallel size must divide. */
    attentionHeads: number;
    /** `max_position_embeddings`: the longest context the model was built for. */
    nativeContext: number;
    /** LongRoPE's `original_max_position_embeddings`, when the model has it. */
    longRopeOriginalContext?: number;
}

const DTYPE_BYTES: Record<ConfigJsonKeys["torch_dtype"], number> = { bfloat16: 2, float16: 2, float32: 4 };

/** The facts of a `config.json` row: head dim defaulted as transformers does, sliding layers
 * counted from `layer_types` or, without it, all layers when the window is on. */
export function factsOfConfig(config: ConfigJsonKeys): KnownModelFacts {
    const windowOn = config.sliding_window !== undefined && config.sliding_window !== null && config.use_sliding_window !== false;
    const sliding = !windowOn
        ? 0
        : config.layer_types === undefined
          ? config.num_hidden_layers
          : config.layer_types.filter((t) => t === "sliding_attention").length;
    return {
        architecture: {
            layers: config.num_hidden_layers,
            kvHeads: config.num_key_value_heads,
            headDim: config.head_dim ?? config.hidden_size / config.num_attention_heads,
            slidingWindowLayers: sliding,
            slidingWindow: windowOn ? (config.sliding_window as number) : undefined,
            dtypeBytes: DTYPE_BYTES[config.torch_dtype],
        },
        attentionHeads: config.num_attention_heads,
        nativeContext: config.max_position_embeddings,
        longRopeOriginalContext: config.original_max_position_embeddings,
    };
}

/** The facts of a model in the table, or undefined. */
export function knownModelFacts(huggingFaceId: string): KnownModelFacts | undefined {
    const row = Object.hasOwn(KNOWN_MODEL_ARCHITECTURES, huggingFaceId) ? KNOWN_MODEL_ARCHITECTURES[huggingFaceId] : undefined;
    return row === undefined ? undefined : factsOfConfig(row.config);
}

/** The KV layout of one rank under `tensorParallel`, with KV elements of `kvDtypeBytes`. */
export function kvLayout(architecture: ModelArchitecture, tensorParallel: number, kvDtypeBytes: number): KvLayout {
    return {
        fullAttentionLayers: architecture.layers - architecture.slidingWindowLayers,
        slidingWindowLayers: architecture.slidingWindowLayers,
        slidingWindow: architecture.slidingWindow,
        bytesPerTokenPerLayer: 2 * kvHeadsPerRank(architecture.kvHeads, tensorParallel) * architecture.headDim * kvDtypeBytes,
    };
}
