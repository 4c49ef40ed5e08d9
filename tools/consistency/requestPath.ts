/**
 * The request path, end to end: a client's `POST /v1/chat/completions` whose body names a model
 * gets the header the Gateway's Body-Based Router sets at its pinned tag; Gateway API's
 * precedence rules (tools/routeMatching.ts) pick the route; the route's InferencePool selects
 * pods, and those pods must serve that name. Every name a pod serves must be reachable so, and
 * every route must send the names it matches to pods that serve them.
 */
import { GatewayManifest, HttpRouteManifest, RoutingDecision, routeRequest } from "../routeMatching";
import { ModelServer, modelServersOf, namesServed } from "./modelServers";
import { Finding, KubeObject, ObjectRef, RenderedStack, describe, find, namespaceOf, ofKind, refOf } from "./objects";
import { VLLM_ADMIN_PATHS } from "./upstreamFacts";
import { HeaderSetter, attachedRoutes, baseModelMappings, headerSetters, headersFor, poolTemplates } from "./workloads";

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
            ? [
                  {
                      pool: find(stack, "InferencePool", backend.namespace ?? namespaceOf(route), backend.name),
                      ref: refOf(route, `spec.rules[${ruleIndex}].backendRefs[${i}]`),
                      name: backend.name,
                  },
              ]
            : [],
    );
}

/** Hosts to send a probe to: each listener's hostname (a wildcard made concrete), else any. */
export function probes(gateway: KubeObject): { scheme: "http" | "https"; host: string }[] {
    return ((gateway["spec"]?.listeners ?? []) as { protocol: string; hostname?: string }[])
        .filter((l) => l.protocol === "HTTP" || l.protocol === "HTTPS")
        .map((l) => ({ scheme: l.protocol === "HTTPS" ? "https" : "http", host: (l.hostname ?? "consistency.invalid").replace(/^\*\./, "any.") }));
}

/** Where a request for a model ends up on one listener, with the headers BBR set. */
interface Outcome {
    probe: { scheme: "http" | "https"; host: string };
    headers: Record<string, string>;
    decision: RoutingDecision | undefined;
}

/** Where a POST to `path` for `model` ends up through `gateway`, on every listener. */
function decide(stack: RenderedStack, gateway: KubeObject, routes: KubeObject[], setters: HeaderSetter[], model: string, path = CLIENT_PATH): Outcome[] {
    const headers = Object.assign({}, ...setters.map((s) => headersFor(stack, s, model))) as Record<string, string>;
    return probes(gateway).map((probe) => ({
        probe,
        headers,
        decision: routeRequest(gateway as unknown as GatewayManifest, routes as unknown as HttpRouteManifest[], { ...probe, method: "POST", path, headers }),
    }));
}

/** vLLM's administration paths that a request naming a routed model carries to a pool: any client
 * key would then load or unload adapters on the model servers. */
function adminPathFindings(stack: RenderedStack, gateway: KubeObject, routes: KubeObject[], setters: HeaderSetter[], models: readonly string[]): Finding[] {
    const cited = new Map<string, string[]>();
    for (const fact of VLLM_ADMIN_PATHS) {
        for (const { path, line } of fact.paths) cited.set(path, [...(cited.get(path) ?? []), `${fact.file}:${line} at ${fact.tag}, with ${fact.enabledBy}`]);
    }
    const findings: Finding[] = [];
    for (const [path, sources] of cited) {
        for (const model of models) {
            for (const { probe, decision } of decide(stack, gateway, routes, setters, model, path)) {
                const route = decision === undefined ? undefined : routes.find((r) => `${namespaceOf(r)}/${r.metadata.name}` === decision.route);
                const pools = route === undefined || decision === undefined ? [] : poolBackends(stack, route, decision.ruleIndex);
                if (route === undefined || decision === undefined || pools.length === 0) continue;
                findings.push({
                    rule: "request-path",
                    message:
                        `${probe.scheme.toUpperCase()} POST ${path} for model ${model} reaches ${describe(refOf(route))}, which sends it to ${pools.map((p) => `InferencePool ${p.name}`).join(", ")}: ` +
                        `vLLM administers adapters there (${sources.join("; ")}), and any client key may call it; route only the inference paths`,
                    objects: [refOf(route, `spec.rules[${decision.ruleIndex}].matches`), ...pools.map((p) => p.ref)],
                });
            }
        }
    }
    return findings;
}

/** Header matches of the attached routes that no Body-Based Router of the Gateway sets. */
function unsetHeaders(gateway: KubeObject, routes: KubeObject[], setters: HeaderSetter[]): Finding[] {
    const set = new Set(
        setters
            .flatMap((s) => [s.modelHeader, s.baseModelHeader])
            .filter((h): h is string => h !== undefined)
            .map((h) => h.toLowerCase()),
    );
    const findings: Finding[] = [];
    for (const route of routes) {
        (route["spec"]?.rules ?? []).forEach((rule: { matches?: { headers?: { name: string }[] }[] }, r: number) =>
            (rule.matches ?? []).forEach((match, m) =>
                (match.headers ?? []).forEach((header, h) => {
                    if (set.has(header.name.toLowerCase())) return;
                    const by = setters.map(
                        (s) =>
                            `${describe(refOf(s.template.owner))} (bbr:${s.tag ?? "untagged"}) sets ${s.modelHeader ?? "no header the check knows"}${s.fact === undefined ? "" : ` (${s.fact.file}:${s.fact.line} at ${s.fact.tag})`}`,
                    );
                    findings.push({
                        rule: "request-path",
                        message: `${describe(refOf(route))} matches header ${header.name}, which nothing sets on ${describe(refOf(gateway))}: ${by.length === 0 ? "no Body-Based Router is hooked into it" : by.join("; ")}`,
                        objects: [
                            refOf(route, `spec.rules[${r}].matches[${m}].headers[${h}].name`),
                            refOf(gateway),
                            ...setters.map((s) => refOf(s.template.owner)),
                            ...setters.map((s) => refOf(s.hook)),
                        ],
                    });
                }),
            ),
        );
    }
    return findings;
}

