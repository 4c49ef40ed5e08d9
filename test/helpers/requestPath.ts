/**
 * The request path over what a mocked run created, for routing tests: what the real BBR of the
 * stack's tag sets on a request (tools/local/bbrDriver.ts: tests that use it skip without the
 * tools: `bbrMissing()`), which route rule the Gateway picks (tools/routeMatching.ts; Envoy Gateway's
 * own translator must pick the same: {@link judgeRoutingByEnvoyGateway}), which pool that reaches,
 * and which model and adapter names the pods that pool selects serve (as the consistency check
 * reads them).
 */
import assert from "node:assert/strict";
import { API_KEYS_SECRET, MODEL_CATALOG_NAME } from "../../components";
import { stackOf } from "../../tools/consistency";
import { RenderedStack, ofKind } from "../../tools/consistency/objects";
import { modelServersOf, namesServed } from "../../tools/consistency/modelServers";
import { HeaderSetter, headerSetters, templatesSelected } from "../../tools/consistency/workloads";
import { askBbr, stackBbr } from "../../tools/local/bbrDriver";
import { EnvoyPick, RoutingCase, envoyPick, envoyRouteTables } from "../../tools/local/envoyGateway";
import type { RecordedResource } from "../../tools/mockRuntime";
import { GatewayManifest, GatewayRequest, HttpRouteManifest, routeRequest } from "../../tools/routeMatching";
import { startResponder } from "./catalogResponder";

const inputsOf = (resources: RecordedResource[], type: string): any[] => resources.filter((r) => r.type === type).map((r) => r.inputs);

/** The stack as the consistency check reads it (with Helm's chart objects where Helm is built). */
const stacks = new WeakMap<RecordedResource[], RenderedStack>();
function stackFor(resources: RecordedResource[]): RenderedStack {
    const stack = stacks.get(resources) ?? stackOf(resources.map((r) => ({ type: r.type, name: r.name, props: r.inputs as Record<string, unknown> }))).stack;
    stacks.set(resources, stack);
    return stack;
}

/** The real BBR of the stack's Gateway (tools/local/bbrDriver.ts), with the stack as Helm renders it. */
function routerFor(resources: RecordedResource[]): { stack: RenderedStack; setter: HeaderSetter } {
    const stack = stackFor(resources);
    const setters = ofKind(stack, "Gateway").flatMap((gateway) => headerSetters(stack, gateway));
    assert.equal(setters.length, 1, "one Body-Based Router on the Gateway");
    return { stack, setter: setters[0] };
}

/** What the real BBR sets on a request: its tag's own ext_proc server, asked as the Gateway's hook
 * asks it, with the container's arguments and the ConfigMaps the program creates. A request it
 * refuses, or whose route it leaves as picked, fails the test. */
export function bodyBasedRouting(resources: RecordedResource[], method: string, path: string, body?: Record<string, unknown>): Record<string, string> {
    const { stack, setter } = routerFor(resources);
    const [answer] = askBbr(stackBbr(stack, setter), [{ method, path, ...(body === undefined ? {} : { body }) }]);
    assert.equal(answer.error ?? answer.immediateStatus, undefined, `BBR refused ${method} ${path}`);
    if (Object.keys(answer.headers).length > 0) assert.ok(answer.clearRouteCache, "BBR has the route picked again with its headers");
    return answer.headers;
}

/** The Gateway and HTTPRoutes the program creates. */
export function gatewayOf(resources: RecordedResource[]): { gateway: GatewayManifest; routes: HttpRouteManifest[] } {
    const [gateway] = inputsOf(resources, "kubernetes:gateway.networking.k8s.io/v1:Gateway");
    assert.ok(gateway, "no Gateway");
    return { gateway, routes: inputsOf(resources, "kubernetes:gateway.networking.k8s.io/v1:HTTPRoute") };
}

