/**
 * A model's `vllmArgs`, read the way vLLM's parser reads them, and checked against what the
 * program sets itself. vLLM (`FlexibleArgumentParser.parse_args`: `vllm/utils/__init__.py` at v0.11.0,
 * `vllm/utils/argparse_utils.py` at v0.20.2, the same rules) reads `--served_model_name` as `--served-model-name` (underscores become dashes in the name, up
 * to its first `.`; a dotted name is a JSON field of its option), splits `--flag=value` on the
 * first `=`, and leaves Python 3.12's argparse its prefix matching (no parser sets
 * `allow_abbrev=False`): `--served-model` is `--served-model-name`, `-t` is `-tp`, `-qfp8` is
 * `-q fp8`. An argument with a space that names no option is taken as the positional model tag,
 * which the API server ignores. Also checked: the tensor-parallel size the program sets against the
 * model's attention heads. Pure; problems name their config key.
 */
import type { ConfigProblem } from "../config/configErrors";
import type { Precision } from "../config/modelConfig";
import { attentionHeadsOf } from "../catalogs/attentionHeads";
import { type ModelDraft, VLLM_PORT } from "./modelPlan";
import { type VllmOptions, resolveVllmOption } from "../catalogs/vllmFlags";

/** Options the program sets itself; config setting them too would contradict the plan. */
const PROGRAM_OWNED: Record<string, string> = {
    "--model": "set models[].huggingFaceId",
    "--served-model-name": "set models[].name",
    "--port": `vLLM must listen on ${VLLM_PORT}, the pool's target port`,
    "--uds": `vLLM must listen on TCP port ${VLLM_PORT}, the pool's target port, not a Unix socket`,
    "--host": "the server must listen on all addresses",
    "--headless": "the pod must run vLLM's API server",
    "--tensor-parallel-size": "set models[].gpu.count",
    "--enable-lora": "set models[].adapters or models[].lora",
    "--no-enable-lora": "set models[].adapters or models[].lora",
    "--max-loras": "set models[].lora.maxLoras",
    "--max-lora-rank": "set models[].lora.maxLoraRank",
    "--max-cpu-loras": "set models[].lora.maxCpuLoras",
    "--lora-modules": "list adapters under models[].adapters; they are loaded at runtime",
    "--config": "the program passes the API keys in vLLM's one --config file; list other options in vllmArgs",
};

/** Options that carry a secret: in `vllmArgs` it would be stored in plain text in the Deployment,
 * the render and the state. */
const SECRET_OPTIONS: Record<string, string> = {
    "--hf-token": "set the Hugging Face token as the secret hfToken (pulumi config set --secret hfToken <token>); the pods read it from a Secret",
    "--api-key":
        "API keys are not supported as a flag: they would be stored in plain text; set them as the secret apiKeys (pulumi config set --secret apiKeys <key>), which every model server reads from a Secret",
};

/** Options that multiply the GPUs one replica uses beyond `gpu.count` (vLLM's world size is
 * pipeline × tensor parallel; data parallelism starts one engine per rank). */
const GPU_MULTIPLYING = ["--pipeline-parallel-size", "--data-parallel-size"];

/** `--dtype` values (choices at v0.11.0: auto, bfloat16, float, float16, float32, half) that agree
 * with each precision: the 16- and 32-bit ones are the program's own `--dtype`; a quantized
 * checkpoint's unquantized parts in 16 bit (the memory estimate counts the quantized weights). */
const DTYPES_FOR_PRECISION: Record<Precision, string[]> = {
    bfloat16: ["bfloat16"],
    float16: ["float16", "half"],
    float32: ["float32", "float"],
    fp8: ["auto", "bfloat16", "float16", "half"],
    int8: ["auto", "bfloat16", "float16", "half"],
    int4: ["auto", "bfloat16", "float16", "half"],
};

/** Checks one model's `vllmArgs`, read as the vLLM release of `vllm` reads them, against the
 * options the program owns (`lineArgs`: the release line's own, see `vllmMetricArgs`) and the
 * model's GPUs and precision. */
