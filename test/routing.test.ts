/**
 * Routing consistency, end to end over what the program creates: for each request of the
 * upstream guide, BBR copies the body's `model` into X-Gateway-Model-Name; the route matching
 * that header must lead to a pool whose selector picks exactly the pods serving that model name.
 * With LoRA adapters, a request naming an adapter must reach its base model's pool, whose pods
 * load that adapter (through the syncer sidecar and the ConfigMap it reads). Which route a request
 * reaches is decided by Gateway API's precedence rules (tools/routeMatching.ts, judged at the end
 * by Envoy Gateway's own translator), with the headers the real BBR sets (skipped, with the reason, where its drivers are not built): `GET /v1/models`
 * has no body, so no header, and must reach the model list, which names every routed model.
 */
import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import test, { after } from "node:test";
import { MOCK_SECRET_VALUE, REPO_ROOT, runProgram } from "../tools/mockRuntime";
import { bbrMissing } from "../tools/local/bbrDriver";
import { NGINX_MISSING } from "./helpers/catalogResponder";
import { assertModelList, gatewayOf, judgeRoutingByEnvoyGateway, poolsReached, reach, responderAnswer, servedBy } from "./helpers/requestPath";
import { envoyGatewayMissing } from "../tools/local/envoyGateway";
import { sharedBy } from "./helpers/sharedRuns";
import { ONE_ADAPTER_EACH, configKey, stackConfigWith, stackVariant } from "./helpers/stackConfigs";

const BASE_MODELS = ["meta-llama/Llama-3.1-8B-Instruct", "microsoft/Phi-4-mini-instruct"];
const KEY = `Bearer ${MOCK_SECRET_VALUE}`;
const work = fs.mkdtempSync(path.join(os.tmpdir(), "routing-"));
after(() => fs.rmSync(work, { recursive: true, force: true }));
/** An empty directory for one responder's files. */
const scratch = () => fs.mkdtempSync(path.join(work, "responder-"));

for (const stack of ["gke", "istio"]) {
    test(`routing consistency for Pulumi.${stack}.yaml`, { skip: bbrMissing() }, async (t) => {
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
        // An unknown model, or none, reaches the responder, which answers as OpenAI does.
        await t.test("the responder, served by nginx, answers as OpenAI does", { skip: NGINX_MISSING }, async () => {
            const unknown = await responderAnswer(resources, scratch(), {
                method: "POST",
                path: "/v1/chat/completions",
                body: { model: "gpt-4o", messages: [] },
                authorization: KEY,
            });
            assert.deepEqual(unknown, {
                status: 404,
                json: {
                    error: {
                        message: "The model `gpt-4o` does not exist or you do not have access to it.",
                        type: "invalid_request_error",
                        param: "model",
                        code: "model_not_found",
                    },
                },
            });
            const none = await responderAnswer(resources, scratch(), { method: "POST", path: "/v1/completions", body: { prompt: "Hi" }, authorization: KEY });
            assert.deepEqual([none.status, none.json.error.code, none.json.error.param], [404, "model_not_found", "model"]);
            const unauthorized = await responderAnswer(resources, scratch(), {
                method: "POST",
                path: "/v1/completions",
                body: { model: "gpt-4o", prompt: "Hi" },
            });
            assert.deepEqual([unauthorized.status, unauthorized.json.error.code], [401, "invalid_api_key"]);
        });
        // vLLM checks API keys only under /v1, and generates on /invocations too: never routed.
        for (const open of ["/invocations", "/tokenize", "/metrics", "/health"]) {
            assert.deepEqual(reach(resources, "POST", open, { model: BASE_MODELS[0], prompt: "Hi" }), [], `${open} is not routed to vLLM`);
        }
    });
}

