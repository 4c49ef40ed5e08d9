/**
 * Parameter counts of models we know, in billions, for the GPU memory estimate. A model not
 * listed here needs `parameters` in config. Counts are the models' published sizes (model cards
 * and their safetensors metadata on Hugging Face).
 */
export const KNOWN_MODEL_PARAMETERS: Readonly<Record<string, number>> = {
    "meta-llama/Llama-3.1-8B-Instruct": 8.03,
    "meta-llama/Llama-3.1-70B-Instruct": 70.6,
    "meta-llama/Llama-3.2-1B-Instruct": 1.24,
    "meta-llama/Llama-3.2-3B-Instruct": 3.21,
    "microsoft/Phi-4-mini-instruct": 3.84,
    "mistralai/Mistral-7B-Instruct-v0.3": 7.25,
    "Qwen/Qwen2.5-7B-Instruct": 7.62,
    "google/gemma-2-9b-it": 9.24,
};
