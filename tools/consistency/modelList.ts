/**
 * OpenAI's model list at the gateway: `GET /v1/models`, which carries no body and so no header
 * from BBR, must reach a backend whose pods serve an OpenAI list (a ConfigMap file they mount,
 * `{object: "list", data: [{id, object: "model"}]}`: OpenAI API reference, "List models",
 * https://platform.openai.com/docs/api-reference/models/list) naming exactly the names a chat
 * request reaches serving pods for (requestPath.ts), and `GET /v1/models/{name}` for each, in both
 * spellings SDKs send, the same backend. A listener that only redirects (HTTP beside HTTPS) is
 * left out: its clients follow the redirect.
 */
import { GatewayManifest, HttpRouteManifest, RoutingDecision, routeRequest } from "../routeMatching";
import { Finding, KubeObject, ObjectRef, RenderedStack, describe, find, namespaceOf, ofKind, refOf } from "./objects";
import { gatewayNames, probes } from "./requestPath";
import { serviceTemplates } from "./workloads";

/** The path OpenAI clients list models from. */
const MODELS_PATH = "/v1/models";

/** The model lists a Service's pods mount: each ConfigMap file that parses as an OpenAI list. */
function listsBehind(stack: RenderedStack, service: KubeObject): { ids: string[]; at: ObjectRef }[] {
    const lists: { ids: string[]; at: ObjectRef }[] = [];
    for (const template of serviceTemplates(stack, service)) {
        for (const volume of (template.spec.volumes ?? []) as { configMap?: { name: string } }[]) {
            const configMap = volume.configMap === undefined ? undefined : find(stack, "ConfigMap", template.namespace, volume.configMap.name);
            for (const [key, text] of Object.entries((configMap?.["data"] ?? {}) as Record<string, string>)) {
                let parsed: unknown;
                try {
                    parsed = JSON.parse(text);
                } catch {
                    continue;
                }
                const list = parsed as { object?: string; data?: { id?: string; object?: string }[] };
                if (list?.object !== "list" || !Array.isArray(list.data) || list.data.some((m) => m.object !== "model")) continue;
                lists.push({ ids: list.data.map((m) => String(m.id)), at: refOf(configMap as KubeObject, `data.${key}`) });
            }
        }
    }
    return lists;
}

/** Where a GET goes on one listener: a redirect, a backend, or nowhere. */
function get(gateway: KubeObject, routes: KubeObject[], probe: { scheme: "http" | "https"; host: string }, path: string): RoutingDecision | undefined {
    return routeRequest(gateway as unknown as GatewayManifest, routes as unknown as HttpRouteManifest[], { ...probe, method: "GET", path, headers: {} });
}

/** Every model-list finding. */
export function modelListFindings(stack: RenderedStack): Finding[] {
    const findings: Finding[] = [];
    for (const gateway of ofKind(stack, "Gateway")) {
        const { routes, reached } = gatewayNames(stack, gateway);
        const routed = [...reached]
            .filter(([, ok]) => ok)
            .map(([name]) => name)
            .sort();
        for (const probe of probes(gateway)) {
            const on = `${probe.scheme.toUpperCase()} GET ${MODELS_PATH} on ${describe(refOf(gateway))}`;
            const decision = get(gateway, routes, probe, MODELS_PATH);
            if (decision?.rule.filters?.some((f) => f.type === "RequestRedirect") === true) continue;
            const route = decision === undefined ? undefined : routes.find((r) => `${namespaceOf(r)}/${r.metadata.name}` === decision.route);
            const backend = decision?.rule.backendRefs?.[0];
            if (decision === undefined || route === undefined || backend === undefined) {
                findings.push({ rule: "model-list", message: `${on} reaches no backend: OpenAI clients list the models first`, objects: [refOf(gateway)] });
                continue;
            }
            const at = refOf(route, `spec.rules[${decision.ruleIndex}].backendRefs[0]`);
            const service = (backend.kind ?? "Service") === "Service" ? find(stack, "Service", namespaceOf(route), backend.name) : undefined;
            const lists = service === undefined ? [] : listsBehind(stack, service);
            if (lists.length !== 1) {
                findings.push({
                    rule: "model-list",
                    message: `${on} reaches ${backend.kind ?? "Service"} ${backend.name}, whose pods serve ${lists.length === 0 ? "no" : lists.length} OpenAI model list${lists.length === 0 ? "" : "s"}`,
                    objects: [at],
                });
                continue;
            }
            const [list] = lists;
            const missing = routed.filter((name) => !list.ids.includes(name));
            const extra = list.ids.filter((id) => !routed.includes(id));
            if (missing.length > 0 || extra.length > 0) {
                findings.push({
                    rule: "model-list",
                    message: `${on} lists ${list.ids.join(", ") || "nothing"}, but the gateway routes ${routed.join(", ") || "nothing"} to pods that serve it${missing.length === 0 ? "" : `: missing ${missing.join(", ")}`}${extra.length === 0 ? "" : `; not served: ${extra.join(", ")}`}`,
                    objects: [list.at, at],
                });
            }
            for (const id of list.ids) {
                for (const path of new Set([`${MODELS_PATH}/${id}`, `${MODELS_PATH}/${encodeURIComponent(id)}`])) {
                    const one = get(gateway, routes, probe, path);
                    if (one?.route === decision.route && one.ruleIndex === decision.ruleIndex) continue;
                    findings.push({
                        rule: "model-list",
                        message: `${probe.scheme.toUpperCase()} GET ${path} reaches ${one === undefined ? "no route" : `${one.route} rule ${one.ruleIndex}`}, not the model list`,
                        objects: [at, refOf(gateway)],
                    });
                }
            }
        }
    }
    return findings;
}
