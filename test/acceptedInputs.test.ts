/**
 * The other side of the invalid-config corpus: inputs that are valid are accepted, so that the
 * checks refuse only what would fail or be ignored. Pure: the plan and the stack-config reader,
 * no Pulumi runtime. Also: `vllmArgs` read the way vLLM v0.11.0 reads them, checked against the
 * option strings extracted from that tag (components/catalogs/vllmFlags.ts).
 */
import assert from "node:assert/strict";
import test from "node:test";
import { ConfigError, ServingConfig, planServing } from "../components";
import { resolveVllmOption } from "../components/catalogs/vllmFlags";
import { VLLM_OPTIONS } from "../components/catalogs/vllmFlags";
import { parseStackConfig } from "../stacks/config";
import { NETWORK_POLICY } from "./helpers/plannedModels";

const cluster = { project: "my-gcp-project", location: "us-central1", name: "inference-cluster" };
const base = { cluster, networkPolicy: NETWORK_POLICY, nodePools: { "nvidia-l4": { zones: ["us-central1-a"] } } };
const LLAMA = "meta-llama/Llama-3.1-8B-Instruct";
const plan = (config: Partial<ServingConfig>) => planServing({ ...base, models: [{ name: LLAMA }], ...config });

test("images from a registry with a port, pinned by tag, digest or both", () => {
    const digest = `sha256:${"a1".repeat(32)}`;
    for (const image of [
        "registry.example.com:5000/vllm/vllm-openai:v0.11.0",
        `vllm/vllm-openai:v0.11.0@${digest}`,
        `registry.example.com:5000/vllm/vllm-openai:nightly@${digest}`,
        `us-docker.pkg.dev/my-project/mirror/vllm-openai@${digest}`,
        "localhost:5000/vllm:0.11.0",
        "[2001:db8::1]:5000/vllm/vllm-openai:v0.11.0",
    ]) {
        assert.equal(plan({ vllmImage: image }).vllmImage, image);
    }
});

test("a zonal cluster's node pool may use other zones of its region", () => {
    const zonal = { ...cluster, location: "us-central1-a" };
    const pools = planServing({
        ...base,
        cluster: zonal,
        nodePools: { "nvidia-l4": { zones: ["us-central1-b", "us-central1-c"] } },
        models: [{ name: LLAMA }],
    }).nodePools;
    assert.deepEqual(pools[0].zones, ["us-central1-b", "us-central1-c"]);
    assert.throws(
        () => planServing({ ...base, cluster: zonal, nodePools: { "nvidia-l4": { zones: ["us-east1-b"] } }, models: [{ name: LLAMA }] }),
        /nodePools\.nvidia-l4\.zones: got "us-east1-b", which is not in the cluster's region us-central1/,
    );
});

test("valid node labels, namespaces, source ranges, targets and weight caches", () => {
    const planned = plan({
        namespace: "gke-inference",
        nodePools: { "nvidia-l4": { zones: ["us-central1-a"], labels: { team: "", "example.com/tier": "gold", "cloud.google.com/team": "ml" } } },
        // A /8 is the widest a subnet can be; Google's health checkers are public ranges.
        networkPolicy: { gatewaySourceRanges: ["10.0.0.0/8", "35.191.0.0/16"] },
        models: [
            {
                name: LLAMA,
                autoscaling: { maxReplicas: 2, metric: "kvCache", target: 0.001 },
                weightCache: { type: "bucket", bucket: "my-weights", path: "models/v1.2/llama" },
            },
            { name: "microsoft/Phi-4-mini-instruct", weightCache: { accessMode: "ReadWriteMany", storageClassName: "standard-rwx" } },
        ],
    });
    assert.equal(planned.namespace, "gke-inference");
    assert.deepEqual(planned.nodePools[0].labels, { team: "", "example.com/tier": "gold", "cloud.google.com/team": "ml" });
    assert.equal(planned.models[0].autoscaling?.target, 0.001);
});

test("IDN top-level domains, dotted TLS Secret names and dotted bucket names up to 222 characters", () => {
    for (const hostname of ["llm.example.xn--p1ai", "*.example.xn--fiqs8s", "a.b.c.example.com", `${"a".repeat(63)}.example.com`]) {
        assert.equal(plan({ gateway: { hostname } }).gateway.hostname, hostname);
    }
    // A Secret's name is a DNS subdomain.
    assert.equal(plan({ gateway: { hostname: "llm.example.com", tlsSecretName: "llm.example.com-tls" } }).gateway.tlsSecretName, "llm.example.com-tls");
    const dotted = ["a".repeat(63), "b".repeat(63), "c".repeat(63), "d".repeat(30)].join(".");
    assert.equal(dotted.length, 222);
    for (const bucket of ["my-weights", "weights.example.com", dotted, "a_b"]) {
        const model = plan({ models: [{ name: LLAMA, weightCache: { type: "bucket", bucket, path: "llama" } }] }).models[0];
        assert.equal(model.weightCache.bucket?.name, bucket);
    }
});