/** Every routing decision the tests asked for, by Gateway and routes (the same objects
 * rendered by several runs count once), for {@link judgeRoutingByEnvoyGateway}. */
const decided = new Map<string, { routing: RoutingCase; asked: { request: GatewayRequest; picked?: EnvoyPick }[] }>();

/** Envoy Gateway's own translator (tools/local/envoyGateway.ts), run once over every Gateway the
 * file's tests routed through: each recorded request must reach the rule routeMatching picked. */
export function judgeRoutingByEnvoyGateway(): void {
    const cases = [...decided.values()];
    assert.ok(cases.length > 0, "no routing decision was recorded");
    const tables = envoyRouteTables(cases.map((c) => c.routing));
    cases.forEach(({ asked }, i) => {
        for (const { request, picked } of asked) {
            assert.deepEqual(
                envoyPick(tables[i], request),
                picked,
                `${request.method} ${request.path} ${JSON.stringify(request.headers)}: Envoy Gateway reaches another rule`,
            );
        }
    });
}

/** The backends a request reaches by Gateway API's precedence rules, as `<kind>/<name>`; empty
 * for a 404. A tie between routes (decided by creation time) fails the test; the decision is
 * recorded for Envoy Gateway's judgement. */
export function reach(
    resources: RecordedResource[],
    method: string,
    path: string,
    body?: Record<string, unknown>,
    scheme: "http" | "https" = "http",
): string[] {
    const { gateway, routes } = gatewayOf(resources);
    const request = { scheme, host: "llm.example.com", method, path, headers: bodyBasedRouting(resources, method, path, body) };
    const decision = routeRequest(gateway, routes, request);
    const key = JSON.stringify({ gateway, routes });
    const entry = decided.get(key) ?? { routing: { gateway, routes }, asked: [] };
    entry.asked.push({ request, picked: decision && { route: decision.route, ruleIndex: decision.ruleIndex } });
    decided.set(key, entry);
    if (decision === undefined) return [];
    assert.equal(decision.tiedAcrossRoutes, false, `${method} ${path} ties between routes`);
    const redirect = decision.rule.filters?.find((f) => f.type === "RequestRedirect")?.requestRedirect;
    if (redirect !== undefined) return [`redirect/${redirect.scheme}/${redirect.statusCode}`];
    return (decision.rule.backendRefs ?? []).map((b) => `${b.kind}/${b.name}`);
}

/** The pool names a request reaches. */
export function poolsReached(resources: RecordedResource[], path: string, body: Record<string, unknown>, scheme: "http" | "https" = "http"): string[] {
    return reach(resources, "POST", path, body, scheme)
        .filter((b) => b.startsWith("InferencePool/"))
        .map((b) => b.slice("InferencePool/".length));
}

/** The model ids served at a Service: the list in the ConfigMap that the pods it selects read. */
export function listServedBy(resources: RecordedResource[], service: string): string[] {
    const svc = inputsOf(resources, "kubernetes:core/v1:Service").find((s) => s.metadata.name === service);
    assert.ok(svc, `no Service ${service}`);
    const deployments = inputsOf(resources, "kubernetes:apps/v1:Deployment").filter((d) =>
        Object.entries(svc.spec.selector as Record<string, string>).every(([k, v]) => d.spec.template.metadata.labels[k] === v),
    );
    assert.equal(deployments.length, 1, `Service ${service} selects ${deployments.length} Deployments`);
    const configMapName = deployments[0].spec.template.spec.volumes.find((v: { configMap?: object }) => v.configMap)?.configMap.name;
    const configMap = inputsOf(resources, "kubernetes:core/v1:ConfigMap").find((c) => c.metadata.name === configMapName);
    assert.ok(configMap, `no ConfigMap ${configMapName}`);
    const list = JSON.parse(configMap.data["models.json"]) as { object: string; data: { id: string; object: string }[] };
    assert.equal(list.object, "list");
    for (const entry of list.data) assert.equal(entry.object, "model");
    return list.data.map((m) => m.id);
}

