/**
 * LoRA adapters: the syncer's ConfigMap, vLLM's flags, routes matching adapter names, name
 * clashes, and that changing the adapter list leaves every Deployment's pod template alone.
 */
import assert from "node:assert/strict";
import test from "node:test";
import { ConfigError, RELEASE_LINES, MAX_ROUTED_NAMES, ServingConfig, adapterConfigMap, httpRoute, loraSyncerConfig, loraVllmArgs } from "../components";
import { RecordedResource, runProgram } from "../tools/mockRuntime";
import { isKubernetesObject, renderFiles } from "../tools/renderFiles";
import { validateKubernetesObject } from "./helpers/kubernetesSchemas";
import { LLAMA, deploymentOf, plannedLlama as llama } from "./helpers/plannedModels";
import { ONE_ADAPTER_EACH, stackConfigWith } from "./helpers/stackConfigs";

test("syncer config: active adapters to ensureExist, retired ones to ensureNotExist, vLLM's port and served base name", () => {
    const model = llama({
        adapters: [
            { name: "food-review", source: "Kawon/llama3.1-food-finetune_v14_r8" },
            { name: "food-review-old", source: "org/food-v0", retired: true },
            { name: "local", source: "/adapters/local" },
        ],
    });
    assert.deepEqual(loraSyncerConfig(model), {
        vLLMLoRAConfig: {
            name: "vllm-llama-3-1-8b-instruct-adapters",
            port: 8000,
            defaultBaseModel: LLAMA,
            ensureExist: {
                models: [
                    { id: "food-review", source: "Kawon/llama3.1-food-finetune_v14_r8" },
                    { id: "local", source: "/adapters/local" },
                ],
            },
            ensureNotExist: { models: [{ id: "food-review-old", source: "org/food-v0" }] },
        },
    });
    assert.deepEqual(
        loraSyncerConfig(llama({ lora: {} })).vLLMLoRAConfig,
        {
            name: "vllm-llama-3-1-8b-instruct-adapters",
            port: 8000,
            defaultBaseModel: LLAMA,
        },
        "empty lists are left out",
    );
    const configMap = adapterConfigMap(model, "ns");
    assert.doesNotThrow(() => validateKubernetesObject(configMap));
    assert.equal(configMap.immutable, false);
    assert.deepEqual(JSON.parse(configMap.data["configmap.yaml"]), loraSyncerConfig(model), "the file is the config, in JSON (a YAML subset)");
});

test("vLLM flags and pod: off without adapters or lora, on with either, limits configurable", () => {
    const cases: { extra: Partial<ServingConfig["models"][number]>; flags: string[] }[] = [
        { extra: {}, flags: [] },
        { extra: { adapters: [{ name: "a", source: "org/a" }] }, flags: ["--enable-lora", "--max-loras", "2", "--max-lora-rank", "16"] },
        { extra: { lora: {} }, flags: ["--enable-lora", "--max-loras", "2", "--max-lora-rank", "16"] },
        {
            extra: { lora: { maxLoras: 4, maxLoraRank: 64, maxCpuLoras: 12 } },
            flags: ["--enable-lora", "--max-loras", "4", "--max-lora-rank", "64", "--max-cpu-loras", "12"],
        },
    ];
    for (const { extra, flags } of cases) {
        const model = llama(extra);
        assert.deepEqual(loraVllmArgs(model), flags, JSON.stringify(extra));
        const pod = deploymentOf(model).spec.template.spec;
        const container = pod.containers[0];
        assert.ok(flags.every((f) => container.args.includes(f)));
        if (flags.length === 0) {
            assert.equal(pod.initContainers, undefined);
            assert.deepEqual(
                container.env.map((e: any) => e.name),
                ["HF_TOKEN", "VLLM_NO_USAGE_STATS"],
            );
            continue;
        }
        const [syncer] = pod.initContainers;
        assert.deepEqual(syncer.image, RELEASE_LINES["v1.0.0"].adapterLoading.syncerImage);
        assert.equal(syncer.restartPolicy, "Always", "a native sidecar");
        assert.deepEqual(syncer.volumeMounts, [{ name: "lora-adapters", mountPath: "/config", readOnly: true }]);
        assert.equal(syncer.env[0].value, "/config/configmap.yaml");
        assert.deepEqual(pod.volumes.find((v: any) => v.name === "lora-adapters").configMap, { name: "vllm-llama-3-1-8b-instruct-adapters" });
        assert.deepEqual(
            container.env.find((e: any) => e.name === "VLLM_ALLOW_RUNTIME_LORA_UPDATING"),
            { name: "VLLM_ALLOW_RUNTIME_LORA_UPDATING", value: "true" },
        );
    }
});

test("the pod template does not depend on the adapter list", () => {
    const lists = [
        [{ name: "a", source: "org/a" }],
        [
            { name: "a", source: "org/a-v2" },
            { name: "b", source: "org/b" },
        ],
        [{ name: "a", source: "org/a", retired: true }],
    ];
    const templates = lists.map((adapters) => JSON.stringify(deploymentOf(llama({ adapters })).spec.template));
    assert.equal(new Set(templates).size, 1);
});

