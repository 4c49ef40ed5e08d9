/**
 * Attention heads of models we know: vLLM refuses to start a model whose attention heads its
 * tensor-parallel size does not divide (`ModelConfig.verify_with_parallel_config`,
 * `vllm/config/model.py` at vLLM v0.11.0: "Total number of attention heads (...) must be divisible
 * by tensor parallel size"), which it finds out only after the GPU node is up. Each figure is
 * `num_attention_heads` of the model's `config.json` on Hugging Face
 * (`https://huggingface.co/<id>/blob/main/config.json`), cross-checked where noted.
 */
export const KNOWN_MODEL_ATTENTION_HEADS: Readonly<Record<string, number>> = {
    // Cross-checked: the Llama 3.1 8B architecture tables (32 heads, 8 KV heads).
    "meta-llama/Llama-3.1-8B-Instruct": 32,
    "meta-llama/Llama-3.1-70B-Instruct": 64,
    "meta-llama/Llama-3.2-1B-Instruct": 32,
    // Cross-checked: hidden size 3072 = 24 heads × 128.
    "meta-llama/Llama-3.2-3B-Instruct": 24,
    // Cross-checked: pytorch/executorch examples/models/phi_4_mini/config/config.json, converted from
    // it (`n_heads: 24`, `n_kv_heads: 8`).
    "microsoft/Phi-4-mini-instruct": 24,
    "mistralai/Mistral-7B-Instruct-v0.3": 32,
    // Cross-checked: the model card ("Number of Attention Heads (GQA): 28 for Q and 4 for KV").
    "Qwen/Qwen2.5-7B-Instruct": 28,
    "google/gemma-2-9b-it": 16,
};
