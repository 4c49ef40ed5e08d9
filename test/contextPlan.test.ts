/**
 * Each model's context and KV cache: vLLM's memory rule at each pinned tag (its figures against
 * the lines facts/vllm@<tag>.json cites, which vllmFacts.test.ts re-reads), every
 * architecture row of the known-model table against the figures its cited source states (and,
 * with HF_CONFIG_DIR set to a folder of `<org>/<name>/config.json`, against the files themselves),
 * and the plan the default models get on an L4. Pure: no Pulumi.
 */
import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import test from "node:test";
import { planServing } from "../components";
import { CONTEXT_MARGIN, humanReadableInt } from "../components/modelServers/contextPlan";
import { ID_SIZE_MARGIN, modelParameters } from "../components/catalogs/knownModels";
import { KNOWN_MODEL_ARCHITECTURES, factsOfConfig, knownModelFacts, kvLayout } from "../components/catalogs/modelArchitectures";
import { VLLM_RELEASES } from "../components/catalogs/vllmReleases";
import { VLLM_MEMORY_RULES, kvBudgetBytes, kvBytesForLength, kvHeadsPerRank, largestFittingLength } from "../components/catalogs/vllmMemory";
import { REPO_ROOT } from "../tools/repoRoot";
import { NETWORK_POLICY } from "./helpers/plannedModels";

const LLAMA = "meta-llama/Llama-3.1-8B-Instruct";
const PHI = "microsoft/Phi-4-mini-instruct";
const V11 = VLLM_MEMORY_RULES["v0.11.0"];
const GIB = 2 ** 30;

function plan(models: unknown[], version = "v1.0.0") {
    return planServing({
        cluster: { project: "my-gcp-project", location: "us-central1-a", name: "c" },
        networkPolicy: NETWORK_POLICY,
        charts: { inferencePool: { version } },
        models,
    });
}

function problemsOf(models: unknown[]): string {
    try {
        plan(models);
    } catch (error) {
        return (error as Error).message;
    }
    assert.fail("the config was accepted");
}

test("every pinned vLLM has a memory rule, and each citation is one the tag's facts file lists", () => {
    for (const release of Object.values(VLLM_RELEASES)) {
        const rule = VLLM_MEMORY_RULES[release.tag];
        assert.equal(rule.tag, release.tag);
        const facts = JSON.parse(fs.readFileSync(path.join(REPO_ROOT, "facts", release.factsFile), "utf8")) as {
            memory: { citations: { fact: string; file: string; line: number }[] };
        };
        const listed = Object.fromEntries(facts.memory.citations.map((c) => [c.fact, `${c.file}:${c.line}`]));
        assert.deepEqual(listed, rule.citations, release.tag);
    }
});

test("the rule at each tag: 16-token blocks, 0.9 of the GPU, 2048 batched tokens and 256 sequences below 70 GiB; where they differ", () => {
    for (const rule of Object.values(VLLM_MEMORY_RULES)) {
        assert.deepEqual(
            [rule.blockSize, rule.gpuMemoryUtilization, rule.maxNumBatchedTokens, rule.maxNumSeqs],
            [16, 0.9, { default: 2048, largeGpu: 8192 }, { default: 256, largeGpu: 1024 }],
            rule.tag,
        );
    }
    // v0.20.2 starts a LongRoPE model at original_max_position_embeddings without --max-model-len (model.py:2144).
    assert.deepEqual([V11.longRopeDefaultsToOriginal, VLLM_MEMORY_RULES["v0.20.2"].longRopeDefaultsToOriginal], [false, true]);
});

