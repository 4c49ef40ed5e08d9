/**
 * Day-two updates, proved on rendered pairs: the gke stack file and a variant of it run through
 * the whole program under mocks, then compared by URN and input field. Each case states exactly
 * which resources appear, disappear or change, and which fields change.
 */
import assert from "node:assert/strict";
import test, { before } from "node:test";
import { ResourceDiff, diffMarkdown, diffResources } from "../tools/diffResources";
import { ProgramRun, runProgram } from "../tools/mockRuntime";
import { RenderedResource, renderResource } from "../tools/renderFiles";
import { StackConfig, stackVariant } from "./helpers/stackConfigs";

const P = "multi-model-inference:";

let runs = 0;
/** The gke stack with an autoscaling pool, so replica changes leave the pool alone, and Phi's
 * weight cache on a volume several replicas can share; then `change`. */
async function run(change: (config: StackConfig) => void): Promise<ProgramRun> {
    const file = stackVariant("gke", `update-${runs++}`, (config) => {
        config[`${P}nodePools`]["nvidia-l4"].autoscaling = { minNodes: 2, maxNodes: 6 };
        config[`${P}models`][1].weightCache = { accessMode: "ReadWriteMany" };
        change(config);
    });
    return runProgram("gke", file);
}

async function render(change: (config: StackConfig) => void): Promise<RenderedResource[]> {
    return (await run(change)).resources.map(renderResource);
}

let base: RenderedResource[];
before(async () => {
    base = await render(() => undefined);
});

async function diffWith(change: (config: StackConfig) => void): Promise<ResourceDiff> {
    return diffResources(base, await render(change));
}

const names = (resources: { name: string }[]) => resources.map((r) => r.name).sort();
const changedFields = (diff: ResourceDiff) => Object.fromEntries(diff.changed.map((c) => [c.resource.name, c.fields.map((f) => f.path)]));

test("reordering models changes nothing", async () => {
    const diff = await diffWith((c) => c[`${P}models`].reverse());
    assert.deepEqual([diff.added, diff.removed, diff.changed], [[], [], []]);
});

test("adding a model adds only that model's resources; one whose ID names its size needs no parameters", async () => {
    // Its parameter count is not in the known-model table (its architecture is): its size comes from the ID's "3B".
    const model = "Qwen/Qwen2.5-3B-Instruct";
    const after = await run((c) => c[`${P}models`].push({ name: model }));
    const diff = diffResources(base, after.resources.map(renderResource));
    // No EPP PodMonitoring: on GKE the chart's own ClusterPodMonitoring scrapes the EPP.
    assert.deepEqual(names(diff.added), [
        "inference-metrics-vllm-qwen2-5-3b-instruct",
        "inference-qwen2-5-3b-instruct",
        "inference-qwen2-5-3b-instruct",
        "inference-qwen2-5-3b-instruct",
        "inference-qwen2-5-3b-instruct",
        "inference-qwen2-5-3b-instruct-chart",
        "inference-qwen2-5-3b-instruct-deployment",
        "inference-qwen2-5-3b-instruct-hf-cache",
        "inference-qwen2-5-3b-instruct-httproute",
        "inference-qwen2-5-3b-instruct-network-policy",
    ]);
    assert.deepEqual(diff.removed, []);
    // The dashboard gains the model's charts, and the model list its name: in place, no restart.
    assert.deepEqual(changedFields(diff), { "inference-dashboard-dashboard": ["dashboardJson"], "inference-models-configmap": ['data["models.json"]'] });
    const served = (after.outputs["models"] as { huggingFaceId: string; parameters: number; parametersSource: string }[]).find(
        (m) => m.huggingFaceId === model,
    );
    // The ID's 3B with the 10 % margin an ID-derived size carries (its real count is 3.09 B).
    assert.deepEqual([served?.parameters, served?.parametersSource], [3.3, "id"]);
});

test("removing a model removes only that model's resources", async () => {
    const diff = await diffWith((c) => c[`${P}models`].shift());
    assert.ok(diff.removed.length > 0);
    assert.ok(
        diff.removed.every((r) => r.name.includes("llama-3-1-8b-instruct")),
        names(diff.removed).join(),
    );
    assert.deepEqual(diff.added, []);
    assert.deepEqual(changedFields(diff), { "inference-dashboard-dashboard": ["dashboardJson"], "inference-models-configmap": ['data["models.json"]'] });
});

