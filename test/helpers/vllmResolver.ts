/**
 * vLLM's own LoRA plugin loader and resolvers (v0.20.2's modules from PyPI's source archive, `npm
 * run tools`), asked which adapter names a vLLM with a given environment serves for its base
 * model (vLLM asks with its `--model`: vllm/entrypoints/openai/models/serving.py:282 at v0.20.2).
 * Each question is a Python process of its own: vLLM loads its plugins once per process.
 */
import { execFile } from "node:child_process";
import { promisify } from "node:util";
import { pypiSourceEnv, venvPython } from "../../tools/local/packagedPrograms";
import { toolsNotBuilt } from "../../tools/local/toolchain";

/** Why vLLM's modules cannot run here, or undefined. */
export const RESOLVER_MISSING = toolsNotBuilt(["vllm-resolver"]);

/** What vLLM makes of an environment: the resolvers its plugins registered, whether it allows
 * runtime loading, and the names it serves from them (a request for an unknown model is resolved
 * only with runtime loading allowed: vllm/entrypoints/openai/engine/serving.py:415-417 at v0.20.2). */
export interface VllmAnswer {
    registered: string[];
    runtimeUpdating: boolean;
    served: string[];
}

export async function askVllm(env: Record<string, string>, base: string, names: string[]): Promise<VllmAnswer> {
    const script = [
        "import asyncio, json, sys",
        "import vllm.envs as envs",
        "from vllm.plugins import load_general_plugins",
        "from vllm.lora.resolver import LoRAResolverRegistry",
        "load_general_plugins()",
        "registered = sorted(LoRAResolverRegistry.get_supported_resolvers())",
        "resolvers = [LoRAResolverRegistry.get_resolver(r) for r in registered]",
        "runtime = envs.VLLM_ALLOW_RUNTIME_LORA_UPDATING",
        "served = [n for n in sys.argv[2:] if runtime and any(asyncio.run(r.resolve_lora(sys.argv[1], n)) for r in resolvers)]",
        "print(json.dumps({'registered': registered, 'runtimeUpdating': runtime, 'served': served}))",
    ].join("\n");
    const { stdout } = await promisify(execFile)(venvPython("vllm-resolver"), ["-c", script, base, ...names], {
        env: { PATH: process.env.PATH, ...pypiSourceEnv("vllm-resolver"), ...env },
        timeout: 60_000,
    });
    return JSON.parse(stdout.trim().split("\n").pop() as string) as VllmAnswer;
}
