/**
 * One mocked run of the whole program per release line and provider, shared by a file's tests: a
 * model with two active adapters and a retired one, and an autoscaled one.
 */
import { ProgramRun, runProgram } from "../../tools/mockRuntime";
import { sharedBy } from "./sharedRuns";
import { configKey, stackVariant } from "./stackConfigs";

export const LLAMA = "meta-llama/Llama-3.1-8B-Instruct";
export const PHI = "microsoft/Phi-4-mini-instruct";
export const LLAMA_ADAPTERS = [
    { name: "food-review", source: "Kawon/llama3.1-food-finetune_v14_r8" },
    { name: "support-tickets", source: "example-org/llama-3.1-support-lora" },
];
export const RETIRED = { name: "food-review-v0", source: "example-org/food-review-v0", retired: true };
/** Phi's own vLLM arguments, as the stack files give them; Llama's are the program's alone. */
export const PHI_ARGS = ["--trust-remote-code", "--enable-chunked-prefill"];

/** Phi autoscales, on the queue with gke and on the KV cache with istio, so that each line's vLLM
 * tag is checked with both signals. */
const AUTOSCALING = { gke: "queueDepth", istio: "kvCache" } as const;

/** One mocked run per line and provider. */
const runOf = sharedBy((key: string): Promise<ProgramRun> => {
    const [provider, version] = key.split("@") as ["gke" | "istio", string];
    const file = stackVariant(provider, `line-${provider}-${version}`, (config) => {
        config[configKey("charts")] = { inferencePool: { version }, bodyBasedRouting: { version } };
        const [llama, phi] = config[configKey("models")] as Record<string, unknown>[];
        const { replicas: _fixed, ...autoscaled } = phi;
        config[configKey("models")] = [
            // maxCpuLoras, so that every LoRA flag the program can pass is in the argv.
            { ...llama, adapters: [...LLAMA_ADAPTERS, RETIRED], lora: { maxCpuLoras: 3 } },
            {
                ...autoscaled,
                vllmArgs: PHI_ARGS,
                autoscaling: { minReplicas: 1, maxReplicas: 2, metric: AUTOSCALING[provider] },
                weightCache: { accessMode: "ReadWriteMany" },
            },
        ];
    });
    return runProgram(provider, file);
});
/** The run of `version` with `provider`. */
export const runFor = (version: string, provider: "gke" | "istio") => runOf(`${provider}@${version}`);
