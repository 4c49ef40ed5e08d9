/**
 * The vLLM options a rendered model server owns, read from the container itself rather than from
 * the program's refusal table (a test that iterates over that table cannot see an entry go
 * missing), and every spelling vLLM's parser reads for one of them.
 */
import { MEMORY_OPTIONS } from "../../components/modelServers/contextPlan";
import type { VllmOptions } from "../../components/catalogs/vllmFlags";

/** The parts of a rendered vLLM container these rules read. */
export interface RenderedVllmContainer {
    command: string[];
    args: string[];
    ports: { name: string; containerPort: number; protocol: string }[];
    readinessProbe?: { httpGet?: { port: string | number } };
}

/**
 * The options the program owns in `container`, given the `userArgs` the config appended: every
 * option the program passes but those the memory rule reads, and its `--no-` negation at the tag; where the pod is probed over TCP
 * on a port of the API server, the options that move or stop that listener; with LoRA on, the
 * static adapter list, since the program loads its adapters at runtime.
 */
export function ownedVllmOptions(container: RenderedVllmContainer, userArgs: readonly string[], vllm: VllmOptions): string[] {
    const programArgs = container.args.slice(0, container.args.length - userArgs.length);
    // The context the plan sets is config's to ask for, read by the memory rule (contextPlan.ts).
    const passed = programArgs
        .filter((arg) => arg.startsWith("--"))
        .map((arg) => arg.split("=")[0])
        .filter((option) => !(option in MEMORY_OPTIONS));
    const negations = passed.map((option) => `--no-${option.slice(2)}`).filter((option) => vllm.long.includes(option));
    const apiServer = container.command.join(" ").includes("vllm.entrypoints.openai.api_server");
    const probedPort = container.ports.some((p) => p.protocol === "TCP" && p.name === container.readinessProbe?.httpGet?.port);
    const listener = apiServer && probedPort ? ["--host", "--uds", "--headless"] : [];
    const adapters = passed.includes("--enable-lora") ? ["--lora-modules"] : [];
    return [...new Set([...passed, ...negations, ...listener, ...adapters])].sort();
}

/** Every way to write `option` on vLLM's command line that its parser reads as `option`: as is,
 * with an attached value, with underscores, the shortest unambiguous abbreviation (argparse's
 * prefix matching) in both forms, and each short alias, alone and with a value. */
export function vllmSpellings(option: string, vllm: VllmOptions): string[] {
    const names = [...vllm.long, ...Object.keys(vllm.short)];
    const longForm = (name: string) => vllm.short[name] ?? name;
    const underscored = (text: string) => `--${text.slice(2).replace(/-/g, "_")}`;
    const abbreviation = Array.from({ length: option.length - 3 }, (_, i) => option.slice(0, i + 3)).find((prefix) => {
        if (names.includes(prefix)) return false;
        const meant = new Set(names.filter((name) => name.startsWith(prefix)).map(longForm));
        return meant.size === 1 && meant.has(option);
    });
    const shorts = Object.keys(vllm.short).filter((short) => vllm.short[short] === option);
    return [
        option,
        `${option}=1`,
        underscored(option),
        ...(abbreviation === undefined ? [] : [abbreviation, underscored(abbreviation)]),
        ...shorts.flatMap((short) => [short, `${short}=1`]),
    ];
}
