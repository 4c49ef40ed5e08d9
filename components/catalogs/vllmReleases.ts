/**
 * The vLLM releases the program serves with, read at their tags (vllm-project/vllm, from the fork
 * snapshot eigen-hub/vllm that carries the upstream tags): the image each release line uses by
 * default, where runtime LoRA reads adapters, and, in `vllm/vllm@<tag>.json`, every environment
 * variable the release has (its flags are in `vllmFlags.ts`, which the plan reads `vllmArgs` with;
 * its metrics in facts/vllm-metrics@<tag>.json, which the consistency check
 * reads), which the tests check the program against.
 *
 * The v1.0 line keeps v0.11.0. The v1.5 line takes v0.20.2 (2026-05-05), the newest tag whose
 * source could be read exactly: v0.33.0 is newer but its tag could not be read here, and GAIE
 * v1.5.0's own manifests run v0.18.1 (config/manifests/vllm/gpu-deployment.yaml), older still.
 */
import loraResolver from "../../facts/vllm-lora-resolver.json";

/** One vLLM release. */
export interface VllmRelease {
    /** The tag, e.g. `v0.20.2`. */
    tag: string;
    /** The commit the tag points to. */
    commit: string;
    /** The OpenAI-compatible server image of the release (`.buildkite/scripts/publish-release-images.sh`
     * pushes `vllm/vllm-openai:v<version>`). */
    image: string;
    /** File under `facts/` with its environment variables. */
    factsFile: string;
    /** Environment variables the model server sets that vLLM's own `envs.py` does not list, and
     * who reads them. */
    libraryEnv: Record<string, string>;
}

/** The releases, by tag. */
export const VLLM_RELEASES: Readonly<Record<string, VllmRelease>> = {
    "v0.11.0": {
        tag: "v0.11.0",
        commit: "b8b302cde434df8c9289a2b465406b47ebab1c2d",
        image: "vllm/vllm-openai:v0.11.0",
        factsFile: "vllm@v0.11.0.json",
        // vllm/transformers_utils/config.py:53 `os.getenv('HF_TOKEN')`; huggingface_hub reads it too.
        libraryEnv: { HF_TOKEN: "vllm/transformers_utils/config.py and huggingface_hub" },
    },
    "v0.20.2": {
        tag: "v0.20.2",
        commit: "bc150f50299199599673614f80d12a196f377655",
        image: "vllm/vllm-openai:v0.20.2",
        factsFile: "vllm@v0.20.2.json",
        // No file under vllm/ names HF_TOKEN at this tag (git grep): the weights are downloaded by
        // huggingface_hub (through transformers, requirements/common.txt), which reads it.
        libraryEnv: { HF_TOKEN: "huggingface_hub" },
    },
};

/** vLLM's filesystem LoRA resolver: its plugin and the variables that load it, name its directory
 * and allow runtime loading (facts/vllm-lora-resolver.json, read at both tags; the consistency
 * check reads the same file). The directory must exist when vLLM starts. */
export const LORA_RESOLVER = { plugin: loraResolver.plugin, env: loraResolver.env };
