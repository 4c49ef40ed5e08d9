/**
 * The front door OpenAI clients expect: the model list served by the real nginx and njs from its files, the API
 * key rules and where the keys go, the LoRA syncer's key under Python, and a stack that opts out
 * of keys. Routing by Gateway API's precedence is in routing.test.ts.
 */
import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import test, { after } from "node:test";
import {
    API_KEYS_SECRET,
    adapterConfigMap,
    CATALOG_FILES,
    CATALOG_PATHS,
    ConfigError,
    apiKeyProblems,
    apiKeysRequired,
    apiKeysSecretData,
    apiKeysVersion,
    catalogConfigMap,
    catalogDeployment,
    MODEL_CATALOG_NAME,
    catalogModels,
    checkApiKeysGiven,
    HF_TOKEN_SECRET,
    loraPodParts,
    parseApiKeys,
    planServing,
    vllmDeployment,
} from "../components";
import { runProgram } from "../tools/mockRuntime";
import { NGINX_MISSING, Responder, startResponder } from "./helpers/catalogResponder";
import { validateKubernetesObject } from "./helpers/kubernetesSchemas";
import { SYNCER_MISSING, runSyncer } from "./helpers/loraSyncer";
import { LLAMA, NETWORK_POLICY, plannedLlama } from "./helpers/plannedModels";
import { configKey, stackVariant } from "./helpers/stackConfigs";

const work = fs.mkdtempSync(path.join(os.tmpdir(), "front-door-"));
after(() => fs.rmSync(work, { recursive: true, force: true }));

const KEY_A = "a".repeat(32) + "-first-key";
const KEY_B = "second_key.0123456789abcdef0123456789~+/==";

/** The responder, served by nginx, of a plan with one model and two adapters (one retired). */
async function responder(keys: string[] | undefined): Promise<Responder> {
    const models = [
        plannedLlama({
            adapters: [
                { name: "food-review", source: "org/food" },
                { name: "old", source: "org/old", retired: true },
            ],
        }),
    ];
    const args = { models, namespace: "ns", gatewayName: "gw", apiKeysRequired: keys !== undefined };
    return startResponder(fs.mkdtempSync(path.join(work, "catalog-")), catalogDeployment(args), {
        configMaps: { [MODEL_CATALOG_NAME]: catalogConfigMap(args).data },
        secrets: keys === undefined ? {} : { [API_KEYS_SECRET.name]: apiKeysSecretData(keys) },
    });
}

/** A request to the list, as clients send it, with the answer's content type checked. */
async function list(responder: Responder, method: string, uri: string, authorization?: string) {
    const answer = await responder.ask(method, uri, authorization === undefined ? {} : { Authorization: authorization });
    assert.equal(answer.headers.get("content-type"), "application/json");
    return { status: answer.status, json: answer.json };
}

test("the model list, served by nginx: OpenAI's list, retrieve by id (encoded or not), 404, 401 and 405 shapes", { skip: NGINX_MISSING }, async () => {
    const served = await responder([KEY_A, KEY_B]);
    try {
        const ok = `Bearer ${KEY_B}`;
        const all = await list(served, "GET", "/v1/models", ok);
        assert.equal(all.status, 200);
        assert.deepEqual(all.json, {
            object: "list",
            data: [
                { id: "food-review", object: "model", created: 0, owned_by: "vllm", parent: LLAMA },
                { id: LLAMA, object: "model", created: 0, owned_by: "vllm" },
            ],
        });
        // Current SDKs send the id's `/` as `%2F`; nginx hands njs the decoded URI either way.
        for (const id of [LLAMA, encodeURIComponent(LLAMA)]) {
            assert.deepEqual(await list(served, "GET", `/v1/models/${id}`, `bearer ${KEY_A}`), { status: 200, json: all.json.data[1] }, id);
        }
        assert.deepEqual((await list(served, "GET", "/v1/models/food-review", ok)).json.parent, LLAMA);
        const missing = await list(served, "GET", "/v1/models/old", ok);
        assert.equal(missing.status, 404);
        assert.deepEqual(missing.json, {
            error: {
                message: "The model `old` does not exist or you do not have access to it.",
                type: "invalid_request_error",
                param: null,
                code: "model_not_found",
            },
        });
        for (const authorization of [undefined, `Bearer ${KEY_A}x`, `Basic ${KEY_A}`, `Bearer  ${KEY_A}`, KEY_A]) {
            const denied = await list(served, "GET", "/v1/models", authorization);
            assert.equal(denied.status, 401, String(authorization));
            assert.equal(denied.json.error.code, "invalid_api_key");
        }
        assert.equal((await list(served, "POST", "/v1/models", ok)).status, 405);
        assert.equal((await list(served, "GET", "/v1/modelsX", ok)).status, 404);

        // The files are read on every request: a new list and a rotated key apply without a restart.
        fs.writeFileSync(
            path.join(served.hostPath(CATALOG_PATHS.config), CATALOG_FILES.models),
            JSON.stringify({ object: "list", data: [{ id: "org/new", object: "model", created: 0, owned_by: "vllm" }] }),
        );
        const [digests] = fs.readdirSync(served.hostPath(CATALOG_PATHS.keys));
        fs.writeFileSync(path.join(served.hostPath(CATALOG_PATHS.keys), digests), apiKeysSecretData([KEY_B])[API_KEYS_SECRET.digests]);
        assert.equal((await list(served, "GET", "/v1/models", `Bearer ${KEY_A}`)).status, 401, "a removed key stops working");
        assert.equal((await list(served, "GET", "/v1/models/org/new", ok)).status, 200, "a new model is listed");
    } finally {
        await served.stop();
    }
});