test("adapter names with folders, and weightCache none where the node's boot disk holds each pod's copy", () => {
    const adapters = [{ name: "team/food-review.v2", source: "org/food" }];
    assert.deepEqual(
        plan({ models: [{ name: LLAMA, adapters }] }).models[0].adapters.map((a) => a.name),
        ["team/food-review.v2"],
    );
    // 16 GB of Llama weights and the node's 40 GB fit the 100 GB minimum with one pod per node.
    const pools = { "nvidia-l4": { zones: ["us-central1-a"], diskSizeGb: 100 } };
    assert.equal(plan({ nodePools: pools, models: [{ name: LLAMA, weightCache: { type: "none" } }] }).models[0].weightCache.type, "none");
});

test("EPP flags the chart does not set, with values its quoting carries, and a plugins file the ConfigMap holds", () => {
    const flags = [
        { name: "v", value: 3 },
        { name: "kv-cache-usage-percentage-metric", value: "vllm:gpu_cache_usage_perc{a='b'}" },
    ];
    const extension = { flags, pluginsConfigFile: "custom-plugins.yaml", pluginsCustomConfig: { "custom-plugins.yaml": "plugins: []\n" } };
    const values = plan({ charts: { inferencePool: { version: "v1.0.0", values: { inferenceExtension: extension } } } }).models[0].poolValues as {
        inferenceExtension: unknown;
    };
    assert.deepEqual(values.inferenceExtension, extension);
    const onMapLine = {
        inferencePool: { version: "v1.5.0", values: { inferenceExtension: { flags: { v: 3, "refresh-metrics-interval": "50ms" } } } },
        bodyBasedRouting: { version: "v1.5.0" },
    };
    assert.doesNotThrow(() => plan({ charts: onMapLine }));
});

test("tensor-parallel sizes that divide the attention heads; models whose heads are unknown are not checked", () => {
    assert.equal(plan({ models: [{ name: "Qwen/Qwen2.5-7B-Instruct", gpu: { count: 4 } }] }).models[0].gpu.count, 4);
    assert.equal(
        plan({
            models: [{ name: "example/unknown-7b", parameters: 7, contextLength: 4096, kvCacheBytesPerToken: 131072, gpu: { count: 3 } }],
            nodePools: { "nvidia-l4": { zones: ["us-central1-a"], machineType: "g2-standard-48" } },
        }).models[0].gpu.count,
        3,
    );
});

test("vllmArgs the program does not own pass, in every spelling", () => {
    const args = [
        "--trust-remote-code",
        "--enable-chunked-prefill",
        "--max-model-len=8192",
        "--max_num_seqs",
        "64",
        // An unambiguous abbreviation of a flag the program does not own.
        "--max-num-seq=64",
        "--pipeline-parallel-size=1",
        "--chat-template={% for m in messages %}{{ m.content }} {% endfor %}",
        "--dtype",
        "bfloat16",
    ];
    assert.deepEqual(plan({ models: [{ name: LLAMA, vllmArgs: args }] }).models[0].vllmArgs, args);
    // The v1.0 lines set this one themselves (their EPP's metric); on v1.5.0 it is the user's.
    const hidden = ["--show-hidden-metrics-for-version", "0.19"];
    const v1_5 = { inferencePool: { version: "v1.5.0" }, bodyBasedRouting: { version: "v1.5.0" } };
    assert.deepEqual(plan({ charts: v1_5, models: [{ name: LLAMA, vllmArgs: hidden }] }).models[0].vllmArgs, hidden);
    assert.throws(
        () => plan({ models: [{ name: LLAMA, vllmArgs: hidden }] }),
        /vllmArgs\[0\]: .*sets --show-hidden-metrics-for-version itself on this release line/,
    );
    assert.deepEqual(plan({ models: [{ name: LLAMA, precision: "int4", vllmArgs: ["-q", "awq", "--dtype=half"] }] }).models[0].vllmArgs, [
        "-q",
        "awq",
        "--dtype=half",
    ]);
});

