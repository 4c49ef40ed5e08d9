/**
 * The planner's small functions at their edges, each against a fact stated beside the
 * expectation: GPU cost and placement, the fitting-GPU proposal, the machine shape per GPU count
 * (Google's published shapes), Hugging Face's ID rules, and the names that must stay unique and
 * valid. Pure: no Pulumi.
 */
import assert from "node:assert/strict";
import test from "node:test";
import { costOf, nodesNeeded, proposeFittingGpus } from "../components/cluster/capacity";
import { smallestMachineType } from "../components/catalogs/gpuCatalog";
import { checkDefaultHuggingFaceIds, isHuggingFaceModelId } from "../components/catalogs/huggingFaceIds";
import { describingLine, inferenceCrdsUrl } from "../components/catalogs/releaseLines";
import { MAX_MODEL_KEY_LENGTH, deriveModelKey, metricsReaderNames, modelKeyProblem, nodeServiceAccountId, poolReleaseName } from "../components/names";
import { bucketNameProblem, dnsSubdomainProblem, hostnameProblem } from "../components/config/valueRules";
import { bootDiskProblems } from "../components/weightCache/weightCachePlan";
import { tokenShapedProblems } from "../components/config/configErrors";

test("GPU cost: nodes × GPUs per node at the catalog's L4 prices (0.56 and 0.2231 USD per GPU-hour, 730 h a month)", () => {
    assert.deepEqual(costOf("nvidia-l4", 4, 2), { nodes: 2, gpus: 8, onDemandHourly: 4.48, onDemandMonthly: 3270.4, spotHourly: 1.78, spotMonthly: 1302.9 });
});

test("placement is first-fit decreasing, and a node that is exactly full takes its pod", () => {
    assert.equal(nodesNeeded([2, 2], 4), 1);
    // On 4-GPU nodes, first fit in the given order needs 4 ([1,2] [4] [3] [2]); largest first 3 ([4] [3,1] [2,2]).
    assert.equal(nodesNeeded([1, 4, 2, 3, 2], 4), 3);
    assert.equal(nodesNeeded([], 8), 0);
});

test("the fitting-GPU proposal: the cheapest choice, the model's own type first when it fits, 90 % of each GPU's memory usable", () => {
    // 150 GB: 8 L4 hold 172.8 GB (4.48 USD/h), 8 A100-40 288 GB (23.47), 4 A100-80 288 GB (15.71), 4 H100 (39.2).
    assert.equal(proposeFittingGpus(150, "nvidia-l4"), "the cheapest fitting choice is gpu: {type: nvidia-l4, count: 8} (4.48 USD/h on demand)");
    assert.equal(
        proposeFittingGpus(150, "nvidia-tesla-a100"),
        "use gpu: {type: nvidia-tesla-a100, count: 8} (23.47 USD/h on demand), or the cheapest fitting choice gpu: {type: nvidia-l4, count: 8} (4.48 USD/h on demand)",
    );
    // 200 GB is more than 8 L4 hold, so the L4 is no choice at all.
    assert.equal(proposeFittingGpus(200, "nvidia-l4"), "the cheapest fitting choice is gpu: {type: nvidia-a100-80gb, count: 4} (15.71 USD/h on demand)");
    // Exactly what one L4 can use fits on one; a little more needs two.
    assert.match(proposeFittingGpus(24 * 0.9, "nvidia-l4"), /nvidia-l4, count: 1\}/);
    assert.match(proposeFittingGpus(24 * 0.9 + 0.01, "nvidia-l4"), /nvidia-l4, count: 2\}/);
    assert.match(proposeFittingGpus(10_000, "nvidia-l4"), /^no accelerator in the catalog holds it on one node/);
});

test("machine shapes (cloud.google.com/compute/docs/gpus): the fewest GPUs, then vCPUs, with 32 GB of host memory per GPU; H100 on demand only as a3-highgpu-8g", () => {
    // g2-standard-4 has 16 GB, too little for one GPU's model loading.
    assert.equal(smallestMachineType("nvidia-l4", 1, false)?.name, "g2-standard-8");
    assert.equal(smallestMachineType("nvidia-l4", 2, false)?.name, "g2-standard-24");
    assert.equal(smallestMachineType("nvidia-l4", 16, false), undefined);
    assert.equal(smallestMachineType("nvidia-h100-80gb", 1, false)?.name, "a3-highgpu-8g");
    assert.equal(smallestMachineType("nvidia-h100-80gb", 1, true)?.name, "a3-highgpu-1g");
});