test("KV bytes of one request: cdiv(len, 16) pages per full layer, a window's pages plus one per sliding layer, KV heads split by TP", () => {
    const llama = kvLayout(knownModelFacts(LLAMA)!.architecture, 1, 2);
    // 2 × 8 KV heads × 128 × 2 bytes = 4 KiB per layer and token; 32 layers = 128 KiB; 131,072 tokens = 16 GiB (the figure).
    assert.equal(llama.bytesPerTokenPerLayer, 4096);
    assert.equal(kvBytesForLength(llama, 131072, V11, 2048), 16 * GIB);
    // A partial block takes a whole page.
    assert.equal(kvBytesForLength(llama, 17, V11, 2048), 32 * 2 * 16 * 4096);
    // gpt-oss-20b: 12 full layers, 12 with a 128-token window: min(127 + 2048, len) tokens, +1 page.
    const oss = kvLayout(knownModelFacts("openai/gpt-oss-20b")!.architecture, 1, 2);
    assert.deepEqual([oss.fullAttentionLayers, oss.slidingWindowLayers, oss.slidingWindow], [12, 12, 128]);
    const page = 16 * oss.bytesPerTokenPerLayer;
    assert.equal(kvBytesForLength(oss, 131072, V11, 2048), 12 * 8192 * page + 12 * (Math.ceil(2175 / 16) + 1) * page);
    assert.equal(kvBytesForLength(oss, 100, V11, 2048), 12 * 7 * page + 12 * 8 * page);
    // vLLM's get_num_kv_heads: max(1, heads // TP).
    assert.deepEqual([kvHeadsPerRank(8, 1), kvHeadsPerRank(8, 2), kvHeadsPerRank(8, 3), kvHeadsPerRank(8, 16)], [8, 4, 2, 1]);
    assert.equal(kvLayout(knownModelFacts(LLAMA)!.architecture, 2, 2).bytesPerTokenPerLayer, 2048);
});

test("the largest fitting length is a block multiple whose request fits, the next block's does not", () => {
    const llama = kvLayout(knownModelFacts(LLAMA)!.architecture, 1, 2);
    const available = 3 * GIB + 12345;
    const largest = largestFittingLength(llama, available, 131072, V11, 2048);
    assert.equal(largest % 16, 0);
    assert.ok(kvBytesForLength(llama, largest, V11, 2048) <= available);
    assert.ok(kvBytesForLength(llama, largest + 16, V11, 2048) > available);
    assert.equal(largestFittingLength(llama, 100 * GIB, 131072, V11, 2048), 131072, "capped at the limit");
    assert.equal(largestFittingLength(llama, 1000, 131072, V11, 2048), 0, "not one block");
    // vLLM's budget: total × utilisation − weights − what the profiling run takes.
    assert.equal(kvBudgetBytes(1000, 0.9, 500, 100), 300);
});

/** Each row's figures as its cited source states them: layers, attention heads, KV heads, head
 * dim, native context, sliding-window layers. */
const STATED: Record<string, [number, number, number, number, number, number]> = {
    "meta-llama/Llama-3.1-8B-Instruct": [32, 32, 8, 128, 131072, 0],
    "meta-llama/Llama-3.1-70B-Instruct": [80, 64, 8, 128, 131072, 0],
    "meta-llama/Llama-3.2-3B-Instruct": [28, 24, 8, 128, 131072, 0],
    "microsoft/Phi-4-mini-instruct": [32, 24, 8, 128, 131072, 0],
    "Qwen/Qwen2.5-1.5B-Instruct": [28, 12, 2, 128, 32768, 0],
    "Qwen/Qwen2.5-3B-Instruct": [36, 16, 2, 128, 32768, 0],
    "Qwen/Qwen2.5-7B-Instruct": [28, 28, 4, 128, 32768, 0],
    "Qwen/Qwen2.5-14B": [48, 40, 8, 128, 131072, 0],
    "Qwen/Qwen2.5-14B-Instruct": [48, 40, 8, 128, 32768, 0],
    "Qwen/Qwen2.5-32B": [64, 40, 8, 128, 131072, 0],
    "Qwen/Qwen3-4B": [36, 32, 8, 128, 40960, 0],
    "Qwen/Qwen3-8B": [36, 32, 8, 128, 40960, 0],
    "Qwen/Qwen3-14B": [40, 40, 8, 128, 40960, 0],
    "Qwen/Qwen3-32B": [64, 64, 8, 128, 40960, 0],
    "Qwen/Qwen3-30B-A3B": [48, 32, 4, 128, 40960, 0],
    "openai/gpt-oss-20b": [24, 64, 8, 64, 131072, 12],
};