test("resolveVllmOption reads arguments as each pinned vLLM's parser does", () => {
    const v0_11: [string, string[] | undefined, string?][] = [
        ["--served-model-name", ["--served-model-name"]],
        ["--served_model_name=x", ["--served-model-name"], "x"],
        ["--served-model", ["--served-model-name"]],
        ["--tensor_parallel_size.foo", ["--tensor-parallel-size"]],
        ["-tp", ["--tensor-parallel-size"]],
        ["-t", ["--tensor-parallel-size"]],
        ["-pp=2", ["--pipeline-parallel-size"], "2"],
        ["-qfp8", ["--quantization"], "fp8"],
        ["--no-enable-lora", ["--no-enable-lora"]],
        ["--max-lora", ["--max-lora-rank", "--max-loras"]],
        ["llama", undefined],
        ["-", undefined],
        ["--not-a-vllm-flag", undefined],
        ["--trust-remote-code --port 9000", undefined],
        ["-O3", ["--compilation-config"], "3"],
        ["--swap-space", ["--swap-space"]],
    ];
    // v0.20.2: -O is the optimization level, -cc the compilation config; --swap-space is gone.
    const v0_20: [string, string[] | undefined, string?][] = [
        ["--served_model_name=x", ["--served-model-name"], "x"],
        ["-O3", ["--optimization-level"], "3"],
        ["-cc", ["--compilation-config"]],
        ["--swap-space", undefined],
    ];
    for (const [tag, cases] of [
        ["v0.11.0", v0_11],
        ["v0.20.2", v0_20],
    ] as const) {
        for (const [arg, options, value] of cases) {
            const resolved = resolveVllmOption(arg, VLLM_OPTIONS[tag]);
            assert.deepEqual(resolved?.options.sort(), options, `${arg} at ${tag}`);
            if (value !== undefined) assert.equal(resolved?.attachedValue, value, `${arg} at ${tag}`);
        }
    }
    // The data: long options are dashed names; every short option stands for one of them.
    for (const { long, short } of Object.values(VLLM_OPTIONS)) {
        assert.ok(long.every((o) => /^--[a-z0-9-]+$/.test(o)));
        assert.ok(Object.values(short).every((o) => long.includes(o)));
    }
});

test("keys of other packages' namespaces are left alone; only a near miss of the project's is refused", () => {
    const entries = (extra: Record<string, string>) => ({
        "multi-model-inference:hfToken": "token",
        "multi-model-inference:apiKeys": "an-api-key-of-at-least-32-characters-0123",
        "multi-model-inference:cluster": JSON.stringify(cluster),
        "multi-model-inference:nodePools": JSON.stringify(base.nodePools),
        "multi-model-inference:networkPolicy": JSON.stringify(NETWORK_POLICY),
        "multi-model-inference:models": JSON.stringify([{ name: LLAMA }]),
        ...extra,
    });
    const foreign = { "gcp:project": "p", "kubernetes:context": "c", "pulumi:tags": "{}", "multi-model:x": "1", "mmi:gateway": "{}" };
    assert.doesNotThrow(() => parseStackConfig("multi-model-inference", entries(foreign), ["multi-model-inference:hfToken", "multi-model-inference:apiKeys"]));
    // Look-alikes: full-width letters, Cyrillic о е і с; legitimate namespaces stay foreign.
    for (const typo of [
        "multi-model-inferenc:gateway",
        "Multi_Model_Inference:gateway",
        "multi-modle-inference:gateway",
        "ｍｕｌｔｉ-ｍｏｄｅｌ-ｉｎｆｅｒｅｎｃｅ:gateway",
        "multі-mоdеl-іnfеrеnсе:gateway",
    ]) {
        assert.throws(
            () => parseStackConfig("multi-model-inference", entries({ [typo]: "{}" }), ["multi-model-inference:hfToken", "multi-model-inference:apiKeys"]),
            /did you mean multi-model-inference:gateway\?/,
            typo,
        );
    }
});

test("the program reads a value nested too deep (the Pulumi CLI passes any depth) into one problem naming its key", () => {
    const deep = `${"[".repeat(20000)}${"]".repeat(20000)}`;
    const entries = {
        "multi-model-inference:cluster": JSON.stringify(cluster),
        "multi-model-inference:nodePools": JSON.stringify(base.nodePools),
        "multi-model-inference:networkPolicy": JSON.stringify(NETWORK_POLICY),
        "multi-model-inference:models": deep,
        "multi-model-inference:hfToken": "token",
        "multi-model-inference:apiKeys": "an-api-key-of-at-least-32-characters-0123",
    };
    assert.throws(
        () => parseStackConfig("multi-model-inference", entries, ["multi-model-inference:hfToken", "multi-model-inference:apiKeys"]),
        (e: unknown) => e instanceof ConfigError && /models: is nested more than 64 levels deep/.test(e.message) && !e.message.includes("RangeError"),
    );
});