test("routing consistency with one LoRA adapter on each base model", { skip: bbrMissing() }, async (t) => {
    const { resources } = await runProgram(
        "gke",
        stackConfigWith("gke", "routing-adapters", (m, i) => ({ ...m, adapters: ONE_ADAPTER_EACH[i] })),
    );
    BASE_MODELS.forEach((base, i) => {
        const adapter = ONE_ADAPTER_EACH[i][0].name;
        const basePools = poolsReached(resources, "/v1/completions", { model: base, prompt: "Hi" });
        const adapterPools = poolsReached(resources, "/v1/chat/completions", { model: adapter, messages: [] });
        assert.equal(adapterPools.length, 1, `${adapter} reaches ${adapterPools.length} pools`);
        assert.deepEqual(adapterPools, basePools, `${adapter} reaches the pool of ${base}`);
        assert.deepEqual(servedBy(resources, adapterPools[0]).sort(), [base, adapter].sort(), `the pool's pods serve ${base} and ${adapter}`);
    });
    assertModelList(resources, [BASE_MODELS[0], ONE_ADAPTER_EACH[0][0].name, BASE_MODELS[1], ONE_ADAPTER_EACH[1][0].name]);
    // vLLM registers its adapter admin endpoints under /v1 when adapters load at runtime: a body
    // with a routed model and a valid key reaches no model server there, only the responder's 404.
    const adminRequests = ["/v1/load_lora_adapter", "/v1/unload_lora_adapter"].flatMap((admin) =>
        [BASE_MODELS[0], ONE_ADAPTER_EACH[0][0].name].map((model) => ({ admin, body: { model, prompt: "Hi", lora_name: "x", lora_path: "attacker/repo" } })),
    );
    for (const { admin, body } of adminRequests) assert.deepEqual(poolsReached(resources, admin, body), [], `${admin} with ${body.model} reaches no pool`);
    await t.test("the responder, served by nginx, answers an unknown adapter and the admin paths with 404s", { skip: NGINX_MISSING }, async () => {
        const unknown = await responderAnswer(resources, scratch(), {
            method: "POST",
            path: "/v1/completions",
            body: { model: "no-such-adapter", prompt: "Hi" },
            authorization: KEY,
        });
        assert.equal(unknown.json.error.code, "model_not_found");
        for (const { admin, body } of adminRequests) {
            const answer = await responderAnswer(resources, scratch(), { method: "POST", path: admin, body, authorization: KEY });
            assert.deepEqual(answer, {
                status: 404,
                json: { error: { message: `Invalid URL (POST ${admin})`, type: "invalid_request_error", param: null, code: "not_found" } },
            });
        }
    });
    // Other vLLM paths under /v1 that carry a model are not routed either.
    for (const other of ["/v1/chat/completions/render", "/v1/completions/render", "/v1/responses", "/v1/embeddings", "/v1/chat/completions/batch"]) {
        assert.deepEqual(poolsReached(resources, other, { model: BASE_MODELS[0], prompt: "Hi" }), [], `${other} reaches no pool`);
    }
});

/** The GKE stack with a hostname, shared by the two tests below. */
const withHostname = sharedBy(() =>
    runProgram(
        "gke",
        stackVariant("gke", "routing-https", (config) => {
            config[configKey("gateway")] = { hostname: "llm.example.com" };
        }),
    ),
);

test("with a hostname on GKE: HTTP only redirects to HTTPS, and HTTPS routes as HTTP did", { skip: bbrMissing() }, async () => {
    const { resources } = await withHostname("");
    for (const model of BASE_MODELS) {
        const chat = { model, messages: [{ role: "user", content: "Hi" }] };
        assert.deepEqual(reach(resources, "POST", "/v1/chat/completions", chat), ["redirect/https/301"], "plain HTTP never reaches a model");
        const pools = poolsReached(resources, "/v1/chat/completions", chat, "https");
        assert.equal(pools.length, 1);
        assert.deepEqual(servedBy(resources, pools[0]), [model]);
    }
    assert.deepEqual(reach(resources, "GET", "/v1/models"), ["redirect/https/301"]);
    assertModelList(resources, BASE_MODELS, "https");
});

test("with a hostname on GKE: a managed certificate on the HTTPS listener", async () => {
    const run = await withHostname("");
    const { resources } = run;
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

// Last: every rule the tests above reached, asked again of Envoy Gateway's own translator.
test("Envoy Gateway's translator reaches the rule routeMatching picked, for every request above", { skip: bbrMissing() ?? envoyGatewayMissing() }, () =>
    judgeRoutingByEnvoyGateway(),
);
