/**
 * Each model's context (vLLM's `--max-model-len`) and KV cache, by vLLM's memory rule at the
 * release line's tag (`vllmMemory.ts`): the native context when one request of it fits with a
 * margin, else the largest block multiple that does; a length asked for in config or `vllmArgs`
 * that cannot fit is refused, naming what would. Pure; problems name their config key.
 */
import type { ConfigProblem } from "../config/configErrors";
import type { ParsedModelConfig } from "../config/configSchema";
import { BYTES_PER_PARAMETER } from "../config/modelConfig";
import { attentionHeadsOf } from "../catalogs/attentionHeads";
import { estimateMemory, proposeGpus } from "../cluster/capacity";
import { type AcceleratorType, gpuCatalogEntry } from "../catalogs/gpuCatalog";
import { modelParameters } from "../catalogs/knownModels";
import { type ModelArchitecture, knownModelFacts, kvLayout } from "../catalogs/modelArchitectures";
import { type VllmOptions, resolveVllmOption } from "../catalogs/vllmFlags";
import { type KvLayout, LARGE_GPU_GIB, type VllmMemoryRule, kvBudgetBytes, kvBytesForLength, largestFittingLength } from "../catalogs/vllmMemory";

/** The share of the estimated KV cache a planned context may fill: the profiling run's peak is
 * an estimate (`kvCacheReserveGb`), so the plan leaves a tenth of the KV cache unclaimed. */
export const CONTEXT_MARGIN = 0.9;

const GIB = 2 ** 30;
const MIB = 2 ** 20;

/** Where a planned context came from. A const object so the cross-language schema gets an enum. */
export const ContextSource = {
    /** The model's native context (`max_position_embeddings`), which fits. */
    Native: "native",
    /** The largest block multiple that fits, the native context not fitting. */
    LargestFitting: "largestFitting",
    /** A length config asks for (`contextLength` or `--max-model-len` in `vllmArgs`). */
    Asked: "asked",
} as const;

/** Where a planned context came from (see the const of the same name). */
export type ContextSource = (typeof ContextSource)[keyof typeof ContextSource];

/** A model's context and KV cache, planned. */
export interface PlannedContext {
    /** The context each request may have: vLLM's `max_model_len`. */
    length: number;
    /** Where the length came from. */
    source: ContextSource;
    /** The model's native context (`max_position_embeddings`); undefined outside the table. */
    nativeContext?: number;
    /** The `--max-model-len` the program passes; undefined when vLLM's default is the length
     * already or `vllmArgs` passes it. */
    maxModelLenFlag?: number;
    /** Estimated KV cache of one GPU in GiB, as vLLM logs it ("Available KV cache memory"). */
    kvCacheGiB: number;
    /** Tokens the replica's KV cache holds (vLLM's "GPU KV cache size"). */
    kvCacheTokens: number;
    /** Requests of the full length that fit the KV cache at once, at most `--max-num-seqs`. */
    fullLengthRequests: number;
}

/** What vLLM reads from a model's `vllmArgs` that moves the memory rule. */
interface MemoryArgs {
    maxModelLen?: number;
    /** The element of `vllmArgs` that sets `--max-model-len`. */
    maxModelLenIndex?: number;
    gpuMemoryUtilization?: number;
    maxNumSeqs?: number;
    maxNumBatchedTokens?: number;
    kvCacheDtype?: string;
}

/** The vLLM options the plan reads by the memory rule: honoured when they fit, refused when not,
 * never refused outright as owned. */
export const MEMORY_OPTIONS: Record<string, keyof MemoryArgs> = {
    "--max-model-len": "maxModelLen",
    "--gpu-memory-utilization": "gpuMemoryUtilization",
    "--max-num-seqs": "maxNumSeqs",
    "--max-num-batched-tokens": "maxNumBatchedTokens",
    "--kv-cache-dtype": "kvCacheDtype",
};

/** The memory options of `args` as vLLM reads them (the last one wins, as in argparse), or the
 * problem that a value is not a number. */
function memoryArgs(args: readonly string[], vllm: VllmOptions, index: number): { read: MemoryArgs; problems: ConfigProblem[] } {
    const read: MemoryArgs = {};
    const problems: ConfigProblem[] = [];
    args.forEach((arg, argIndex) => {
        const resolved = resolveVllmOption(arg, vllm);
        const key = resolved?.options.length === 1 ? MEMORY_OPTIONS[resolved.options[0]] : undefined;
        if (key === undefined) return;
        const value = resolved!.attachedValue ?? args[argIndex + 1] ?? "";
        if (key === "kvCacheDtype") {
            read.kvCacheDtype = value;
            return;
        }
        const number = key === "maxModelLen" || key === "maxNumBatchedTokens" ? humanReadableInt(value) : Number(value);
        if (value === "" || !Number.isFinite(number) || number <= 0 || (key !== "gpuMemoryUtilization" && !Number.isInteger(number))) {
            problems.push({
                path: `models[${index}].vllmArgs[${argIndex}]`,
                message: `got ${resolved!.options[0]} ${JSON.stringify(value)}; the memory plan reads it as a positive ${key === "gpuMemoryUtilization" ? "fraction" : "whole number"}`,
            });
            return;
        }
        read[key] = number;
        if (key === "maxModelLen") read.maxModelLenIndex = argIndex;
    });
    return { read, problems };
}