export function checkVllmArgs(draft: ModelDraft, vllm: VllmOptions, lineArgs: readonly string[]): ConfigProblem[] {
    const { config, index } = draft;
    const problems: ConfigProblem[] = [];
    config.vllmArgs.forEach((arg, argIndex) => {
        const path = `models[${index}].vllmArgs[${argIndex}]`;
        const resolved = resolveVllmOption(arg, vllm);
        if (resolved === undefined) {
            if (arg.startsWith("-") && /\s/.test(arg.split("=")[0])) {
                problems.push({
                    path,
                    message:
                        `got ${JSON.stringify(arg)}, several words in one argument: vLLM would take it as the model tag and ` +
                        "ignore it. Give each flag and each value as its own list element",
                });
            }
            return;
        }
        const value = resolved.attachedValue ?? config.vllmArgs[argIndex + 1];
        for (const option of resolved.options) {
            const problem = lineArgs.includes(option)
                ? `got ${JSON.stringify(arg)}; the program sets ${option} itself on this release line: its EPP scrapes a metric vLLM ${vllm.tag} shows only with ${lineArgs.join(" ")}`
                : optionProblem(option, arg, value, draft, vllm.tag);
            if (problem !== undefined) problems.push({ path, message: problem });
        }
    });
    return problems;
}

function optionProblem(option: string, arg: string, value: string | undefined, draft: ModelDraft, vllmTag: string): string | undefined {
    const { precision, gpu } = draft.config;
    const spelled = arg.startsWith(option) ? option : `${option} (as vLLM ${vllmTag} reads ${JSON.stringify(arg.split("=")[0])})`;
    // The argument itself may hold the secret: it is not shown.
    if (SECRET_OPTIONS[option] !== undefined) return `sets ${spelled}, which carries a secret; ${SECRET_OPTIONS[option]}`;
    if (PROGRAM_OWNED[option] !== undefined) return `got ${JSON.stringify(arg)}; the program sets ${spelled} itself: ${PROGRAM_OWNED[option]}`;
    if (GPU_MULTIPLYING.includes(option) && value !== "1") {
        return (
            `got ${option} ${JSON.stringify(value ?? "")}; a replica has gpu.count (${gpu.count}) GPUs and the program sets ` +
            `--tensor-parallel-size ${gpu.count}, which uses all of them: anything but 1 needs more GPUs than the pod has. ` +
            "Only 1 is allowed; give the model more GPUs with gpu.count"
        );
    }
    if (option === "--dtype" && (value === undefined || !DTYPES_FOR_PRECISION[precision].includes(value))) {
        return `got --dtype ${JSON.stringify(value ?? "")}, which contradicts precision ${precision}; allowed: ${DTYPES_FOR_PRECISION[precision].join(", ")} (or set precision)`;
    }
    if (option === "--quantization") {
        if (precision === "fp8" && value !== "fp8") return `got --quantization ${JSON.stringify(value ?? "")}; precision fp8 sets --quantization fp8 itself`;
        if (precision !== "fp8" && precision !== "int8" && precision !== "int4") {
            return `got --quantization ${JSON.stringify(value ?? "")} with precision ${precision}: quantized weights need precision fp8, int8 or int4, which the memory estimate reads`;
        }
    }
    return undefined;
}

/** vLLM refuses to start when the tensor-parallel size (`gpu.count`) does not divide the model's
 * attention heads; checked for the models whose heads we know. */
export function checkTensorParallelSize(draft: ModelDraft): ConfigProblem[] {
    const heads = attentionHeadsOf(draft.huggingFaceId);
    const count = draft.config.gpu.count;
    if (heads === undefined || heads % count === 0) return [];
    const divisors = Array.from({ length: 16 }, (_, i) => i + 1).filter((n) => heads % n === 0);
    return [
        {
            path: `models[${draft.index}].gpu.count`,
            message:
                `got ${count}; vLLM's tensor-parallel size (gpu.count) must divide the ${heads} attention heads of ` +
                `${draft.huggingFaceId}, or it refuses to start; allowed: ${divisors.join(", ")}`,
        },
    ];
}
