/**
 * Attention heads of models we know: vLLM refuses to start a model whose attention heads its
 * tensor-parallel size does not divide (`ModelConfig.verify_with_parallel_config`,
 * `vllm/config/model.py` at vLLM v0.11.0: "Total number of attention heads (...) must be divisible
 * by tensor parallel size"), which it finds out only after the GPU node is up. The architecture
 * rows of the known-model table (`modelArchitectures.ts`) give most; the models below have no such
 * row. Each figure is `num_attention_heads` of the model's `config.json` on Hugging Face
 * (`https://huggingface.co/<id>/blob/main/config.json`).
 */
import { knownModelFacts } from "./modelArchitectures";

/** Attention heads of the known models without an architecture row. */
export const KNOWN_MODEL_ATTENTION_HEADS: Readonly<Record<string, number>> = {
    "meta-llama/Llama-3.2-1B-Instruct": 32,
    "mistralai/Mistral-7B-Instruct-v0.3": 32,
    "google/gemma-2-9b-it": 16,
};

/** The attention heads of `huggingFaceId`, or undefined for a model we do not know. */
export function attentionHeadsOf(huggingFaceId: string): number | undefined {
    return knownModelFacts(huggingFaceId)?.attentionHeads ?? KNOWN_MODEL_ATTENTION_HEADS[huggingFaceId];
}