/** A length as vLLM reads `--max-model-len` and `--max-num-batched-tokens` (`human_readable_int`,
 * vllm/engine/arg_utils.py:1740 at v0.11.0, vllm/utils/argparse_utils.py:29 at v0.20.2): `25.6k`
 * is 25,600, `32K` is 32,768 (no decimals with a binary suffix); NaN for anything else, so
 * v0.20.2's `auto` is refused too: the plan sets the context itself. */
export function humanReadableInt(value: string): number {
    const match = /^(\d+(?:\.\d+)?)([kKmMgGtT])$/.exec(value.trim());
    if (match === null) return /^\d+$/.test(value.trim()) ? Number(value.trim()) : NaN;
    const [, number, suffix] = match;
    const decimal: Record<string, number> = { k: 1e3, m: 1e6, g: 1e9, t: 1e12 };
    if (suffix in decimal) return Math.floor(Number(number) * decimal[suffix]);
    return /^\d+$/.test(number) ? Number(number) * 2 ** (10 * ("KMGT".indexOf(suffix) + 1)) : NaN;
}

/** KV bytes per element: fp8 caches take one; otherwise the model's dtype, or float32's four when
 * the weights are loaded in it. */
function kvDtypeBytes(config: ParsedModelConfig, modelDtypeBytes: number, kvCacheDtype: string | undefined): number {
    if (kvCacheDtype !== undefined && kvCacheDtype.startsWith("fp8")) return 1;
    return config.precision === "float32" ? 4 : config.precision === "bfloat16" || config.precision === "float16" ? 2 : modelDtypeBytes;
}

/** The model's KV layout on one of `count` ranks, from config or the table; undefined when
 * neither gives one. */
function layoutOf(
    config: ParsedModelConfig,
    architecture: ModelArchitecture | undefined,
    count: number,
    kvCacheDtype: string | undefined,
): KvLayout | undefined {
    // A config.json's own dtype is 16-bit for the models vLLM serves; precision float32 is read below.
    const configured = config.architecture === undefined ? undefined : { ...config.architecture, dtypeBytes: 2 };
    const chosen = configured ?? architecture;
    if (chosen !== undefined) return kvLayout(chosen, count, kvDtypeBytes(config, chosen.dtypeBytes, kvCacheDtype));
    if (config.kvCacheBytesPerToken === undefined) return undefined;
    const bytes = kvCacheDtype?.startsWith("fp8") ? config.kvCacheBytesPerToken / 2 : config.kvCacheBytesPerToken;
    return { fullAttentionLayers: 1, slidingWindowLayers: 0, bytesPerTokenPerLayer: bytes / count };
}

/** vLLM's sizes on one GPU of `type` with `count` of them per replica. */
function budgetOn(config: ParsedModelConfig, billions: number, type: AcceleratorType, count: number, utilisation: number | undefined, rule: VllmMemoryRule) {
    const entry = gpuCatalogEntry(type);
    const totalBytes = entry.reportedMemoryMib * MIB;
    const large = totalBytes >= LARGE_GPU_GIB * GIB && !type.includes("a100");
    const weightsPerRank = (billions * 1e9 * BYTES_PER_PARAMETER[config.precision]) / count;
    return {
        bytes: kvBudgetBytes(totalBytes, utilisation ?? rule.gpuMemoryUtilization, weightsPerRank, config.kvCacheReserveGb * 1e9),
        large,
    };
}

