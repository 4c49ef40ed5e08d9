/**
 * Routing consistency, end to end over what the program creates: for each request of the
 * upstream guide, BBR copies the body's `model` into X-Gateway-Model-Name; the route matching
 * that header must lead to a pool whose selector picks exactly the pods serving that model name.
 * With LoRA adapters, a request naming an adapter must reach its base model's pool, whose pods
 * load that adapter (through the syncer sidecar and the ConfigMap it reads). Which route a request
 * reaches is decided by Gateway API's precedence rules (tools/routeMatching.ts): `GET /v1/models`
 * has no body, so no header, and must reach the model list, which names every routed model.
 */
import assert from "node:assert/strict";
import * as path from "node:path";
import test from "node:test";
import { REPO_ROOT, runProgram } from "../tools/mockRuntime";
import { assertModelList, gatewayOf, poolsReached, reach, servedBy } from "./helpers/requestPath";
import { ONE_ADAPTER_EACH, configKey, stackConfigWith, stackVariant } from "./helpers/stackConfigs";

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