/** `GET /v1/models` and `GET /v1/models/{name}` (both spellings current SDKs and curl use) reach
 * the responder, even with a body naming a model, and it lists exactly `names`. */
export function assertModelList(resources: RecordedResource[], names: string[], scheme: "http" | "https" = "http"): void {
    const responder = [`Service/${MODEL_CATALOG_NAME}`];
    assert.deepEqual(reach(resources, "GET", "/v1/models", undefined, scheme), responder, "GET /v1/models");
    assert.deepEqual(reach(resources, "POST", "/v1/models", { model: names[0] }, scheme), responder, "a body naming a model does not outrank /v1/models");
    for (const name of names) {
        assert.deepEqual(reach(resources, "GET", `/v1/models/${name}`, undefined, scheme), responder, `GET /v1/models/${name}`);
        assert.deepEqual(
            reach(resources, "GET", `/v1/models/${encodeURIComponent(name)}`, undefined, scheme),
            responder,
            `GET /v1/models/${encodeURIComponent(name)}`,
        );
    }
    assert.deepEqual(listServedBy(resources, MODEL_CATALOG_NAME), [...names].sort());
}

/** The model and adapter names served by pods that the pool's selector picks, as the consistency
 * check reads them (its reading of vLLM's LoRA environment is judged by vLLM's own resolver:
 * test/consistencyRules.test.ts; the syncer's file by the real syncer: test/frontDoor.test.ts). */
export function servedBy(resources: RecordedResource[], poolName: string): string[] {
    const chart = inputsOf(resources, "kubernetes:helm.sh/v4:Chart").find((c) => c.name === poolName);
    assert.ok(chart, `no inferencepool release named ${poolName}`);
    const stack = stackFor(resources);
    return templatesSelected(stack, chart.namespace, chart.values.inferencePool.modelServers.matchLabels)
        .flatMap((template) => modelServersOf(stack, template))
        .flatMap(namesServed);
}

/** What the front door answers a request that reaches the responder (and fails the test if it
 * reaches anything else): nginx serving the files its pods mount, asked with the headers BBR set
 * and the key digests of the recorded Secret; `dir` is an empty directory to write them to. */
export async function responderAnswer(
    resources: RecordedResource[],
    dir: string,
    request: { method: string; path: string; body?: Record<string, unknown>; authorization?: string },
): Promise<{ status: number; json: any }> {
    assert.deepEqual(
        reach(resources, request.method, request.path, request.body),
        [`Service/${MODEL_CATALOG_NAME}`],
        `${request.method} ${request.path} reaches the responder`,
    );
    const files = inputsOf(resources, "kubernetes:core/v1:ConfigMap").find((c) => c.metadata.name === MODEL_CATALOG_NAME).data as Record<string, string>;
    const secret = inputsOf(resources, "kubernetes:core/v1:Secret").find((s) => s.metadata.name === API_KEYS_SECRET.name);
    // A secret input arrives wrapped in Pulumi's secret marker: its value is under `value`.
    const entries = secret === undefined ? undefined : ((secret.stringData.value ?? secret.stringData) as Record<string, string>);
    const headers = {
        ...bodyBasedRouting(resources, request.method, request.path, request.body),
        ...(request.authorization === undefined ? {} : { Authorization: request.authorization }),
    };
    const deployment = inputsOf(resources, "kubernetes:apps/v1:Deployment").find((d) => d.metadata.name === MODEL_CATALOG_NAME);
    const served = await startResponder(dir, deployment, {
        configMaps: { [MODEL_CATALOG_NAME]: files },
        secrets: entries === undefined ? {} : { [API_KEYS_SECRET.name]: entries },
    });
    try {
        const { status, json } = await served.ask(request.method, request.path, headers, request.body === undefined ? undefined : JSON.stringify(request.body));
        return { status, json };
    } finally {
        await served.stop();
    }
}