test("more replicas of one model update its Deployment in place and add its PodDisruptionBudget", async () => {
    const diff = await diffWith((c) => (c[`${P}models`][1].replicas = 2));
    assert.deepEqual(changedFields(diff), { "inference-phi-4-mini-instruct-deployment": ["spec.replicas"] });
    assert.deepEqual(names(diff.added), ["inference-phi-4-mini-instruct-pdb"]);
    assert.deepEqual(diff.removed, []);
});

test("new vLLM args for one model update only its Deployment's container args", async () => {
    // The config's --max-model-len replaces the plan's own (two arguments become one, no duplicate;
    // the line's two after it move up).
    const diff = await diffWith((c) => (c[`${P}models`][0].vllmArgs = ["--max-model-len=8192"]));
    assert.deepEqual(changedFields(diff), {
        "inference-llama-3-1-8b-instruct-deployment": [12, 13, 14, 15].map((i) => `spec.template.spec.containers[0].args[${i}]`),
    });
    assert.deepEqual([diff.added, diff.removed], [[], []]);
});

test("a chart version change leaves the node pool, its account and the model servers untouched", async () => {
    const diff = await diffWith((c) => (c[`${P}charts`].bodyBasedRouting = { version: "v1.0.1", rawValues: {} }));
    assert.deepEqual(changedFields(diff), { "inference-bbr-chart": ["version"] });
    assert.deepEqual([diff.added, diff.removed], [[], []]);
});

test("a field that replaces the node pool gives it a new name: the new pool is created beside the old one", async () => {
    const diff = await diffWith((c) => (c[`${P}nodePools`]["nvidia-l4"].driverVersion = "DEFAULT"));
    assert.deepEqual(changedFields(diff), {
        "inference-gpu-nvidia-l4-pool": ["name", "nodeConfig.guestAccelerators[0].gpuDriverInstallationConfig.gpuDriverVersion"],
    });
    const [pool] = diff.changed;
    assert.equal(pool.replaced, true);
    assert.match(String(pool.fields[0].before), /^gpu-nvidia-l4-[0-9a-f]{6}$/);
    assert.match(String(pool.fields[0].after), /^gpu-nvidia-l4-[0-9a-f]{6}$/);
    assert.notEqual(pool.fields[0].before, pool.fields[0].after);
});

test("a field GKE changes in place keeps the node pool's name", async () => {
    const diff = await diffWith((c) => (c[`${P}nodePools`]["nvidia-l4"].machineType = "g2-standard-16"));
    assert.deepEqual(changedFields(diff), { "inference-gpu-nvidia-l4-pool": ["nodeConfig.machineType"] });
    assert.equal(diff.changed[0].replaced, false);
});

test("protect reaches the node pool and nothing else", async () => {
    const diff = await diffWith((c) => (c[`${P}nodePools`]["nvidia-l4"].protect = true));
    assert.deepEqual(changedFields(diff), { "inference-gpu-nvidia-l4-pool": ["options.protect"] });
});

test("plan-diff's Markdown: field paths and names are escaped as values are, and token-shaped text is redacted", () => {
    const resource = (data: Record<string, string>, name = "cm"): RenderedResource =>
        ({
            urn: "urn:pulumi:gke::multi-model-inference::kubernetes:core/v1:ConfigMap::cm",
            type: "kubernetes:core/v1:ConfigMap",
            name,
            parent: null,
            custom: true,
            provider: null,
            inputs: { data },
            options: { protect: false, dependsOn: [], customTimeouts: {} },
        }) as unknown as RenderedResource;
    const token = "hf_" + "a1".repeat(15);
    const key = "a|b`c";
    const markdown = diffMarkdown("t", diffResources([resource({ [key]: "1" })], [resource({ [key]: `2 ${token}` }, "c*m")]));
    const row = markdown.split("\n").find((line) => line.startsWith("  | `data"));
    assert.ok(row, markdown);
    // Four cells: the path's | is escaped and its backtick cannot close the code span.
    assert.equal(row.split(/(?<!\\)\|/).length, 5, row);
    assert.ok(row.startsWith(`  | \`data["a\\|b'c"]\` |`), row);
    assert.ok(!markdown.includes(token) && markdown.includes("hf_[redacted]"), markdown);
    assert.ok(markdown.includes("**c\\*m**"), markdown);
});