/** Plans one model's context, or says why it cannot be served as configured. */
export function planContext(
    config: ParsedModelConfig,
    index: number,
    huggingFaceId: string,
    rule: VllmMemoryRule,
    vllm: VllmOptions,
): { context?: PlannedContext; problems: ConfigProblem[] } {
    const at = (key: string) => `models[${index}].${key}`;
    const facts = knownModelFacts(huggingFaceId);
    const args = memoryArgs(config.vllmArgs, vllm, index);
    if (args.problems.length > 0) return { problems: args.problems };
    const { maxModelLen, gpuMemoryUtilization, kvCacheDtype } = args.read;
    const { type, count } = config.gpu;
    const layout = layoutOf(config, facts?.architecture, count, kvCacheDtype);
    const native = facts?.nativeContext;
    if (layout === undefined || (native === undefined && config.contextLength === undefined && maxModelLen === undefined)) {
        return {
            problems: [
                {
                    path: at(layout === undefined ? "architecture" : "contextLength"),
                    message:
                        `${huggingFaceId} is not in the known-model table (components/catalogs/modelArchitectures.ts), so vLLM's KV cache cannot be sized: ` +
                        "set contextLength (the context to serve) and either architecture {layers, kvHeads, headDim} from its config.json or kvCacheBytesPerToken",
                },
            ],
        };
    }
    if (config.contextLength !== undefined && maxModelLen !== undefined && config.contextLength !== maxModelLen) {
        return {
            problems: [
                { path: at("contextLength"), message: `got ${config.contextLength}, but vllmArgs sets --max-model-len ${maxModelLen}; set one of them` },
            ],
        };
    }
    const billions = modelParameters(huggingFaceId, config.parameters)?.billions;
    // Without a parameter count, or with weights too large for the GPUs, the memory check
    // (modelPlan.ts) reports the model; nothing to add here.
    if (billions === undefined) return { problems: [] };
    const weights = estimateMemory(billions, config.precision, config.kvCacheReserveGb, config.gpu.type, config.gpu.count);
    if (weights.requiredGb > weights.usableGb) return { problems: [] };
    const budget = budgetOn(config, billions, type, count, gpuMemoryUtilization, rule);
    const batched = args.read.maxNumBatchedTokens ?? (budget.large ? rule.maxNumBatchedTokens.largeGpu : rule.maxNumBatchedTokens.default);
    const maxSeqs = args.read.maxNumSeqs ?? (budget.large ? rule.maxNumSeqs.largeGpu : rule.maxNumSeqs.default);
    const usable = Math.floor(Math.max(0, budget.bytes) * CONTEXT_MARGIN);
    const needs = (length: number) => kvBytesForLength(layout, length, rule, batched);
    const asked = config.contextLength ?? maxModelLen;
    const askedAt = config.contextLength !== undefined ? at("contextLength") : at(`vllmArgs[${args.read.maxModelLenIndex}]`);
    const largest = largestFittingLength(layout, usable, native ?? asked!, rule, batched);
    const gpus = `${count} × ${type}`;
    if (asked !== undefined && native !== undefined && asked > native) {
        return {
            problems: [
                {
                    path: askedAt,
                    message: `asks for a context of ${asked}, longer than ${huggingFaceId}'s native ${native} (max_position_embeddings), which vLLM refuses`,
                },
            ],
        };
    }
    if (asked !== undefined && needs(asked) > usable) {
        // A count that does not divide the attention heads is no choice: vLLM refuses it.
        const heads = attentionHeadsOf(huggingFaceId);
        const fitsOn = (t: AcceleratorType, n: number) => {
            if (heads !== undefined && heads % n !== 0) return false;
            const other = layoutOf(config, facts?.architecture, n, kvCacheDtype)!;
            return (
                kvBytesForLength(other, asked, rule, batched) <=
                Math.max(0, budgetOn(config, billions, t, n, gpuMemoryUtilization, rule).bytes) * CONTEXT_MARGIN
            );
        };
        return {
            problems: [
                {
                    path: askedAt,
                    message:
                        `asks for a context of ${asked} tokens for ${huggingFaceId}, but one request of it needs ${gib(needs(asked))} GiB of KV cache per GPU ` +
                        `and ${gpus} leaves about ${gib(usable)} GiB (vLLM ${rule.tag}'s rule, ${Math.round(CONTEXT_MARGIN * 100)} % of the estimate): vLLM would refuse to start. ` +
                        `The largest context that fits is ${largest}${largest === 0 ? " (none: the weights leave no room)" : ""}; or, for ${asked}, ${proposeGpus(fitsOn, type)}`,
                },
            ],
        };
    }
    if (largest === 0) {
        return {
            problems: [
                {
                    path: at("gpu"),
                    message: `${huggingFaceId} on ${gpus} leaves no GPU memory for the KV cache after the weights and the ${config.kvCacheReserveGb} GB profiling reserve; give it more GPUs`,
                },
            ],
        };
    }
    const length = asked ?? (needs(native!) <= usable ? native! : largest);
    const vllmDefault = rule.longRopeDefaultsToOriginal && facts?.longRopeOriginalContext !== undefined ? facts.longRopeOriginalContext : native;
    const budgetBytes = Math.max(0, budget.bytes);
    return {
        context: {
            length,
            source: asked !== undefined ? ContextSource.Asked : length === native ? ContextSource.Native : ContextSource.LargestFitting,
            nativeContext: native,
            maxModelLenFlag: maxModelLen !== undefined || length === vllmDefault ? undefined : length,
            kvCacheGiB: Math.round((budgetBytes / GIB) * 100) / 100,
            kvCacheTokens: Math.floor(budgetBytes / kvBytesPerToken(layout)),
            fullLengthRequests: Math.min(maxSeqs, Math.floor(budgetBytes / needs(length))),
        },
        problems: [],
    };
}

/** KV bytes of one token over every layer of one rank. */
function kvBytesPerToken(layout: KvLayout): number {
    return (layout.fullAttentionLayers + layout.slidingWindowLayers) * layout.bytesPerTokenPerLayer;
}

const gib = (bytes: number) => (bytes / GIB).toFixed(2);
