/**
 * Routing consistency, end to end over what the program creates: for each request of the
 * upstream guide, BBR copies the body's `model` into X-Gateway-Model-Name; the route matching
 * that header must lead to a pool whose selector picks exactly the pods serving that model name.
 * With LoRA adapters, a request naming an adapter must reach its base model's pool, whose pods
 * load that adapter (through the syncer sidecar and the ConfigMap it reads).
 */
import assert from "node:assert/strict";
import * as path from "node:path";
import test from "node:test";
import { MODEL_NAME_HEADER } from "../components";
import { REPO_ROOT, RecordedResource, runProgram } from "../tools/mockRuntime";
import { ONE_ADAPTER_EACH, stackConfigWith } from "./helpers/stackConfigs";

interface Route { spec: { rules: { matches: { headers?: { type: string; name: string; value: string }[] }[]; backendRefs: { group: string; kind: string; name: string }[] }[] } }
interface Container { args: string[]; env: { name: string; value?: string }[]; volumeMounts?: { name: string; mountPath: string }[] }
interface Deployment {
    spec: {
        template: {
            metadata: { labels: Record<string, string> };
            spec: { containers: Container[]; initContainers?: (Container & { restartPolicy?: string })[]; volumes: { name: string; configMap?: { name: string } }[] };
        };
    };
}

/** The adapters a pod loads at runtime: those its syncer sidecar is told to keep loaded, if vLLM
 * allows runtime loading. */
function adaptersLoadedBy(resources: RecordedResource[], deployment: Deployment): string[] {
    const pod = deployment.spec.template.spec;
    const vllm = pod.containers[0];
    const runtimeLoading = vllm.args.includes("--enable-lora") && vllm.env.some((e) => e.name === "VLLM_ALLOW_RUNTIME_LORA_UPDATING" && e.value === "true");
    const syncer = (pod.initContainers ?? []).find((c) => c.restartPolicy === "Always");
    if (!runtimeLoading || syncer === undefined) return [];
    const configFile = syncer.env.find((e) => e.name === "DYNAMIC_LORA_ROLLOUT_CONFIG")?.value ?? "";
    const mount = (syncer.volumeMounts ?? []).find((m) => configFile.startsWith(`${m.mountPath}/`));
    const configMapName = pod.volumes.find((v) => v.name === mount?.name)?.configMap?.name;
    const configMap = resources.find((r) => r.type === "kubernetes:core/v1:ConfigMap" && (r.inputs["metadata"] as { name: string }).name === configMapName);
    assert.ok(configMap, `no ConfigMap ${String(configMapName)} for the syncer`);
    const file = (configMap.inputs["data"] as Record<string, string>)[configFile.slice(configFile.lastIndexOf("/") + 1)];
    return ((JSON.parse(file) as { vLLMLoRAConfig: { ensureExist?: { models: { id: string }[] } } }).vLLMLoRAConfig.ensureExist?.models ?? []).map((m) => m.id);
}

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

/** The model and adapter names served by pods that the pool's selector picks. */
function servedBy(resources: RecordedResource[], poolName: string): string[] {
    const chart = resources.find((r) => r.type === "kubernetes:helm.sh/v4:Chart" && r.inputs["name"] === poolName);
    assert.ok(chart, `no inferencepool release named ${poolName}`);
    const matchLabels = (chart.inputs["values"] as { inferencePool: { modelServers: { matchLabels: Record<string, string> } } }).inferencePool.modelServers.matchLabels;
    return resources
        .filter((r) => r.type === "kubernetes:apps/v1:Deployment")
        .map((r) => r.inputs as unknown as Deployment)
        .filter((d) => Object.entries(matchLabels).every(([k, v]) => d.spec.template.metadata.labels[k] === v))
        .flatMap((d) => {
            const args = d.spec.template.spec.containers[0].args;
            return [args[args.indexOf("--served-model-name") + 1], ...adaptersLoadedBy(resources, d)];
        });
}

const BASE_MODELS = ["meta-llama/Llama-3.1-8B-Instruct", "microsoft/Phi-4-mini-instruct"];

for (const stack of ["gke", "istio"]) {
    test(`routing consistency for Pulumi.${stack}.yaml`, async () => {
        const { resources } = await runProgram(stack, path.join(REPO_ROOT, `Pulumi.${stack}.yaml`));
        const routes = resources.filter((r) => r.type === "kubernetes:gateway.networking.k8s.io/v1:HTTPRoute").map((r) => r.inputs as unknown as Route);
        const requests = BASE_MODELS.flatMap((model) => [
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

test("routing consistency with one LoRA adapter on each base model", async () => {
    const { resources } = await runProgram("gke", stackConfigWith("gke", "routing-adapters", (m, i) => ({ ...m, adapters: ONE_ADAPTER_EACH[i] })));
    const routes = resources.filter((r) => r.type === "kubernetes:gateway.networking.k8s.io/v1:HTTPRoute").map((r) => r.inputs as unknown as Route);
    BASE_MODELS.forEach((base, i) => {
        const adapter = ONE_ADAPTER_EACH[i][0].name;
        const basePools = routeRequest(routes, bodyBasedRouting({ model: base, prompt: "Hi" }));
        const adapterPools = routeRequest(routes, bodyBasedRouting({ model: adapter, prompt: "Hi" }));
        assert.equal(adapterPools.length, 1, `${adapter} matches ${adapterPools.length} routes`);
        assert.deepEqual(adapterPools, basePools, `${adapter} reaches the pool of ${base}`);
        assert.deepEqual(servedBy(resources, adapterPools[0]).sort(), [base, adapter].sort(), `the pool's pods serve ${base} and ${adapter}`);
    });
    assert.deepEqual(routeRequest(routes, bodyBasedRouting({ model: "no-such-adapter", prompt: "Hi" })), []);
});
