/**
 * What a pod serves, read from its manifest the way vLLM, the LoRA syncer and the adapter fetcher
 * read their own arguments and files: the vLLM container's port, the model names it answers to,
 * the adapters it loads (named at start, kept loaded by the syncer, or put where vLLM's
 * filesystem resolver looks), and the flags that decide which metrics it registers.
 */
import { parse as parseYaml } from "yaml";
import { VolumePath, fileAt, volumePathOf } from "./files";
import { ContainerAt, PodTemplate, RenderedStack, argvOf, containersOf, imageOf } from "./objects";
import { LORA_SYNCER, VLLM_DEFAULT_PORT, VLLM_LORA_RESOLVER } from "./upstreamFacts";

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

/**
 * The program's adapter fetcher (components/adapters/adapterFetcher.ts), read as its container says: it
 * reads the JSON list in the file its `ADAPTER_LIST` names (`active[].name`) and writes each
 * active adapter to `<its VLLM_LORA_RESOLVER_CACHE_DIR>/<name>`. Not an upstream fact: our own
 * sidecar's interface, which test/adapterFetcher.test.ts runs under Python.
 */
const ADAPTER_FETCHER = { listEnv: "ADAPTER_LIST", dirEnv: VLLM_LORA_RESOLVER.env.cacheDir } as const;

/** A container that fills vLLM's resolver directory. */
export interface ResolverFiller {
    container: ContainerAt;
    /** Where it writes (its own path), and where that lands. */
    path: string;
    at?: VolumePath;
    /** The adapters it puts there. */
    adapters: string[];
}

