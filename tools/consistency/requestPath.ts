/**
 * The request path, end to end: a client's `POST /v1/chat/completions` whose body names a model
 * gets the header the Gateway's Body-Based Router sets at its pinned tag; Gateway API's
 * precedence rules (tools/routeMatching.ts) pick the route; the route's InferencePool selects
 * pods, and those pods must serve that name. Every name a pod serves must be reachable so, and
 * every route must send the names it matches to pods that serve them.
 */
import { GatewayManifest, HttpRouteManifest, routeRequest } from "../routeMatching";
import { ModelServer, modelServersOf, namesServed } from "./modelServers";
import { Finding, KubeObject, ObjectRef, RenderedStack, describe, find, namespaceOf, ofKind, refOf } from "./objects";
import { HeaderSetter, attachedRoutes, headerSetters, headersFor, poolTemplates } from "./workloads";

/** What clients send generation to (OpenAI API: `POST /v1/chat/completions`). */
const CLIENT_PATH = "/v1/chat/completions";

/** The vLLM servers behind a pool. */
export function poolServers(stack: RenderedStack, pool: KubeObject): ModelServer[] {
    return poolTemplates(stack, pool).flatMap((t) => modelServersOf(stack, t));
}

/** The pools a rule sends to, with the route's own backendRef path. */
function poolBackends(stack: RenderedStack, route: KubeObject, ruleIndex: number): { pool?: KubeObject; ref: ObjectRef; name: string }[] {
    const rule = route["spec"]?.rules?.[ruleIndex] ?? {};
    return ((rule.backendRefs ?? []) as { kind?: string; name: string; namespace?: string }[]).flatMap((backend, i) =>
        backend.kind === "InferencePool"
            ? [{ pool: find(stack, "InferencePool", backend.namespace ?? namespaceOf(route), backend.name), ref: refOf(route, `spec.rules[${ruleIndex}].backendRefs[${i}]`), name: backend.name }]
            : [],
    );
}

/** Hosts to send a probe to: each listener's hostname (a wildcard made concrete), else any. */
function probes(gateway: KubeObject): { scheme: "http" | "https"; host: string }[] {
    return ((gateway["spec"]?.listeners ?? []) as { protocol: string; hostname?: string }[])
        .filter((l) => l.protocol === "HTTP" || l.protocol === "HTTPS")
        .map((l) => ({ scheme: l.protocol === "HTTPS" ? "https" : "http", host: (l.hostname ?? "consistency.invalid").replace(/^\*\./, "any.") }));
}

/** Where a request for `model` ends up through `gateway`, on every listener. */
function decide(stack: RenderedStack, gateway: KubeObject, routes: KubeObject[], setters: HeaderSetter[], model: string) {
    const headers = Object.assign({}, ...setters.map((s) => headersFor(stack, s, model))) as Record<string, string>;
    return probes(gateway).map((probe) => ({
        probe,
        headers,
        decision: routeRequest(gateway as unknown as GatewayManifest, routes as unknown as HttpRouteManifest[], { ...probe, method: "POST", path: CLIENT_PATH, headers }),
    }));
}

/** Header matches of the attached routes that no Body-Based Router of the Gateway sets. */
function unsetHeaders(gateway: KubeObject, routes: KubeObject[], setters: HeaderSetter[]): Finding[] {
    const set = new Set(setters.flatMap((s) => [s.modelHeader, s.baseModelHeader]).filter((h): h is string => h !== undefined).map((h) => h.toLowerCase()));
    const findings: Finding[] = [];
    for (const route of routes) {
        (route["spec"]?.rules ?? []).forEach((rule: { matches?: { headers?: { name: string }[] }[] }, r: number) =>
            (rule.matches ?? []).forEach((match, m) =>
                (match.headers ?? []).forEach((header, h) => {
                    if (set.has(header.name.toLowerCase())) return;
                    const by = setters.map((s) => `${describe(refOf(s.template.owner))} (bbr:${s.tag ?? "untagged"}) sets ${s.modelHeader ?? "no header the check knows"}${s.fact === undefined ? "" : ` (${s.fact.file}:${s.fact.line} at ${s.fact.tag})`}`);
                    findings.push({
                        rule: "request-path",
                        message: `${describe(refOf(route))} matches header ${header.name}, which nothing sets on ${describe(refOf(gateway))}: ${by.length === 0 ? "no Body-Based Router is hooked into it" : by.join("; ")}`,
                        objects: [refOf(route, `spec.rules[${r}].matches[${m}].headers[${h}].name`), refOf(gateway), ...setters.map((s) => refOf(s.template.owner)), ...setters.map((s) => refOf(s.hook))],
                    });
                }),
            ),
        );
    }
    return findings;
}

