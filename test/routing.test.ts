/**
 * Routing consistency, end to end over what the program creates: for each request of the
 * upstream guide, BBR copies the body's `model` into the header its pinned tag sets (read there,
 * not taken from the program); the route matching
 * that header must lead to a pool whose selector picks exactly the pods serving that model name.
 * With LoRA adapters, a request naming an adapter must reach its base model's pool, whose pods
 * load that adapter (through the syncer sidecar and the ConfigMap it reads). Which route a request
 * reaches is decided by Gateway API's precedence rules (tools/routeMatching.ts): `GET /v1/models`
 * has no body, so no header, and must reach the model list, which names every routed model.
 */
import assert from "node:assert/strict";
import * as path from "node:path";
import test from "node:test";
import { MODEL_CATALOG_NAME } from "../components";
import { modelHeaderFact } from "../tools/consistency/upstreamFacts";
import { REPO_ROOT, RecordedResource, runProgram } from "../tools/mockRuntime";
import { GatewayManifest, HttpRouteManifest, routeRequest } from "../tools/routeMatching";
import { ONE_ADAPTER_EACH, configKey, stackConfigWith, stackVariant } from "./helpers/stackConfigs";

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

/** What BBR does at the tag the stack installs, as read there (tools/consistency/facts/
 * bbr-model-header.json), not as the program believes: the body's `model` into its header, none
 * when the body has no model. */
function bodyBasedRouting(resources: RecordedResource[], body: Record<string, unknown> | undefined): Record<string, string> {
    const release = resources.find((r) => r.type === "kubernetes:helm.sh/v4:Chart" && String(r.inputs["chart"]).endsWith("/body-based-routing"));
    assert.ok(release, "no body-based-routing release");
    const fact = modelHeaderFact(String(release.inputs["version"]));
    assert.ok(fact, `BBR ${String(release.inputs["version"])} was not read at its tag`);
    return typeof body?.["model"] === "string" ? { [fact.modelHeader]: body["model"] } : {};
}

/** The Gateway and HTTPRoutes the program creates. */
function gatewayOf(resources: RecordedResource[]): { gateway: GatewayManifest; routes: HttpRouteManifest[] } {
    const gateway = resources.find((r) => r.type === "kubernetes:gateway.networking.k8s.io/v1:Gateway");
    assert.ok(gateway, "no Gateway");
    const routes = resources.filter((r) => r.type === "kubernetes:gateway.networking.k8s.io/v1:HTTPRoute").map((r) => r.inputs as unknown as HttpRouteManifest);
    return { gateway: gateway.inputs as unknown as GatewayManifest, routes };
}

/** The backends a request reaches by Gateway API's precedence rules, as `<kind>/<name>`; empty
 * for a 404. A tie between routes (decided by creation time) fails the test. */
function reach(resources: RecordedResource[], method: string, path: string, body?: Record<string, unknown>, scheme: "http" | "https" = "http"): string[] {
    const { gateway, routes } = gatewayOf(resources);
    const decision = routeRequest(gateway, routes, { scheme, host: "llm.example.com", method, path, headers: bodyBasedRouting(resources, body) });
    if (decision === undefined) return [];
    assert.equal(decision.tiedAcrossRoutes, false, `${method} ${path} ties between routes`);
    const redirect = decision.rule.filters?.find((f) => f.type === "RequestRedirect")?.requestRedirect;
    if (redirect !== undefined) return [`redirect/${redirect.scheme}/${redirect.statusCode}`];
    return (decision.rule.backendRefs ?? []).map((b) => `${b.kind}/${b.name}`);
}

/** The pool names a request reaches. */
function poolsReached(resources: RecordedResource[], path: string, body: Record<string, unknown>, scheme: "http" | "https" = "http"): string[] {
    return reach(resources, "POST", path, body, scheme).filter((b) => b.startsWith("InferencePool/")).map((b) => b.slice("InferencePool/".length));
}

/** The model ids served at a Service: the list in the ConfigMap that the pods it selects read. */
function listServedBy(resources: RecordedResource[], service: string): string[] {
    const byKind = (type: string) => resources.filter((r) => r.type === type).map((r) => r.inputs as any);
    const svc = byKind("kubernetes:core/v1:Service").find((s) => s.metadata.name === service);
    assert.ok(svc, `no Service ${service}`);
    const deployments = byKind("kubernetes:apps/v1:Deployment").filter((d) =>
        Object.entries(svc.spec.selector as Record<string, string>).every(([k, v]) => d.spec.template.metadata.labels[k] === v),
    );
    assert.equal(deployments.length, 1, `Service ${service} selects ${deployments.length} Deployments`);
    const configMapName = deployments[0].spec.template.spec.volumes.find((v: any) => v.configMap)?.configMap.name;
    const configMap = byKind("kubernetes:core/v1:ConfigMap").find((c) => c.metadata.name === configMapName);
    assert.ok(configMap, `no ConfigMap ${configMapName}`);
    const list = JSON.parse(configMap.data["models.json"]) as { object: string; data: { id: string; object: string }[] };
    assert.equal(list.object, "list");
    for (const entry of list.data) assert.equal(entry.object, "model");
    return list.data.map((m) => m.id);
}

/** `GET /v1/models` and `GET /v1/models/{name}` (both spellings current SDKs and curl use) reach
 * the responder, even with a body naming a model, and it lists exactly `names`. */