/** vLLM's filesystem resolver in one pod: the directory vLLM reads, and who fills it. */
export interface Resolver {
    /** `VLLM_LORA_RESOLVER_CACHE_DIR` in vLLM's container. */
    path: string;
    /** Its volume; undefined when no mount holds it (nothing else in the pod can write there). */
    at?: VolumePath;
    /** Every fetcher of the pod; those that write where vLLM reads put adapters there. */
    fillers: ResolverFiller[];
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
    /** vLLM's filesystem resolver, when it is loaded (VLLM_PLUGINS) and given a directory. */
    resolver?: Resolver;
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

/** True for a container that runs vLLM's server: its command runs vLLM's OpenAI entry point
 * (`python3 -m vllm.entrypoints.openai.api_server` or `vllm serve`), or it has no command and runs
 * the published image's own entry point (docker/Dockerfile `vllm-openai` stage: the api_server
 * module at v0.11.0, line 542; `vllm serve` at v0.20.2, line 812). A container with a command of
 * its own in that image, such as the adapter fetcher, is not a server. */
export function runsVllm(container: { image?: string; command?: string[]; args?: string[] }): boolean {
    if (container.command === undefined || container.command.length === 0) return imageOf(container).repository.endsWith("vllm/vllm-openai");
    const argv = [...container.command, ...(container.args ?? [])].map(String);
    const program = argv[0].split("/").pop();
    return argv.includes("vllm.entrypoints.openai.api_server") || (program === "vllm" && argv[1] === "serve");
}

function envValue(container: { env?: { name: string; value?: string }[] }, name: string): string | undefined {
    return container.env?.find((e) => e.name === name)?.value;
}

/** The text of the file `path` of `container`, from the ConfigMap or Secret volume it lies in. */
function fileText(stack: RenderedStack, template: PodTemplate, container: ContainerAt, path: string): { text?: string; configMap?: string } {
    const lookup = fileAt(stack, template, container, path);
    if (lookup.kind !== "file") return {};
    return {
        ...(lookup.file.text === undefined ? {} : { text: lookup.file.text }),
        ...(lookup.file.kind === "ConfigMap" ? { configMap: lookup.file.name } : {}),
    };
}

/** The syncer's config, read from the ConfigMap its file is mounted from. */
function readSyncer(stack: RenderedStack, template: PodTemplate, sidecar: ContainerAt): LoraSyncer {
    const file = envValue(sidecar.container, LORA_SYNCER.configEnv) ?? LORA_SYNCER.defaultConfigPath;
    const { text, configMap } = fileText(stack, template, sidecar, file);
    const syncer: LoraSyncer = { container: sidecar, port: LORA_SYNCER.defaultPort, adapters: [], ...(configMap === undefined ? {} : { configMap }) };
    if (text === undefined) return syncer;
    const config = ((parseYaml(text) ?? {}) as Record<string, { port?: number; ensureExist?: { models?: { id: string }[] } }>)[LORA_SYNCER.baseField] ?? {};
    return { ...syncer, port: config.port ?? LORA_SYNCER.defaultPort, adapters: (config.ensureExist?.models ?? []).map((m) => m.id) };
}

/** vLLM's resolver directory and the fetchers of the pod, when vLLM loads the plugin. */
function readResolver(stack: RenderedStack, template: PodTemplate, vllm: ContainerAt, others: ContainerAt[]): Resolver | undefined {
    const plugins = envValue(vllm.container, VLLM_LORA_RESOLVER.env.plugins);
    const path = envValue(vllm.container, VLLM_LORA_RESOLVER.env.cacheDir);
    if (path === undefined || (plugins !== undefined && !plugins.split(",").includes(VLLM_LORA_RESOLVER.plugin))) return undefined;
    const at = volumePathOf(vllm, path);
    const fillers = others.flatMap((container) => {
        const list = envValue(container.container, ADAPTER_FETCHER.listEnv);
        const dir = envValue(container.container, ADAPTER_FETCHER.dirEnv);
        if (list === undefined || dir === undefined) return [];
        const { text } = fileText(stack, template, container, list);
        const active = text === undefined ? [] : ((JSON.parse(text) as { active?: { name: string }[] }).active ?? []).map((a) => a.name);
        const target = volumePathOf(container, dir);
        return [{ container, path: dir, ...(target === undefined ? {} : { at: target }), adapters: active }];
    });
    return { path, ...(at === undefined ? {} : { at }), fillers };
}

/** Whether a filler writes into the directory vLLM's resolver reads. */
export function fillsResolver(resolver: Resolver, filler: ResolverFiller): boolean {
    return (
        resolver.at !== undefined &&
        filler.at !== undefined &&
        !filler.at.readOnly &&
        filler.at.volume === resolver.at.volume &&
        filler.at.inside === resolver.at.inside
    );
}

/** The vLLM servers of a pod template (usually one). */
export function modelServersOf(stack: RenderedStack, template: PodTemplate): ModelServer[] {
    const containers = containersOf(template);
    const sidecar = containers.find(
        (c) => envValue(c.container, LORA_SYNCER.configEnv) !== undefined || imageOf(c.container).repository.endsWith("/lora-syncer"),
    );
    return containers
        .filter((c) => runsVllm(c.container))
        .map((c) => {
            const resolver = readResolver(
                stack,
                template,
                c,
                containers.filter((other) => other !== c),
            );
            const argv = argvOf(c.container);
            const port = Number(flagValues(argv, "--port")?.[0] ?? VLLM_DEFAULT_PORT);
            const serve = argv.indexOf("serve");
            const positional = serve !== -1 && argv[serve + 1] !== undefined && !argv[serve + 1].startsWith("-") ? [argv[serve + 1]] : [];
            const served = flagValues(argv, "--served-model-name") ?? flagValues(argv, "--model") ?? positional;
            const loraModules = (flagValues(argv, "--lora-modules") ?? []).map((m) => (m.startsWith("{") ? String(JSON.parse(m).name) : m.split("=")[0]));
            const allowed = ["1", "true"].includes((envValue(c.container, VLLM_LORA_RESOLVER.env.runtimeUpdating) ?? "").trim().toLowerCase());
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
                ...(resolver === undefined ? {} : { resolver }),
            };
        });
}

/** The adapters in the directory vLLM's resolver reads: what the fetchers writing there put. */
function resolverAdapters(server: ModelServer): string[] {
    const resolver = server.resolver;
    return resolver === undefined ? [] : resolver.fillers.filter((f) => fillsResolver(resolver, f)).flatMap((f) => f.adapters);
}

/** Every name a server answers to: its served names, its start-up adapters, and, when vLLM allows
 * runtime loading, the adapters its syncer loads and those its resolver finds. */
export function namesServed(server: ModelServer): string[] {
    const runtime = server.runtimeLoraLoading ? [...(server.syncer?.adapters ?? []), ...resolverAdapters(server)] : [];
    return [...server.servedNames, ...server.loraModules, ...runtime];
}
