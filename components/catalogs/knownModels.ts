/**
 * Parameter counts for the GPU memory estimate: from a table of widely used models, else from a
 * size the Hugging Face ID names (`Qwen2.5-1.5B-Instruct`, with a margin), else from `parameters`
 * in config. The table's architecture rows, which size the KV cache, are in
 * `modelArchitectures.ts`.
 */

/** Parameter counts of models we know, in billions, each with where it was read: the model card
 * on Hugging Face (`https://huggingface.co/<id>`), or the safetensors size that page shows. For
 * mixture-of-experts models the count is the total, which is what the GPUs hold. */
export const KNOWN_MODEL_PARAMETERS: Readonly<Record<string, number>> = {
    // Safetensors sizes on the models' Hugging Face pages.
    "meta-llama/Llama-3.1-8B-Instruct": 8.03,
    "meta-llama/Llama-3.1-70B-Instruct": 70.6,
    "meta-llama/Llama-3.2-1B-Instruct": 1.24,
    "meta-llama/Llama-3.2-3B-Instruct": 3.21,
    "microsoft/Phi-4-mini-instruct": 3.84,
    "mistralai/Mistral-7B-Instruct-v0.3": 7.25,
    "Qwen/Qwen2.5-7B-Instruct": 7.62,
    "google/gemma-2-9b-it": 9.24,
    // Model cards: "Number of Parameters: 1.54B", "14.7B", "72.7B", "8.2B";
    // Qwen3-30B-A3B: "30.5B in total and 3.3B activated".
    "Qwen/Qwen2.5-1.5B-Instruct": 1.54,
    "Qwen/Qwen2.5-14B-Instruct": 14.7,
    "Qwen/Qwen2.5-72B-Instruct": 72.7,
    "Qwen/Qwen3-8B": 8.2,
    "Qwen/Qwen3-30B-A3B": 30.5,
    // Model card of Llama 4: Scout "17B (Activated) 109B (Total)", Maverick "400B (Total)"; the
    // IDs name the active size and the expert count, which would mislead.
    "meta-llama/Llama-4-Scout-17B-16E-Instruct": 109,
    "meta-llama/Llama-4-Maverick-17B-128E-Instruct": 400,
    // Model cards: gpt-oss-20b "21B parameters with 3.6B active", gpt-oss-120b "117B parameters
    // with 5.1B active".
    "openai/gpt-oss-20b": 21,
    "openai/gpt-oss-120b": 117,
    // Safetensors size on its page: 46.7B (the ID's 8x7B counts the shared layers eight times).
    "mistralai/Mixtral-8x7B-Instruct-v0.1": 46.7,
    // Model card, "DeepSeek-R1 Models" table: 671B total, 37B activated.
    "deepseek-ai/DeepSeek-R1": 671,
    // Model card: "Phi-3.5-mini has 3.8B parameters".
    "microsoft/Phi-3.5-mini-instruct": 3.8,
};

/** Where a model's parameter count came from. A const object so the cross-language schema gets
 * an enum. */
export const ParameterSource = {
    /** The known-model table (`KNOWN_MODEL_PARAMETERS`). */
    Table: "table",
    /** A size the Hugging Face ID names. */
    Id: "id",
    /** `models[].parameters` in config. */
    Config: "config",
} as const;

/** Where a model's parameter count came from (see the const of the same name). */
export type ParameterSource = (typeof ParameterSource)[keyof typeof ParameterSource];

/** A size segment of an ID: `1.5B`, `70b`, `135M`, or a mixture of experts' `8x7B`. */
const SIZE_SEGMENT = /^(?:(\d+)x)?(\d+(?:\.\d+)?)([bm])$/i;
/** An expert count, as in `Llama-4-Scout-17B-16E`: the size beside it is the active one. */
const EXPERT_SEGMENT = /^\d+e$/i;

/**
 * The parameter count, in billions, that a Hugging Face ID names, or undefined when it names
 * none or names it ambiguously. Only a whole `-`/`_`-separated segment counts (`Qwen2.5-1.5B`
 * gives 1.5; `Phi-4-mini` gives nothing; `gemma-3n-E4B` nothing, since `E4B` is an "effective"
 * size). `8x7B` gives 56: experts times expert size counts the shared layers more than once, so
 * it is at least the real total (Mixtral-8x7B is 46.7B), which keeps the memory check on the
 * safe side. An ID with an expert count (`17B-16E`) names its active size, not its total: none.
 * Several sizes give the largest. A dense model's nominal size can be a little below its real
 * count (Llama-3.2-1B is 1.24B): set `parameters` for a tight fit.
 */
export function parametersFromId(huggingFaceId: string): number | undefined {
    const segments = huggingFaceId.slice(huggingFaceId.lastIndexOf("/") + 1).split(/[-_]/);
    if (segments.some((segment) => EXPERT_SEGMENT.test(segment))) return undefined;
    const sizes = segments.flatMap((segment) => {
        const match = SIZE_SEGMENT.exec(segment);
        if (match === null) return [];
        const experts = match[1] === undefined ? 1 : Number(match[1]);
        const size = Number(match[2]) / (match[3].toLowerCase() === "m" ? 1000 : 1);
        return size > 0 ? [experts * size] : [];
    });
    return sizes.length === 0 ? undefined : Math.max(...sizes);
}

/** A size read from an ID counts this much more: a nominal size is often below the real count
 * (DeepSeek-R1-Distill-Qwen-7B has 7.62 B), and 10 % covers the common models' gap. */
export const ID_SIZE_MARGIN = 1.1;

/** A model's parameter count in billions and where it came from: config, else the table, else
 * the ID with {@link ID_SIZE_MARGIN}; undefined when none of them gives one. */
export function modelParameters(huggingFaceId: string, configured: number | undefined): { billions: number; source: ParameterSource } | undefined {
    if (configured !== undefined) return { billions: configured, source: ParameterSource.Config };
    const known = KNOWN_MODEL_PARAMETERS[huggingFaceId];
    if (known !== undefined) return { billions: known, source: ParameterSource.Table };
    const named = parametersFromId(huggingFaceId);
    return named === undefined ? undefined : { billions: Math.round(named * ID_SIZE_MARGIN * 100) / 100, source: ParameterSource.Id };
}
