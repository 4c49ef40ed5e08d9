/**
 * LoRA adapters in the plan: which names each model's route matches, which adapters its pods
 * load or unload, and vLLM's LoRA limits. Pure; problems name their config key.
 */
import type { ConfigProblem } from "../config/configErrors";
import { ParsedModelConfig, loraSchema } from "../config/configSchema";
import type { AdapterLoading } from "../catalogs/charts/releaseLine";
import { INFERENCE_PATH_LIST } from "../routing/clientRequests";

/** Gateway API v1.0's HTTPRoute schema allows 8 matches per rule and 16 rules per route; later
 * versions allow more per rule but at most 128 matches per route, so 128 names fit both. Where
 * BBR maps adapters to their base model, a route matches the base model alone and has no limit. */
export const ROUTE_MATCHES_PER_RULE = 8;
/** See {@link ROUTE_MATCHES_PER_RULE}. */
export const ROUTE_RULES_PER_ROUTE = 16;
/** Client-facing names one model's route can match: its own plus its active adapters. Each name
 * takes one match per inference path (a match holds one path). */
export const MAX_ROUTED_NAMES = (ROUTE_MATCHES_PER_RULE * ROUTE_RULES_PER_ROUTE) / INFERENCE_PATH_LIST.length;

/** One adapter, resolved. */
export interface PlannedAdapter {
    /** Client-facing name, the `lora_name` vLLM serves it under. */
    name: string;
    /** Hugging Face repository or path vLLM loads it from. */
    source: string;
    /** Unloaded from running pods and not routed. */
    retired: boolean;
}

/** vLLM's LoRA limits of a model whose pods serve adapters. */
export interface PlannedLora {
    /** `--max-loras`. */
    maxLoras: number;
    /** `--max-lora-rank`. */
    maxLoraRank: number;
    /** `--max-cpu-loras`, when set. */
    maxCpuLoras?: number;
    /** How the pods load adapters: the syncer sidecar, or vLLM's resolver. */
    loading: AdapterLoading;
}

/** A model's adapters and limits; `lora` is undefined when LoRA is off, which leaves the pods
 * exactly as they are without LoRA. */
export function planLora(model: ParsedModelConfig, loading: AdapterLoading): { adapters: PlannedAdapter[]; lora?: PlannedLora } {
    const adapters = model.adapters.map((a) => ({ name: a.name, source: a.source, retired: a.retired }));
    const enabled = model.lora !== undefined || adapters.length > 0;
    if (!enabled) return { adapters };
    const limits = model.lora ?? loraSchema.parse({});
    return { adapters, lora: { maxLoras: limits.maxLoras, maxLoraRank: limits.maxLoraRank, maxCpuLoras: model.lora?.maxCpuLoras, loading } };
}

/** The names a model's route matches: the model's, then each adapter that is not retired. */
export function routedNames(modelName: string, adapters: PlannedAdapter[]): string[] {
    return [modelName, ...adapters.filter((a) => !a.retired).map((a) => a.name)];
}

/**
 * Every model and adapter name must be unique across the whole config (BBR routes on the name
 * alone), and, unless routes match the base model (`baseModelRouting`), each model's route must
 * hold its names. Model-name duplicates are reported by the model checks; this reports adapters.
 */
export function checkAdapterNames(models: readonly ParsedModelConfig[], baseModelRouting: boolean): ConfigProblem[] {
    const problems: ConfigProblem[] = [];
    const owner = new Map<string, string>();
    models.forEach((model, index) => {
        if (!owner.has(model.name)) owner.set(model.name, `models[${index}].name`);
    });
    models.forEach((model, index) => {
        model.adapters.forEach((adapter, adapterIndex) => {
            const path = `models[${index}].adapters[${adapterIndex}].name`;
            const taken = owner.get(adapter.name);
            if (taken !== undefined) {
                problems.push({
                    path,
                    message: `got ${JSON.stringify(adapter.name)}, which ${taken} already uses; model and adapter names must be unique across all models`,
                });
            } else {
                owner.set(adapter.name, path);
            }
        });
        const routed = 1 + model.adapters.filter((a) => !a.retired).length;
        if (!baseModelRouting && routed > MAX_ROUTED_NAMES) {
            problems.push({
                path: `models[${index}].adapters`,
                message:
                    `lists ${routed - 1} active adapters; one HTTPRoute matches at most ${MAX_ROUTED_NAMES} names ` +
                    `(${ROUTE_RULES_PER_ROUTE} rules of ${ROUTE_MATCHES_PER_RULE} matches, one per name and each of ${INFERENCE_PATH_LIST.join(" and ")}), the model's own included: ` +
                    `retire or remove adapters, or serve some on another copy of the base model`,
            });
        }
    });
    return problems;
}