/** Every request-path finding. */
export function requestPathFindings(stack: RenderedStack): Finding[] {
    const findings: Finding[] = [];
    for (const gateway of ofKind(stack, "Gateway")) {
        const routes = attachedRoutes(stack, gateway);
        const setters = headerSetters(stack, gateway);
        for (const setter of setters.filter((s) => s.fact === undefined)) {
            findings.push({
                rule: "request-path",
                message: `${describe(refOf(setter.template.owner))} runs BBR ${setter.tag ?? "without a tag"}, whose header the check has not read: add it to tools/consistency/facts/bbr-model-header.json`,
                objects: [refOf(setter.template.owner), refOf(gateway)],
            });
        }
        findings.push(...unsetHeaders(gateway, routes, setters));

        // Every name the pods of the routed pools and of the Gateway's namespace serve, and every
        // name a route matches.
        const pools = new Map<string, KubeObject>(ofKind(stack, "InferencePool", namespaceOf(gateway)).map((p) => [`${namespaceOf(p)}/${p.metadata.name}`, p]));
        for (const route of routes) {
            (route["spec"]?.rules ?? []).forEach((_: unknown, r: number) => {
                for (const backend of poolBackends(stack, route, r)) if (backend.pool !== undefined) pools.set(`${namespaceOf(backend.pool)}/${backend.pool.metadata.name}`, backend.pool);
            });
        }
        const servers = [...pools.values()].flatMap((pool) => poolServers(stack, pool));
        const matched = routes.flatMap((route) =>
            ((route["spec"]?.rules ?? []) as { matches?: { headers?: { value: string }[] }[] }[]).flatMap((rule) => (rule.matches ?? []).flatMap((m) => (m.headers ?? []).map((h) => h.value))),
        );
        const names = [...new Set([...servers.flatMap(namesServed), ...matched])].sort();
        for (const model of names) {
            const outcomes = decide(stack, gateway, routes, setters, model);
            const reachedServing = outcomes.some(({ decision }) => {
                if (decision === undefined) return false;
                const route = routes.find((r) => `${namespaceOf(r)}/${r.metadata.name}` === decision.route) as KubeObject;
                return poolBackends(stack, route, decision.ruleIndex).some((b) => b.pool !== undefined && poolServers(stack, b.pool).some((s) => namesServed(s).includes(model)));
            });
            for (const { probe, decision } of outcomes) {
                if (decision === undefined) continue;
                const route = routes.find((r) => `${namespaceOf(r)}/${r.metadata.name}` === decision.route) as KubeObject;
                for (const backend of poolBackends(stack, route, decision.ruleIndex)) {
                    if (backend.pool === undefined) continue; // the references rule reports it
                    const behind = poolServers(stack, backend.pool);
                    if (behind.some((s) => namesServed(s).includes(model))) continue;
                    const served = [...new Set(behind.flatMap(namesServed))];
                    findings.push({
                        rule: "request-path",
                        message: `${probe.scheme.toUpperCase()} POST ${CLIENT_PATH} for model ${model} reaches ${describe(refOf(route))}, which sends it to ${describe(refOf(backend.pool))}, whose pods serve ${served.length === 0 ? "no model" : served.join(", ")}`,
                        objects: [backend.ref, refOf(backend.pool, "spec.selector"), ...behind.map((s) => refOf(s.template.owner, `${s.container.path}.args`))],
                    });
                }
            }
            const owners = servers.filter((s) => namesServed(s).includes(model));
            if (!reachedServing && owners.length > 0) {
                const sent = outcomes.map(({ probe, headers, decision }) => `${probe.scheme.toUpperCase()} with ${JSON.stringify(headers)} reaches ${decision === undefined ? "no route" : `${decision.route} rule ${decision.ruleIndex}`}`);
                findings.push({
                    rule: "request-path",
                    message: `model ${model}, served by ${owners.map((s) => describe(refOf(s.template.owner))).join(", ")}, is unreachable through ${describe(refOf(gateway))}: ${sent.join("; ")}`,
                    objects: [refOf(gateway), ...owners.map((s) => refOf(s.template.owner, `${s.container.path}.args`)), ...setters.map((s) => refOf(s.template.owner))],
                });
            }
        }
    }
    return findings;
}