test(
    "the responder, served by nginx: OpenAI's model_not_found for an unknown or missing model, Invalid URL for other /v1 paths, keys first",
    { skip: NGINX_MISSING },
    async () => {
        const served = await responder([KEY_A]);
        try {
            const ask = async (method: string, uri: string, headers: Record<string, string> = {}, body?: string) => {
                const { status, json } = await served.ask(method, uri, headers, body);
                return { status, json };
            };
            const key = { Authorization: `Bearer ${KEY_A}` };
            const notFound = (message: string) => ({
                status: 404,
                json: { error: { message, type: "invalid_request_error", param: "model", code: "model_not_found" } },
            });
            for (const uri of ["/v1/chat/completions", "/v1/completions"]) {
                // BBR copied the body's model into its header; a name with quotes stays valid JSON.
                assert.deepEqual(
                    await ask("POST", uri, { ...key, "X-Gateway-Model-Name": "gpt-4o" }),
                    notFound("The model `gpt-4o` does not exist or you do not have access to it."),
                );
                assert.deepEqual(
                    await ask("POST", uri, { ...key, "X-Gateway-Model-Name": 'a"b' }),
                    notFound('The model `a"b` does not exist or you do not have access to it.'),
                );
                assert.deepEqual(await ask("POST", uri, key), notFound("You must provide a model parameter."));
                const unkeyed = await ask("POST", uri, { "X-Gateway-Model-Name": "gpt-4o" });
                assert.deepEqual([unkeyed.status, unkeyed.json.error.code], [401, "invalid_api_key"], "no key: 401 before 404");
                // The body of a request answered by `return` is discarded unread: a long prompt for an
                // unknown model gets its 404, not the 413 of the server's 16k body limit.
                const long = JSON.stringify({ model: "gpt-4o", prompt: "x".repeat(64 * 1024) });
                assert.equal((await ask("POST", uri, { ...key, "X-Gateway-Model-Name": "gpt-4o", "Content-Type": "application/json" }, long)).status, 404);
            }
            for (const uri of ["/v1/load_lora_adapter", "/v1/unload_lora_adapter", "/v1/chat/completions/render", "/v1/embeddings"]) {
                assert.deepEqual(await ask("POST", uri, { ...key, "X-Gateway-Model-Name": LLAMA }), {
                    status: 404,
                    json: { error: { message: `Invalid URL (POST ${uri})`, type: "invalid_request_error", param: null, code: "not_found" } },
                });
            }
            assert.equal((await ask("GET", "/v1/models", key)).json.object, "list", "the list still answers");
            assert.equal((await ask("GET", `/v1/models/${LLAMA}`, key)).json.id, LLAMA);
            assert.deepEqual(await ask("GET", "/healthz"), { status: 200, json: { status: "ok" } });
            assert.deepEqual(await ask("GET", "/"), { status: 200, json: { status: "ok" } }, "a load balancer's default health check");
            assert.equal((await ask("GET", "/invocations")).json.error.code, "not_found");
        } finally {
            await served.stop();
        }
    },
);

test("the model list without keys answers anyone", { skip: NGINX_MISSING }, async () => {
    const served = await responder(undefined);
    try {
        assert.equal((await list(served, "GET", "/v1/models")).status, 200);
    } finally {
        await served.stop();
    }
});