test("Hugging Face model IDs as huggingface_hub's validate_repo_id takes them, with the organisation required", () => {
    const accepted = ["meta-llama/Llama-3.1-8B-Instruct", "a/b", `org/${"n".repeat(96)}`, "org_1/x.y-z"];
    const refused = [
        "bare",
        "a/b/c",
        "-org/name",
        "org/-name",
        "org/name-",
        "org/na--me",
        "org/na..me",
        "org/name.git",
        `org/${"n".repeat(97)}`,
        "org/",
        "/name",
    ];
    assert.deepEqual(
        accepted.filter((id) => !isHuggingFaceModelId(id)),
        [],
    );
    assert.deepEqual(
        refused.filter((id) => isHuggingFaceModelId(id)),
        [],
    );
    // Only a model that leaves huggingFaceId to default to its name needs that name to be an ID.
    const draft = (name: string, huggingFaceId?: string) => ({ config: { name, huggingFaceId }, index: 0, huggingFaceId: huggingFaceId ?? name });
    assert.deepEqual(checkDefaultHuggingFaceIds([draft("chatbot", "meta-llama/Llama-3.1-8B-Instruct")]), []);
    assert.deepEqual(checkDefaultHuggingFaceIds([draft("meta-llama/Llama-3.1-8B-Instruct")]), []);
    assert.deepEqual(
        checkDefaultHuggingFaceIds([draft("chatbot")]).map((p) => p.path),
        ["models[0].huggingFaceId"],
    );
});

const DNS_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;

test("names: model keys and release names stay DNS labels of at most 40 characters, unique per namespace and key", () => {
    // Cut at 40 characters, the cut's trailing dash goes too.
    assert.equal(deriveModelKey(`org/${"a".repeat(39)}_tail`), "a".repeat(39));
    assert.equal(deriveModelKey("org/..Phi-4--mini.."), "phi-4-mini");
    assert.equal(poolReleaseName("default", "phi"), "phi");
    // Elsewhere a hash of namespace and key, however short: `team-a` + `llama` is not `team` + `a-llama`.
    const exactly = poolReleaseName("team", "k".repeat(MAX_MODEL_KEY_LENGTH - 5));
    assert.match(exactly, /^team-k{28}-[0-9a-f]{6}$/);
    assert.notEqual(poolReleaseName("team-a", "llama"), poolReleaseName("team", "a-llama"));
    // One character over: the start, then a hash of namespace and key; the start's trailing dash dropped.
    const long = poolReleaseName("n".repeat(32), "k".repeat(10));
    assert.match(long, /^n{32}-[0-9a-f]{6}$/);
    assert.notEqual(poolReleaseName("n".repeat(32), "k".repeat(11)), long);
    for (const name of [exactly, long]) assert.ok(DNS_LABEL.test(name) && name.length <= MAX_MODEL_KEY_LENGTH, name);
});

test("names: node service accounts are 6–30 characters and differ per cluster and namespace (IAM's account ID rule)", () => {
    const cluster = { project: "p", location: "us-central1", name: "c" };
    const ids = [
        nodeServiceAccountId("gpu", cluster, "serving"),
        nodeServiceAccountId("gpu", cluster, "team-a"),
        nodeServiceAccountId("gpu", { ...cluster, name: "d" }, "serving"),
        nodeServiceAccountId("system", cluster, ""),
    ];
    assert.equal(new Set(ids).size, ids.length);
    for (const id of ids) assert.match(id, /^[a-z][-a-z0-9]{4,28}[a-z0-9]$/);
});

test("names: the metrics reader's objects are those docs/scaling-and-monitoring.md names, the cluster-scoped role per namespace", () => {
    assert.deepEqual(metricsReaderNames("serving"), {
        serviceAccount: "inference-metrics-reader",
        tokenSecret: "inference-metrics-reader-token",
        clusterRole: "serving-inference-metrics-reader",
        secretRole: "inference-metrics-reader-token-read",
    });
});

test("a chart version not read here is described by the newest line read that is not newer, compared as numbers", () => {
    const described = (version: string) => describingLine(version).version;
    assert.deepEqual(["v1.0.0", "v1.0.1", "v1.0.2", "v1.3.0", "v1.5.0", "v1.5.1", "v1.10.0", "v2.0.0", "v0.5.0", "v1.0.2-rc.1"].map(described), [
        "v1.0.0",
        "v1.0.0",
        "v1.0.2",
        "v1.0.2",
        "v1.5.0",
        "v1.5.0",
        "v1.5.0",
        "v1.5.0",
        "v1.0.0",
        "v1.0.2",
    ]);
    // The CRD asset of the line that describes it, at the release the config names
    // (github.com/kubernetes-sigs/gateway-api-inference-extension/releases/download/<tag>/manifests.yaml).
    assert.equal(inferenceCrdsUrl("v1.3.0"), "https://github.com/kubernetes-sigs/gateway-api-inference-extension/releases/download/v1.3.0/manifests.yaml");
});