function assertModelList(resources: RecordedResource[], names: string[], scheme: "http" | "https" = "http"): void {
    const responder = [`Service/${MODEL_CATALOG_NAME}`];
    assert.deepEqual(reach(resources, "GET", "/v1/models", undefined, scheme), responder, "GET /v1/models");
    assert.deepEqual(reach(resources, "POST", "/v1/models", { model: names[0] }, scheme), responder, "a body naming a model does not outrank /v1/models");
    for (const name of names) {
        assert.deepEqual(reach(resources, "GET", `/v1/models/${name}`, undefined, scheme), responder, `GET /v1/models/${name}`);
        assert.deepEqual(reach(resources, "GET", `/v1/models/${encodeURIComponent(name)}`, undefined, scheme), responder, `GET /v1/models/${encodeURIComponent(name)}`);
    }
    assert.deepEqual(listServedBy(resources, MODEL_CATALOG_NAME), [...names].sort());
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
        const requests = BASE_MODELS.flatMap((model) => [
            { path: "/v1/chat/completions", body: { model, messages: [{ role: "user", content: "Hi" }] } },
            { path: "/v1/completions", body: { model, prompt: "Hi" } },
        ]);
        for (const request of requests) {
            const pools = poolsReached(resources, request.path, request.body);
            assert.equal(pools.length, 1, `${request.path} ${request.body.model} reaches ${pools.length} pools`);
            assert.deepEqual(servedBy(resources, pools[0]), [request.body.model], `${request.body.model} reaches pods serving exactly it`);
        }
        assertModelList(resources, BASE_MODELS);
        assert.deepEqual(reach(resources, "POST", "/v1/chat/completions", { model: "gpt-4o", prompt: "Hi" }), [], "an unknown model matches no route");
        assert.deepEqual(reach(resources, "POST", "/v1/completions", { prompt: "Hi" }), [], "a request without model matches no route");
        // vLLM checks API keys only under /v1, and generates on /invocations too: never routed.
        for (const open of ["/invocations", "/tokenize", "/metrics", "/health"]) {
            assert.deepEqual(reach(resources, "POST", open, { model: BASE_MODELS[0], prompt: "Hi" }), [], `${open} is not routed to vLLM`);
        }
    });
}

test("routing consistency with one LoRA adapter on each base model", async () => {
    const { resources } = await runProgram("gke", stackConfigWith("gke", "routing-adapters", (m, i) => ({ ...m, adapters: ONE_ADAPTER_EACH[i] })));
    BASE_MODELS.forEach((base, i) => {
        const adapter = ONE_ADAPTER_EACH[i][0].name;
        const basePools = poolsReached(resources, "/v1/completions", { model: base, prompt: "Hi" });
        const adapterPools = poolsReached(resources, "/v1/chat/completions", { model: adapter, messages: [] });
        assert.equal(adapterPools.length, 1, `${adapter} reaches ${adapterPools.length} pools`);
        assert.deepEqual(adapterPools, basePools, `${adapter} reaches the pool of ${base}`);
        assert.deepEqual(servedBy(resources, adapterPools[0]).sort(), [base, adapter].sort(), `the pool's pods serve ${base} and ${adapter}`);
    });
    assertModelList(resources, [BASE_MODELS[0], ONE_ADAPTER_EACH[0][0].name, BASE_MODELS[1], ONE_ADAPTER_EACH[1][0].name]);
    assert.deepEqual(reach(resources, "POST", "/v1/completions", { model: "no-such-adapter", prompt: "Hi" }), []);
});

test("with a hostname on GKE: a managed certificate, HTTP only redirects to HTTPS, and HTTPS routes as HTTP did", async () => {
    const run = await runProgram("gke", stackVariant("gke", "routing-https", (config) => {
        config[configKey("gateway")] = { hostname: "llm.example.com" };
    }));
    const { resources } = run;
    for (const model of BASE_MODELS) {
        const chat = { model, messages: [{ role: "user", content: "Hi" }] };
        assert.deepEqual(reach(resources, "POST", "/v1/chat/completions", chat), ["redirect/https/301"], "plain HTTP never reaches a model");
        const pools = poolsReached(resources, "/v1/chat/completions", chat, "https");
        assert.equal(pools.length, 1);
        assert.deepEqual(servedBy(resources, pools[0]), [model]);
    }
    assert.deepEqual(reach(resources, "GET", "/v1/models"), ["redirect/https/301"]);
    assertModelList(resources, BASE_MODELS, "https");

    // The HTTPS listener names the regional Google-managed certificate, proved by DNS.
    const byType = (type: string) => resources.filter((r) => r.type === type).map((r) => r.inputs as any);
    const [authorization] = byType("gcp:certificatemanager/dnsAuthorization:DnsAuthorization");
    const [certificate] = byType("gcp:certificatemanager/certificate:Certificate");
    assert.deepEqual([authorization.location, authorization.domain, authorization.type], ["us-central1", "llm.example.com", "PER_PROJECT_RECORD"]);
    assert.deepEqual([certificate.location, certificate.project, certificate.managed.domains], ["us-central1", "my-gcp-project", ["llm.example.com"]]);
    // The mock gives a resource the id `<name>-id`: the certificate uses this authorization.
    assert.deepEqual(certificate.managed.dnsAuthorizations, ["inference-certificate-dns-authorization-id"]);
    const { gateway } = gatewayOf(resources);
    const https = gateway.spec.listeners.find((l) => l.protocol === "HTTPS") as any;
    assert.deepEqual(https.tls, { mode: "Terminate", options: { "networking.gke.io/cert-manager-certs": certificate.name } });
    assert.equal(https.hostname, "llm.example.com");
    assert.deepEqual(run.outputs["certificateDnsRecord"], {
        name: "_acme-challenge_mock.llm.example.com.",
        type: "CNAME",
        data: "mock.llm.example.com.authorize.certificatemanager.goog.",
    });
    assert.match(String(run.outputs["gatewayUrl"]), /^https:\/\/llm\.example\.com$/);
});
