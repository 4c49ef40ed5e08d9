/**
 * Routing consistency, end to end over what the program creates: for each request of the
 * upstream guide, BBR copies the body's `model` into X-Gateway-Model-Name; the route matching
 * that header must lead to a pool whose selector picks exactly the pods serving that model name.
 */
import assert from "node:assert/strict";
import * as path from "node:path";
import test from "node:test";
import { MODEL_NAME_HEADER } from "../components";
import { REPO_ROOT, RecordedResource, runProgram } from "../plan/mockRuntime";

interface Route { spec: { rules: { matches: { headers?: { type: string; name: string; value: string }[] }[]; backendRefs: { group: string; kind: string; name: string }[] }[] } }
interface Deployment { spec: { template: { metadata: { labels: Record<string, string> }; spec: { containers: { args: string[] }[] } } } }

/** What BBR does: the header from the body's `model`, none when the body has no model. */
function bodyBasedRouting(body: Record<string, unknown>): Record<string, string> {
    return typeof body["model"] === "string" ? { [MODEL_NAME_HEADER]: body["model"] } : {};
}

/** The pool names the routes send a request with `headers` to. */
function routeRequest(routes: Route[], headers: Record<string, string>): string[] {
    return routes.flatMap((route) =>
        route.spec.rules
            .filter((rule) => rule.matches.some((m) => (m.headers ?? []).every((h) => h.type === "Exact" && headers[h.name] === h.value)))
            .flatMap((rule) => rule.backendRefs.filter((b) => b.group === "inference.networking.k8s.io" && b.kind === "InferencePool").map((b) => b.name)),
    );
}

/** The model names served by pods that the pool's selector picks. */
function servedBy(resources: RecordedResource[], poolName: string): string[] {
    const chart = resources.find((r) => r.type === "kubernetes:helm.sh/v4:Chart" && r.inputs["name"] === poolName);
    assert.ok(chart, `no inferencepool release named ${poolName}`);
    const matchLabels = (chart.inputs["values"] as { inferencePool: { modelServers: { matchLabels: Record<string, string> } } }).inferencePool.modelServers.matchLabels;
    return resources
        .filter((r) => r.type === "kubernetes:apps/v1:Deployment")
        .map((r) => r.inputs as unknown as Deployment)
        .filter((d) => Object.entries(matchLabels).every(([k, v]) => d.spec.template.metadata.labels[k] === v))
        .map((d) => {
            const args = d.spec.template.spec.containers[0].args;
            return args[args.indexOf("--served-model-name") + 1];
        });
}

for (const stack of ["gke", "istio"]) {
    test(`routing consistency for Pulumi.${stack}.yaml`, async () => {
        const { resources } = await runProgram(stack, path.join(REPO_ROOT, `Pulumi.${stack}.yaml`));
        const routes = resources.filter((r) => r.type === "kubernetes:gateway.networking.k8s.io/v1:HTTPRoute").map((r) => r.inputs as unknown as Route);
        const requests = ["meta-llama/Llama-3.1-8B-Instruct", "microsoft/Phi-4-mini-instruct"].flatMap((model) => [
            { path: "/v1/chat/completions", body: { model, messages: [{ role: "user", content: "Hi" }] } },
            { path: "/v1/completions", body: { model, prompt: "Hi" } },
        ]);
        for (const request of requests) {
            const pools = routeRequest(routes, bodyBasedRouting(request.body));
            assert.equal(pools.length, 1, `${request.path} ${request.body.model} matches ${pools.length} routes`);
            assert.deepEqual(servedBy(resources, pools[0]), [request.body.model], `${request.body.model} reaches pods serving exactly it`);
        }
        assert.deepEqual(routeRequest(routes, bodyBasedRouting({ model: "gpt-4o", prompt: "Hi" })), [], "an unknown model matches no route");
        assert.deepEqual(routeRequest(routes, bodyBasedRouting({ prompt: "Hi" })), [], "a request without model matches no route");
    });
}