test("the responder's Deployment validates, mounts the digests only with keys, and rolls only when nginx's own files change", () => {
    const args = (models: ReturnType<typeof plannedLlama>[], apiKeysRequired: boolean) => ({ models, namespace: "ns", gatewayName: "gw", apiKeysRequired });
    const [llama] = [plannedLlama({})];
    const withKeys = catalogDeployment(args([llama], true)) as any;
    validateKubernetesObject(withKeys);
    validateKubernetesObject(catalogConfigMap(args([llama], true)));
    assert.deepEqual(
        withKeys.spec.template.spec.containers[0].volumeMounts.map((m: any) => m.mountPath),
        ["/etc/openai-models/config", "/etc/openai-models/keys", "/tmp"],
    );
    const withoutKeys = catalogDeployment(args([llama], false)) as any;
    assert.deepEqual(
        withoutKeys.spec.template.spec.volumes.map((v: any) => v.name),
        ["config", "tmp"],
    );
    const annotation = (d: any) => d.spec.template.metadata.annotations["multi-model-inference/server-config"];
    const moreModels = catalogDeployment(args([llama, plannedLlama({ adapters: [{ name: "x", source: "o/x" }] })], true));
    assert.equal(annotation(moreModels), annotation(withKeys), "a new model changes the list only, not the pods");
    assert.notEqual(annotation(withoutKeys), annotation(withKeys));
    assert.deepEqual(
        catalogModels([
            plannedLlama({
                adapters: [
                    { name: "z", source: "o/z" },
                    { name: "b", source: "o/b" },
                ],
            }),
        ]).map((m) => m.id),
        ["b", LLAMA, "z"],
    );
});

test("API keys: one key or a JSON list; problems name positions, never values", () => {
    assert.deepEqual(parseApiKeys(KEY_A), [KEY_A]);
    assert.deepEqual(parseApiKeys(JSON.stringify([KEY_A, KEY_B])), [KEY_A, KEY_B]);
    assert.equal(parseApiKeys("[not json"), undefined);
    assert.deepEqual(apiKeyProblems([KEY_A, KEY_B], "apiKeys"), []);
    const bad = ["short", 42, "has a space in it" + "x".repeat(32), KEY_A, KEY_A];
    const problems = apiKeyProblems(bad, "apiKeys");
    assert.deepEqual(
        problems.map((p) => p.path),
        ["apiKeys[0]", "apiKeys[1]", "apiKeys[2]", "apiKeys[4]"],
    );
    for (const problem of [...problems, ...apiKeyProblems([], "k"), ...apiKeyProblems(undefined, "k")]) {
        assert.match(problem.message, /not shown: it is a secret/);
        for (const value of bad) assert.ok(!problem.message.includes(String(value)) || String(value).length < 3, problem.message);
    }
    // A key vLLM's argparse would read as an option (1 in 64 URL-safe random keys starts so).
    const dashed = apiKeyProblems([KEY_A, `-${KEY_B}`], "apiKeys");
    assert.deepEqual(
        dashed.map((p) => p.path),
        ["apiKeys[1]"],
    );
    assert.match(dashed[0].message, /^starts with "-" \(not shown: it is a secret\); vLLM reads its keys as command-line words/);
    assert.ok(!dashed[0].message.includes(KEY_B));
    assert.deepEqual(apiKeyProblems([`${KEY_A}-`, `a-${KEY_B}`], "apiKeys"), [], "a dash elsewhere is fine");
    assert.equal(apiKeysRequired({ gateway: { internal: false } }), true);
    assert.equal(apiKeysRequired({ gateway: { internal: true } }), false);
    assert.equal(apiKeysRequired({ apiKeys: { required: false }, gateway: { internal: false } }), false);
    const advice = { path: "apiKeys", set: "SET", optOut: "OPT-OUT" };
    assert.match(checkApiKeysGiven(true, false, false, advice)[0].message, /is required: the gateway is external.*SET.*OPT-OUT/);
    assert.match(checkApiKeysGiven(false, true, true, advice)[0].message, /required is false/);
    assert.deepEqual(checkApiKeysGiven(true, true, false, advice), []);
    assert.equal(apiKeysVersion([KEY_A, KEY_B]), apiKeysVersion([KEY_B, KEY_A]), "order does not roll the model servers");
    assert.notEqual(apiKeysVersion([KEY_A]), apiKeysVersion([KEY_A, KEY_B]));
    assert.ok(!apiKeysVersion([KEY_A]).includes(createHash("sha256").update(KEY_A).digest("hex")));
});

