/**
 * Adapters loaded at runtime reach vLLM. The LoRA syncer (v1.0 line) loads them through the port
 * vLLM listens on, which vLLM must allow (`--enable-lora` and VLLM_ALLOW_RUNTIME_LORA_UPDATING).
 * vLLM's filesystem resolver (v1.5 line) reads a directory that a volume of the pod must hold, and
 * the pod's adapter fetcher must write into that same volume and path, mounted writable. Which
 * names that makes served, and whether each reaches its pods, is the request path's business.
 */
import { VolumePath } from "./files";
import { fillsResolver, modelServersOf } from "./modelServers";
import { Finding, RenderedStack, describe, podTemplates, refOf } from "./objects";
import { VLLM_LORA_RESOLVER } from "./upstreamFacts";

const where = (at: VolumePath | undefined) =>
    at === undefined ? "no volume" : `volume ${at.volume}${at.inside === "" ? "" : ` at ${at.inside}`}${at.readOnly ? ", read-only" : ""}`;

/** Every adapter-loading finding. */
export function adapterFindings(stack: RenderedStack): Finding[] {
    const findings: Finding[] = [];
    for (const template of podTemplates(stack)) {
        const owner = describe(refOf(template.owner));
        for (const server of modelServersOf(stack, template)) {
            const vllmEnv = refOf(template.owner, `${server.container.path}.env`);
            const { syncer, resolver } = server;
            if (syncer !== undefined && syncer.port !== server.port) {
                findings.push({
                    rule: "ports",
                    message: `the LoRA syncer in ${owner} loads adapters through port ${syncer.port}, but vLLM listens on ${server.port}`,
                    objects: [
                        refOf(template.owner, syncer.container.path),
                        ...(syncer.configMap === undefined ? [] : [{ kind: "ConfigMap", namespace: template.namespace, name: syncer.configMap }]),
                    ],
                });
            }
            const runtimeAdapters = [...(syncer?.adapters ?? []), ...(resolver?.fillers ?? []).flatMap((f) => f.adapters)];
            if (runtimeAdapters.length > 0 && !server.runtimeLoraLoading) {
                findings.push({
                    rule: "request-path",
                    message: `${owner} loads ${runtimeAdapters.join(", ")} at runtime, but its vLLM does not allow it (--enable-lora and ${VLLM_LORA_RESOLVER.env.runtimeUpdating})`,
                    objects: [
                        vllmEnv,
                        ...[syncer?.container, ...(resolver?.fillers ?? []).map((f) => f.container)].flatMap((c) =>
                            c === undefined ? [] : [refOf(template.owner, c.path)],
                        ),
                    ],
                });
            }
            if (resolver === undefined) continue;
            for (const filler of resolver.fillers.filter((f) => !fillsResolver(resolver, f))) {
                findings.push({
                    rule: "request-path",
                    message:
                        `the adapter fetcher in ${owner} writes ${filler.adapters.join(", ") || "adapters"} to ${filler.path} (${where(filler.at)}), ` +
                        `but vLLM's resolver reads ${resolver.path} (${VLLM_LORA_RESOLVER.env.cacheDir}; ${where(resolver.at)}): it never finds them`,
                    objects: [
                        refOf(template.owner, `${filler.container.path}.volumeMounts`),
                        refOf(template.owner, `${server.container.path}.volumeMounts`),
                        vllmEnv,
                    ],
                });
            }
        }
    }
    return findings;
}