test("httpRoute: the model and its adapters on each inference path exactly, 8 matches per rule, valid against the Gateway API schema", () => {
    const cases = [
        { adapters: [] as string[], rules: [2] },
        { adapters: ["a"], rules: [4] },
        { adapters: Array.from({ length: 9 }, (_, i) => `adapter-${i}`), rules: [8, 8, 4] },
        { adapters: Array.from({ length: MAX_ROUTED_NAMES - 1 }, (_, i) => `adapter-${i}`), rules: Array(16).fill(8) },
    ];
    for (const { adapters, rules } of cases) {
        const route = httpRoute({
            routeName: "llama",
            namespace: "ns",
            gatewayName: "gw",
            modelName: LLAMA,
            adapterNames: adapters,
            poolName: "llama",
            requestTimeout: "300s",
        });
        assert.deepEqual(
            route.spec.rules.map((r) => r.matches.length),
            rules,
        );
        const matched = route.spec.rules.flatMap((r) => r.matches.map((m) => [m.headers[0].value, m.path.type, m.path.value]));
        assert.deepEqual(
            matched,
            [LLAMA, ...adapters].flatMap((name) => [
                [name, "Exact", "/v1/chat/completions"],
                [name, "Exact", "/v1/completions"],
            ]),
        );
        assert.ok(route.spec.rules.every((r) => r.backendRefs[0].name === "llama" && r.timeouts?.request === "300s"));
        assert.doesNotThrow(() => validateKubernetesObject(route), `${adapters.length} adapters`);
    }
});

test("more adapters than one route can match is a config error; retired ones do not count", () => {
    const adapters = (n: number, retired = false) => Array.from({ length: n }, (_, i) => ({ name: `adapter-${i}`, source: "org/a", retired }));
    assert.doesNotThrow(() => llama({ adapters: adapters(MAX_ROUTED_NAMES - 1) }));
    assert.doesNotThrow(() => llama({ adapters: [...adapters(MAX_ROUTED_NAMES - 1), { name: "old", source: "org/old", retired: true }] }));
    assert.throws(
        () => llama({ adapters: adapters(MAX_ROUTED_NAMES) }),
        (e: unknown) => e instanceof ConfigError && /models\[0\]\.adapters: lists 64 active adapters; one HTTPRoute matches at most 64 names/.test(e.message),
    );
});

interface Route {
    spec: { rules: { matches: { headers: { value: string }[] }[]; backendRefs: { kind: string; name: string }[] }[] };
}

function byType(resources: RecordedResource[], type: string) {
    return resources.filter((r) => r.type === type);
}

test("under mocks: one adapter on each base model; a changed adapter list changes ConfigMaps and routes only", async () => {
    const before = await runProgram(
        "gke",
        stackConfigWith("gke", "one-adapter", (m, i) => ({ ...m, adapters: ONE_ADAPTER_EACH[i] })),
    );
    const routes = byType(before.resources, "kubernetes:gateway.networking.k8s.io/v1:HTTPRoute")
        .map((r) => r.inputs as unknown as Route)
        .filter((r) => r.spec.rules[0].backendRefs[0].kind === "InferencePool");
    assert.deepEqual(
        routes.map((r) => [r.spec.rules[0].backendRefs[0].name, [...new Set(r.spec.rules[0].matches.map((m) => m.headers[0].value))]]),
        [
            ["llama-3-1-8b-instruct", [LLAMA, "food-review"]],
            ["phi-4-mini-instruct", ["microsoft/Phi-4-mini-instruct", "phi-support"]],
        ],
    );
    // Each model's adapters, and the model list.
    assert.equal(byType(before.resources, "kubernetes:core/v1:ConfigMap").length, 3);
    for (const object of before.resources.filter(isKubernetesObject)) {
        if (object.type === "kubernetes:core/v1:Secret") continue;
        assert.doesNotThrow(() => validateKubernetesObject(object.inputs), `${object.type} ${object.name}`);
    }
    const provider = before.resources.find((r) => r.type === "pulumi:providers:kubernetes");
    assert.equal(String(provider?.inputs["enableConfigMapMutable"]), "true", "ConfigMaps are updated in place, not replaced");

    const after = await runProgram(
        "gke",
        stackConfigWith("gke", "changed-adapters", (m, i) => ({
            ...m,
            adapters: [
                { ...ONE_ADAPTER_EACH[i][0], retired: true },
                { name: `new-${i}`, source: "example-org/new-adapter" },
            ],
        })),
    );
    // Compare the offline renders, file by file, as a reviewer's plan-diff would.
    const [beforeFiles, afterFiles] = [renderFiles(before), renderFiles(after)];
    assert.deepEqual([...afterFiles.keys()], [...beforeFiles.keys()], "the same files: nothing added or removed");
    const changed = [...beforeFiles.keys()].filter((file) => file !== "resources.json" && beforeFiles.get(file) !== afterFiles.get(file));
    assert.deepEqual(changed.sort(), [
        "manifests/configmap_default_openai-models.yaml",
        "manifests/configmap_default_vllm-llama-3-1-8b-instruct-adapters.yaml",
        "manifests/configmap_default_vllm-phi-4-mini-instruct-adapters.yaml",
        "manifests/httproute_default_llama-3-1-8b-instruct.yaml",
        "manifests/httproute_default_phi-4-mini-instruct.yaml",
        "summary.txt",
    ]);
    assert.ok(
        [...beforeFiles.keys()].filter((f) => f.startsWith("manifests/deployment_default_vllm-")).length === 2,
        "both model server Deployments rendered, unchanged",
    );
    const others = (run: typeof before) =>
        run.resources.filter((r) => !/:(ConfigMap|HTTPRoute)$/.test(r.type)).map((r) => `${r.type} ${r.name} ${JSON.stringify(r.inputs)}`);
    assert.deepEqual(others(after), others(before), "node pool, charts, claims and the rest are untouched too");
});