test("the plan: keys are required by default for an external gateway only; an apiKeys object must say required", () => {
    const serving = { cluster: { project: "my-gcp-project", location: "us-central1-a", name: "c" }, networkPolicy: NETWORK_POLICY, models: [{ name: LLAMA }] };
    assert.equal(planServing(serving).apiKeysRequired, true);
    assert.equal(planServing({ ...serving, gateway: { internal: true } }).apiKeysRequired, false);
    assert.throws(
        () => planServing({ ...serving, apiKeys: {} }),
        (e: unknown) => e instanceof ConfigError && /apiKeys\.required: .*must say whether keys are required/.test(e.message),
    );
});

test("vLLM reads the keys from a Secret file; the pod spec names no key", () => {
    const model = plannedLlama({ adapters: [{ name: "food-review", source: "org/food" }] });
    const deployment = vllmDeployment({ model, namespace: "ns", image: "vllm/vllm-openai:v0.11.0", apiKeys: { version: "v1" } }) as any;
    validateKubernetesObject(deployment);
    const pod = deployment.spec.template;
    assert.deepEqual(pod.spec.containers[0].args.slice(0, 2), ["--config", "/etc/vllm/api-keys/api-keys.yaml"]);
    assert.equal(pod.metadata.annotations["multi-model-inference/api-keys-version"], "v1");
    assert.deepEqual(JSON.parse(apiKeysSecretData([KEY_A, KEY_B])[API_KEYS_SECRET.vllmConfig]), { "api-key": [KEY_A, KEY_B] });
    // The syncer sends the first key, read from the Secret, through the module on its PYTHONPATH.
    const [syncer] = loraPodParts(model, {
        image: "vllm/vllm-openai:v0.11.0",
        baseModel: model.huggingFaceId,
        hfTokenSecret: HF_TOKEN_SECRET,
        apiKeysRequired: true,
    }).initContainers;
    assert.deepEqual(syncer.env.slice(1), [
        { name: "PYTHONPATH", value: "/opt/lora-syncer-auth" },
        { name: "VLLM_API_KEY", valueFrom: { secretKeyRef: { name: "api-keys", key: "lora-syncer" } } },
    ]);
    assert.equal(apiKeysSecretData([KEY_A, KEY_B])[API_KEYS_SECRET.syncerKey], KEY_A);
});

test("the real LoRA syncer of v1.0.2 reads our config and loads and unloads adapters with vLLM's key", { skip: SYNCER_MISSING }, async () => {
    const model = plannedLlama({
        adapters: [
            { name: "food-review", source: "org/food" },
            { name: "old", source: "org/old", retired: true },
        ],
    });
    const configMap = adapterConfigMap(model, "ns", true);
    const pod = loraPodParts(model, {
        image: "vllm/vllm-openai:v0.11.0",
        baseModel: model.huggingFaceId,
        hfTokenSecret: HF_TOKEN_SECRET,
        apiKeysRequired: true,
    });
    const [syncer] = pod.initContainers;
    const { calls, error } = await runSyncer(
        fs.mkdtempSync(path.join(work, "syncer-")),
        pod,
        syncer,
        { [configMap.metadata.name]: configMap.data as Record<string, string> },
        [LLAMA, "old"],
        { VLLM_API_KEY: KEY_A },
    );
    assert.equal(error, undefined);
    assert.deepEqual(
        calls.filter((c) => c.method === "POST").map((c) => [c.url, c.body]),
        [
            ["/v1/load_lora_adapter", { lora_name: "food-review", lora_path: "org/food", base_model_name: LLAMA }],
            ["/v1/unload_lora_adapter", { lora_name: "old" }],
        ],
    );
    assert.ok(calls.length > 2);
    for (const call of calls) assert.equal(call.authorization, `Bearer ${KEY_A}`, `${call.method} ${call.url}`);
});

test("a stack that opts out of keys: no Secret, no key flags, commands without the header", async () => {
    const file = stackVariant("gke", "no-api-keys", (config) => {
        config[configKey("apiKeys")] = { required: false };
    });
    const run = await runProgram("gke", file);
    assert.equal(
        run.resources.some((r) => r.name === "inference-api-keys"),
        false,
    );
    for (const deployment of run.resources.filter((r) => r.type === "kubernetes:apps/v1:Deployment")) {
        assert.ok(!JSON.stringify(deployment.inputs).includes("api-keys"), deployment.name);
    }
    assert.equal(run.outputs["apiKeysRequired"], false);
    assert.equal(run.outputs["listModels"], "curl -X GET 'http://<gateway-address>/v1/models'");
    assert.ok(!JSON.stringify(run.outputs["models"]).includes("Authorization"));
});