for (const [id, row] of Object.entries(KNOWN_MODEL_ARCHITECTURES)) {
    test(`architecture row ${id}: the figures its source states`, () => {
        assert.ok(row.source.length > 20, "names its source");
        const facts = factsOfConfig(row.config);
        const a = facts.architecture;
        assert.deepEqual([a.layers, facts.attentionHeads, a.kvHeads, a.headDim, facts.nativeContext, a.slidingWindowLayers], STATED[id]);
        assert.equal(a.dtypeBytes, 2, "bf16 weights and KV cache");
    });
}

test("every stated row is in the table", () => assert.deepEqual(Object.keys(STATED).sort(), Object.keys(KNOWN_MODEL_ARCHITECTURES).sort()));

const hfConfigDir = process.env["HF_CONFIG_DIR"];
test(
    "re-read: each architecture row has the keys of the model's config.json",
    { skip: hfConfigDir === undefined ? "set HF_CONFIG_DIR to a folder of <org>/<name>/config.json to re-read the rows" : false },
    () => {
        for (const [id, row] of Object.entries(KNOWN_MODEL_ARCHITECTURES)) {
            const file = path.join(hfConfigDir!, id, "config.json");
            if (!fs.existsSync(file)) continue;
            const json = JSON.parse(fs.readFileSync(file, "utf8")) as Record<string, unknown>;
            // Multimodal and newer configs keep the text model's keys under text_config.
            const text = { ...json, ...((json["text_config"] as Record<string, unknown>) ?? {}) };
            for (const [key, value] of Object.entries(row.config))
                assert.deepEqual(text[key] ?? (key === "torch_dtype" ? text["dtype"] : undefined), value, `${id} ${key}`);
        }
    },
);

test("the default models on one L4 (vLLM v0.11.0 and v0.20.2): the largest context that fits, its KV cache, one full-length request", () => {
    for (const version of ["v1.0.0", "v1.5.0"]) {
        const [llama, phi] = plan([{ name: LLAMA }, { name: PHI }], version).models.map((m) => m.context);
        // 23,034 MiB × 0.9 − 16.06 GB of weights − the 2 GB reserve = 3.43 GiB; 90 % of it / 128 KiB per token, to 16.
        assert.deepEqual(
            llama,
            {
                length: 25248,
                source: "largestFitting",
                nativeContext: 131072,
                maxModelLenFlag: 25248,
                kvCacheGiB: 3.43,
                kvCacheTokens: 28057,
                fullLengthRequests: 1,
            },
            version,
        );
        assert.deepEqual(
            phi,
            {
                length: 82784,
                source: "largestFitting",
                nativeContext: 131072,
                maxModelLenFlag: 82784,
                kvCacheGiB: 11.23,
                kvCacheTokens: 91992,
                fullLengthRequests: 1,
            },
            version,
        );
    }
    assert.equal(CONTEXT_MARGIN, 0.9);
});

test("Llama-3.1-8B asking for 131,072 on one L4 is refused with what would serve it; where it fits the native length needs no flag", () => {
    assert.match(
        problemsOf([{ name: LLAMA, contextLength: 131072 }]),
        /models\[0\]\.contextLength: asks for a context of 131072 tokens for meta-llama\/Llama-3\.1-8B-Instruct, but one request of it needs 16\.00 GiB of KV cache per GPU and 1 × nvidia-l4 leaves about 3\.08 GiB .*The largest context that fits is 25248; or, for 131072, the cheapest fitting choice is gpu: \{type: nvidia-l4, count: 2\}/,
    );
    for (const gpu of [
        { type: "nvidia-l4", count: 2 },
        { type: "nvidia-a100-80gb", count: 1 },
    ]) {
        for (const context of [{}, { contextLength: 131072 }]) {
            const planned = plan([{ name: LLAMA, gpu, ...context }]).models[0].context;
            assert.deepEqual([planned.length, planned.maxModelLenFlag], [131072, undefined], JSON.stringify({ gpu, context }));
        }
    }
});