test("value rules: DNS subdomains, hostnames (IDN TLDs, 63-character labels), Cloud Storage bucket names", () => {
    const ok = (problem: (v: string) => string | undefined, values: string[]) => values.forEach((v) => assert.equal(problem(v), undefined, v));
    const bad = (problem: (v: string) => string | undefined, values: string[]) => values.forEach((v) => assert.notEqual(problem(v), undefined, v));
    ok(dnsSubdomainProblem, ["a", "llm.example.com-tls", `${"a".repeat(63)}.b`, Array(4).fill("a".repeat(62)).join(".")]);
    bad(dnsSubdomainProblem, ["", "A", "a..b", "-a", "a-", `${"a".repeat(64)}.b`, Array(5).fill("a".repeat(62)).join("."), "a_b"]);
    ok(hostnameProblem, ["llm.example.com", "*.example.com", "llm.example.xn--p1ai", "a.b.co"]);
    bad(hostnameProblem, [
        "localhost",
        "llm.example.c",
        "llm.example.123",
        "*.*.example.com",
        "LLM.example.com",
        `${"a".repeat(64)}.example.com`,
        "llm.example.xn--",
    ]);
    ok(bucketNameProblem, ["abc", "my-weights", "a_b", "weights.example.com", ["a".repeat(63), "b".repeat(63), "c".repeat(63), "d".repeat(30)].join(".")]);
    bad(bucketNameProblem, [
        "ab",
        "-ab",
        "ab-",
        "a".repeat(64),
        "Weights",
        "gs://x",
        `w.${"a".repeat(64)}`,
        "a..b",
        ["a".repeat(63), "b".repeat(63), "c".repeat(63), "d".repeat(31)].join("."),
    ]);
    assert.match(bucketNameProblem("10.0.0.1") ?? "", /not an IP address/);
    for (const name of ["goog-weights", "my-google-bucket", "g00gle-x", "go0gle"]) assert.match(bucketNameProblem(name) ?? "", /goog/, name);
});

test("model keys start with a letter and are none of the program's own names; tokens in plain values are found, keys and values", () => {
    assert.equal(modelKeyProblem("llama-3"), undefined);
    assert.match(modelKeyProblem("3-llama") ?? "", /starts with a digit/);
    assert.match(modelKeyProblem("openai-models") ?? "", /a name the program gives its own objects/);
    assert.match(modelKeyProblem("body-based-router") ?? "", /a name the program gives its own objects/);
    const token = `hf_${"x1".repeat(12)}`;
    const found = tokenShapedProblems({ a: [{ b: `prefix ${token}` }], [token]: 1, c: "hf_short" });
    assert.deepEqual(
        found.map((p) => p.path),
        ["a[0].b", token],
    );
    assert.deepEqual(
        tokenShapedProblems({ a: [token, token] }).map((p) => p.path),
        ["a[0]", "a[1]"],
        "the pattern keeps no state between values",
    );
});

test("weightCache none: each pod on a node needs its copy of the weights on the boot disk, beside what the node keeps", () => {
    const model = (gpus: number, maxReplicas: number, diskSizeGb: number) => ({
        index: 2,
        huggingFaceId: "org/m",
        weightsGb: 50,
        gpus,
        maxReplicas,
        pool: { key: "nvidia-l4", gpusPerNode: 4, diskSizeGb },
    });
    // One pod: 50 × 1.2 + 40 = 100.
    assert.deepEqual(bootDiskProblems([model(1, 1, 100)]), []);
    assert.equal(bootDiskProblems([model(1, 1, 99)]).length, 1);
    // Four one-GPU pods fit a 4-GPU node: 4 × 60 + 40 = 280; two-GPU pods: 2 × 60 + 40 = 160.
    assert.deepEqual(bootDiskProblems([model(1, 8, 280)]), []);
    assert.match(bootDiskProblems([model(1, 8, 279)])[0].message, /4 pods per node, .* needs about 280 GB, more than nodePools\.nvidia-l4\.diskSizeGb \(279\)/);
    assert.deepEqual(bootDiskProblems([model(2, 8, 160)]), []);
    assert.equal(bootDiskProblems([model(2, 8, 159)])[0].path, "models[2].weightCache.type");
});