/** The BBR ConfigMaps the gateway's routers cannot parse: their names route nowhere. */
function unparsedMappings(stack: RenderedStack, setters: HeaderSetter[]): Finding[] {
    return setters.flatMap((setter) =>
        baseModelMappings(stack, setter).flatMap((m) =>
            m.problem === undefined
                ? []
                : [
                      {
                          rule: "request-path",
                          message: `${describe(refOf(setter.template.owner))} (bbr:${setter.tag ?? "untagged"}) skips ${describe(refOf(m.configMap))}: ${m.problem} (adapters_store.go parseConfigMap)`,
                          objects: [refOf(m.configMap, "data"), refOf(setter.template.owner)],
                      },
                  ],
        ),
    );
}

/** What one Gateway routes: every name its pools' pods serve, its routes match or its routers
 * map to a base model, and for each name whether a request for it reaches pods that serve it. */
export interface GatewayNames {
    gateway: KubeObject;
    routes: KubeObject[];
    setters: HeaderSetter[];
    servers: ModelServer[];
    /** Name → whether some listener's request for it reaches pods serving it. */
    reached: Map<string, boolean>;
    outcomes: Map<string, Outcome[]>;
}

/** The names a Gateway routes, and where each goes. */
export function gatewayNames(stack: RenderedStack, gateway: KubeObject): GatewayNames {
    const routes = attachedRoutes(stack, gateway);
    const setters = headerSetters(stack, gateway);
    // Every name the pods of the routed pools and of the Gateway's namespace serve, every name a
    // route matches, and every name the routers' ConfigMaps map.
    const pools = new Map<string, KubeObject>(ofKind(stack, "InferencePool", namespaceOf(gateway)).map((p) => [`${namespaceOf(p)}/${p.metadata.name}`, p]));
    for (const route of routes) {
        (route["spec"]?.rules ?? []).forEach((_: unknown, r: number) => {
            for (const backend of poolBackends(stack, route, r))
                if (backend.pool !== undefined) pools.set(`${namespaceOf(backend.pool)}/${backend.pool.metadata.name}`, backend.pool);
        });
    }
    const servers = [...pools.values()].flatMap((pool) => poolServers(stack, pool));
    const matched = routes.flatMap((route) =>
        ((route["spec"]?.rules ?? []) as { matches?: { headers?: { value: string }[] }[] }[]).flatMap((rule) =>
            (rule.matches ?? []).flatMap((m) => (m.headers ?? []).map((h) => h.value)),
        ),
    );
    const mapped = setters.flatMap((s) => baseModelMappings(stack, s).flatMap((m) => (m.problem === undefined ? [m.baseModel, ...m.adapters] : [])));
    const names = [...new Set([...servers.flatMap(namesServed), ...matched, ...mapped])].filter((n) => n !== "").sort();
    const reached = new Map<string, boolean>();
    const outcomes = new Map<string, Outcome[]>();
    for (const model of names) {
        const decided = decide(stack, gateway, routes, setters, model);
        outcomes.set(model, decided);
        reached.set(
            model,
            decided.some(({ decision }) => {
                if (decision === undefined) return false;
                const route = routes.find((r) => `${namespaceOf(r)}/${r.metadata.name}` === decision.route) as KubeObject;
                return poolBackends(stack, route, decision.ruleIndex).some(
                    (b) => b.pool !== undefined && poolServers(stack, b.pool).some((s) => namesServed(s).includes(model)),
                );
            }),
        );
    }
    return { gateway, routes, setters, servers, reached, outcomes };
}

/** Every request-path finding. */
export function requestPathFindings(stack: RenderedStack): Finding[] {
    const findings: Finding[] = [];
    for (const gateway of ofKind(stack, "Gateway")) {
        const { routes, setters, servers, reached, outcomes } = gatewayNames(stack, gateway);
        for (const setter of setters.filter((s) => s.fact === undefined)) {
            findings.push({
                rule: "request-path",
                message: `${describe(refOf(setter.template.owner))} runs BBR ${setter.tag ?? "without a tag"}, whose header the check has not read: add it to facts/bbr-model-header.json`,
                objects: [refOf(setter.template.owner), refOf(gateway)],
            });
        }
        findings.push(...unsetHeaders(gateway, routes, setters), ...unparsedMappings(stack, setters));
        findings.push(...adminPathFindings(stack, gateway, routes, setters, [...outcomes.keys()]));
        for (const [model, decided] of outcomes) {
            for (const { probe, decision } of decided) {
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
            if (reached.get(model) !== true && owners.length > 0) {
                const sent = decided.map(
                    ({ probe, headers, decision }) =>
                        `${probe.scheme.toUpperCase()} with ${JSON.stringify(headers)} reaches ${decision === undefined ? "no route" : `${decision.route} rule ${decision.ruleIndex}`}`,
                );
                findings.push({
                    rule: "request-path",
                    message: `model ${model}, served by ${owners.map((s) => describe(refOf(s.template.owner))).join(", ")}, is unreachable through ${describe(refOf(gateway))}: ${sent.join("; ")}`,
                    objects: [
                        refOf(gateway),
                        ...owners.map((s) => refOf(s.template.owner, `${s.container.path}.args`)),
                        ...setters.map((s) => refOf(s.template.owner)),
                    ],
                });
            }
        }
    }
    return findings;
}