test("vllmArgs by the same rule: a smaller --max-model-len is honoured and not repeated; utilisation, sequences and an fp8 cache move the figures", () => {
    const with_ = (vllmArgs: string[]) => plan([{ name: LLAMA, vllmArgs }]).models[0].context;
    assert.deepEqual([with_(["--max-model-len", "8192"]).length, with_(["--max-model-len", "8192"]).maxModelLenFlag], [8192, undefined]);
    assert.equal(with_(["--max_model_len=8k"]).length, 8000);
    // More of the GPU for vLLM, more KV cache.
    assert.ok(with_(["--gpu-memory-utilization", "0.95"]).kvCacheGiB > with_([]).kvCacheGiB);
    // At most --max-num-seqs requests run at once.
    assert.equal(with_(["--max-model-len", "1024", "--max-num-seqs", "4"]).fullLengthRequests, 4);
    // An fp8 cache halves the bytes per token: about twice the context.
    assert.equal(with_(["--kv-cache-dtype", "fp8"]).length, 50496);
    assert.match(problemsOf([{ name: LLAMA, vllmArgs: ["--max-model-len", "32768"] }]), /models\[0\]\.vllmArgs\[0\]: asks for a context of 32768 tokens/);
});

test("v0.20.2 starts Phi-4-mini at its LongRoPE 4,096 without a flag: where the native length fits, the v1.5 line passes it", () => {
    const phi = (version: string) => plan([{ name: PHI, gpu: { type: "nvidia-a100-80gb" } }], version).models[0].context;
    assert.deepEqual([phi("v1.0.0").length, phi("v1.0.0").maxModelLenFlag], [131072, undefined]);
    assert.deepEqual([phi("v1.5.0").length, phi("v1.5.0").maxModelLenFlag], [131072, 131072]);
});

test("a model outside the table states its context and KV figures, or is refused naming the keys", () => {
    assert.match(
        problemsOf([{ name: "acme/Custom-7B" }]),
        /models\[0\]\.architecture: acme\/Custom-7B is not in the known-model table .* set contextLength .* architecture \{layers, kvHeads, headDim\} .* kvCacheBytesPerToken/,
    );
    // DeepSeek-R1-Distill-Qwen-7B: 28 layers, 4 KV heads, head dim 128 (its Qwen2.5 base), by either key.
    const distill = "deepseek-ai/DeepSeek-R1-Distill-Qwen-7B";
    const byArchitecture = plan([{ name: distill, contextLength: 16384, architecture: { layers: 28, kvHeads: 4, headDim: 128 } }]).models[0].context;
    const byBytes = plan([{ name: distill, contextLength: 16384, kvCacheBytesPerToken: 57344 }]).models[0].context;
    assert.deepEqual(byArchitecture, byBytes);
    assert.deepEqual([byBytes.length, byBytes.maxModelLenFlag], [16384, 16384]);
});

test("a size read from an ID carries a margin: a 7.62 B model named 7B counts 7.7 B", () => {
    assert.equal(ID_SIZE_MARGIN, 1.1);
    assert.deepEqual(modelParameters("deepseek-ai/DeepSeek-R1-Distill-Qwen-7B", undefined), { billions: 7.7, source: "id" });
    assert.ok(7.7 >= 7.62);
    assert.deepEqual(modelParameters("deepseek-ai/DeepSeek-R1-Distill-Qwen-7B", 7.62), { billions: 7.62, source: "config" });
});

test("lengths as vLLM's human_readable_int reads them", () => {
    assert.deepEqual(["8192", "25.6k", "32K", "1m", "1.5K", "auto", "-1", ""].map(humanReadableInt), [8192, 25600, 32768, 1e6, NaN, NaN, NaN, NaN]);
});

test("the proposal for a long context counts the KV heads each rank keeps and the weights each holds", () => {
    // 70B on 2 × A100 80 GB: 70.6 GB of weights leave ~4 GiB per GPU, 160 KiB per token per rank; 131,072 needs 20 GiB.
    // Four hold it (35 GB of weights each); eight L4 do not (1 KV head each, 40 KiB per token, but 1.9 GB left).
    assert.match(
        problemsOf([{ name: "meta-llama/Llama-3.1-70B-Instruct", gpu: { type: "nvidia-a100-80gb", count: 2 }, contextLength: 131072 }]),
        /needs 20\.00 GiB of KV cache per GPU and 2 × nvidia-a100-80gb leaves about 3\.95 GiB .* The largest context that fits is 25856; or, for 131072, the cheapest fitting choice is gpu: \{type: nvidia-a100-80gb, count: 4\} \(15\.71 USD\/h on demand\)/,
    );
});
