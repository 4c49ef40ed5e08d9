/**
 * What a pod serves, read from its manifest the way vLLM and the LoRA syncer read their own
 * arguments and files: the vLLM container's port, the model names it answers to, the adapters it
 * loads, and the flags that decide which metrics it registers.
 */
import { parse as parseYaml } from "yaml";
import { ContainerAt, PodTemplate, RenderedStack, containersOf, find, imageOf } from "./objects";
import { LORA_SYNCER, VLLM_DEFAULT_PORT, VLLM_RUNTIME_LORA_ENV } from "./upstreamFacts";

/** The LoRA syncer beside a vLLM container. */
export interface LoraSyncer {
    /** The sidecar. */
    container: ContainerAt;
    /** The port it loads adapters through. */
    port: number;
    /** The adapters it keeps loaded (`ensureExist`). */
    adapters: string[];
    /** The ConfigMap its config file comes from, if found. */
    configMap?: string;
}

/** A vLLM server: one vLLM container of a pod template. */
export interface ModelServer {
    template: PodTemplate;
    /** The vLLM container. */
    container: ContainerAt;
    /** The image tag, which is the vLLM version. */
    version?: string;
    /** Its arguments, command first. */
    argv: string[];
    /** The port it listens on (`--port`, 8000 by default). */
    port: number;
    /** The names it serves requests for (`--served-model-name`, else `--model` or `vllm serve <model>`). */
    servedNames: string[];
    /** LoRA adapters named at start (`--lora-modules`). */
    loraModules: string[];
    /** Whether adapters may be loaded at runtime. */
    runtimeLoraLoading: boolean;
    /** The syncer that loads adapters at runtime, if the pod has one. */
    syncer?: LoraSyncer;
}

/** The values of `flag` in `argv`: `--flag a b` (up to the next `--`) or `--flag=a`. */
export function flagValues(argv: readonly string[], flag: string): string[] | undefined {
    const values: string[] = [];
    let seen = false;
    argv.forEach((arg, i) => {
        if (arg.startsWith(`${flag}=`)) {
            seen = true;
            values.push(arg.slice(flag.length + 1));
        } else if (arg === flag) {
            seen = true;
            for (const next of argv.slice(i + 1)) {
                if (next.startsWith("--")) break;
                values.push(next);
            }
        }
    });
    return seen ? values : undefined;
}

/** True for a container that runs vLLM: its published image, or vLLM's entry points. */
function runsVllm(container: { image?: string; command?: string[]; args?: string[] }): boolean {
    const argv = [...(container.command ?? []), ...(container.args ?? [])];
    return imageOf(container).repository.endsWith("vllm/vllm-openai") || argv.some((a) => a.startsWith("vllm.entrypoints.") || a === "vllm");
}

function envValue(container: { env?: { name: string; value?: string }[] }, name: string): string | undefined {
    return container.env?.find((e) => e.name === name)?.value;
}

/** The syncer's config, read from the ConfigMap its file is mounted from. */
function readSyncer(stack: RenderedStack, template: PodTemplate, sidecar: ContainerAt): LoraSyncer {
    const file = envValue(sidecar.container, LORA_SYNCER.configEnv) ?? LORA_SYNCER.defaultConfigPath;
    const mount = ((sidecar.container.volumeMounts ?? []) as { name: string; mountPath: string }[]).find((m) => file.startsWith(`${m.mountPath.replace(/\/$/, "")}/`));
    const volume = ((template.spec.volumes ?? []) as { name: string; configMap?: { name: string; items?: { key: string; path: string }[] } }[]).find((v) => v.name === mount?.name);
    const configMapName = volume?.configMap?.name;
    const syncer: LoraSyncer = { container: sidecar, port: LORA_SYNCER.defaultPort, adapters: [], ...(configMapName === undefined ? {} : { configMap: configMapName }) };
    if (mount === undefined || configMapName === undefined) return syncer;
    const relative = file.slice(mount.mountPath.replace(/\/$/, "").length + 1);
    const key = volume?.configMap?.items?.find((item) => item.path === relative)?.key ?? relative;
    const data = find(stack, "ConfigMap", template.namespace, configMapName)?.["data"]?.[key];
    if (typeof data !== "string") return syncer;
    const config = ((parseYaml(data) ?? {}) as Record<string, { port?: number; ensureExist?: { models?: { id: string }[] } }>)[LORA_SYNCER.baseField] ?? {};
    return { ...syncer, port: config.port ?? LORA_SYNCER.defaultPort, adapters: (config.ensureExist?.models ?? []).map((m) => m.id) };
}

/** The vLLM servers of a pod template (usually one). */
export function modelServersOf(stack: RenderedStack, template: PodTemplate): ModelServer[] {
    const containers = containersOf(template);
    const sidecar = containers.find((c) => envValue(c.container, LORA_SYNCER.configEnv) !== undefined || imageOf(c.container).repository.endsWith("/lora-syncer"));
    return containers
        .filter((c) => runsVllm(c.container))
        .map((c) => {
            const argv = [...(c.container.command ?? []), ...(c.container.args ?? [])].map(String);
            const port = Number(flagValues(argv, "--port")?.[0] ?? VLLM_DEFAULT_PORT);
            const serve = argv.indexOf("serve");
            const positional = serve !== -1 && argv[serve + 1] !== undefined && !argv[serve + 1].startsWith("-") ? [argv[serve + 1]] : [];
            const served = flagValues(argv, "--served-model-name") ?? flagValues(argv, "--model") ?? positional;
            const loraModules = (flagValues(argv, "--lora-modules") ?? []).map((m) => (m.startsWith("{") ? String(JSON.parse(m).name) : m.split("=")[0]));
            const allowed = ["1", "true"].includes((envValue(c.container, VLLM_RUNTIME_LORA_ENV) ?? "").trim().toLowerCase());
            return {
                template,
                container: c,
                version: imageOf(c.container).tag,
                argv,
                port,
                servedNames: served,
                loraModules,
                runtimeLoraLoading: allowed && argv.includes("--enable-lora"),
                ...(sidecar === undefined ? {} : { syncer: readSyncer(stack, template, sidecar) }),
            };
        });
}

/** Every name a server answers to: its served names, its start-up adapters, and the adapters its
 * syncer loads (when vLLM allows runtime loading). */
export function namesServed(server: ModelServer): string[] {
    return [...server.servedNames, ...server.loraModules, ...(server.runtimeLoraLoading ? (server.syncer?.adapters ?? []) : [])];
}
