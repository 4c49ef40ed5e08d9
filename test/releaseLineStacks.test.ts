/**
 * Every supported release line, for both providers, through the whole program under mocks (one
 * run each): the request path holds (model or adapter name → BBR's headers → route → pool → pods
 * serving that name), nothing is made twice (the chart's DestinationRule, EPP monitor and reader
 * beside the program's), and on v1.5.0 two adapters on Llama give one route matching the base
 * model's header, BBR's ConfigMap listing both, and no syncer. The vLLM arguments, environment
 * and dashboard metrics are checked against what the pinned vLLM tag has (components/plan/vllm/).
 */
import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import test from "node:test";
import { parse as parseYaml } from "yaml";
import { AUTOSCALING_SIGNALS, GATEWAY_PROVIDERS, RELEASE_LINES, VLLM_RELEASES, adapterMetricName, planServing, poolChartProvider, vllmPodAutoscaler } from "../components";
import { VLLM_OPTIONS } from "../components/plan/vllmFlags";
import { ProgramRun, RecordedResource, isSecretValue, runProgram } from "../tools/mockRuntime";
import { REPO_ROOT } from "../tools/repoRoot";
import { isKubernetesObject } from "../tools/renderFiles";
import { validateKubernetesObject } from "./helpers/kubernetesSchemas";
import { NETWORK_POLICY } from "./helpers/plannedModels";
import { assertModelList, bodyBasedRouting, poolsReached, reach, servedBy } from "./helpers/requestPath";
import { configKey, stackVariant } from "./helpers/stackConfigs";

const LLAMA = "meta-llama/Llama-3.1-8B-Instruct";
const PHI = "microsoft/Phi-4-mini-instruct";
const LLAMA_ADAPTERS = [
    { name: "food-review", source: "Kawon/llama3.1-food-finetune_v14_r8" },
    { name: "support-tickets", source: "example-org/llama-3.1-support-lora" },
];
const RETIRED = { name: "food-review-v0", source: "example-org/food-review-v0", retired: true };

interface VllmFacts {
    tag: string;
    commit: string;
    env: { names: string[] };
    metrics: { visible: string[] };
}
const vllmFacts = (tag: string) => JSON.parse(fs.readFileSync(path.join(REPO_ROOT, "components", "plan", "vllm", VLLM_RELEASES[tag].factsFile), "utf8")) as VllmFacts;

const runs = new Map<string, Promise<ProgramRun>>();
/** One mocked run per line and provider, shared by the tests below. */
function runFor(version: string, provider: "gke" | "istio"): Promise<ProgramRun> {
    const key = `${provider}-${version}`;
    if (!runs.has(key)) {
        const file = stackVariant(provider, `line-${key}`, (config) => {
            config[configKey("charts")] = { inferencePool: { version }, bodyBasedRouting: { version } };
            const [llama, phi] = config[configKey("models")] as Record<string, unknown>[];
            config[configKey("models")] = [{ ...llama, adapters: [...LLAMA_ADAPTERS, RETIRED] }, phi];
        });
        runs.set(key, runProgram(provider, file));
    }
    return runs.get(key)!;
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any
const objects = (resources: RecordedResource[], type: string): any[] => resources.filter((r) => r.type === type).map((r) => r.inputs);

for (const line of Object.values(RELEASE_LINES)) {
    for (const provider of ["gke", "istio"] as const) {
        test(`${line.version} on ${provider}: every model and adapter name reaches the pods that serve it, and nothing else does`, async () => {
            const { resources } = await runFor(line.version, provider);
            for (const [model, names] of [[LLAMA, [LLAMA, ...LLAMA_ADAPTERS.map((a) => a.name)]], [PHI, [PHI]]] as const) {
                for (const name of names) {
                    const pools = poolsReached(resources, "/v1/chat/completions", { model: name, messages: [] });
                    assert.equal(pools.length, 1, `${name} reaches ${pools.length} pools`);
                    assert.ok(servedBy(resources, pools[0]).includes(name), `the pods of ${pools[0]} serve ${name}`);
                    assert.equal(servedBy(resources, pools[0])[0], model, `${name} reaches ${model}'s pool`);
                }
            }
            assert.deepEqual(servedBy(resources, poolsReached(resources, "/v1/completions", { model: LLAMA, prompt: "Hi" })[0]).sort(), [LLAMA, ...LLAMA_ADAPTERS.map((a) => a.name)].sort());
            for (const unknown of [RETIRED.name, "gpt-4o"]) {
                assert.deepEqual(reach(resources, "POST", "/v1/completions", { model: unknown, prompt: "Hi" }), [], `${unknown} matches no route`);
            }
            assert.deepEqual(reach(resources, "POST", "/v1/completions", { prompt: "Hi" }), [], "a request without model matches no route");
            assertModelList(resources, [LLAMA, ...LLAMA_ADAPTERS.map((a) => a.name), PHI]);
        });

        test(`${line.version} on ${provider}: no object is made twice, the chart's or the program's`, async () => {
            const { resources } = await runFor(line.version, provider);
            const objectsOfLine = line.inferencePool.providers[poolChartProvider(line.inferencePool, GATEWAY_PROVIDERS[provider])];
            const pools = objects(resources, "kubernetes:helm.sh/v4:Chart").filter((c) => String(c.chart).endsWith("/inferencepool"));
            assert.equal(pools.length, 2);
            // Istio needs one DestinationRule per EPP: the chart's where it renders one, else ours.
            const ours = objects(resources, "kubernetes:networking.istio.io/v1beta1:DestinationRule");
            const chartRendersOne = objectsOfLine.endpointPickerDestinationRule === true;
            if (provider === "istio") {
                assert.equal(ours.length, chartRendersOne ? 0 : 2);
                for (const pool of pools) assert.equal(pool.values.provider.name, chartRendersOne ? "istio" : "none");
            } else {
                assert.equal(ours.length, 0);
            }
            // One monitor per EPP: the chart's, or a PodMonitoring of ours.
            const eppMonitors = objects(resources, "kubernetes:monitoring.googleapis.com/v1:PodMonitoring").filter((m) => "inferencepool" in m.spec.selector.matchLabels);
            assert.equal(eppMonitors.length, objectsOfLine.endpointPickerMetrics.monitor === "program" ? 2 : 0);
            for (const monitor of eppMonitors) {
                assert.equal("authorization" in monitor.spec.endpoints[0], objectsOfLine.endpointPickerMetrics.authenticated === true);
            }
            // What the program makes for this line validates against the published schemas.
            for (const object of resources.filter(isKubernetesObject)) {
                const inputs = isSecretValue(object.inputs["stringData"]) ? { ...object.inputs, stringData: { token: "x" } } : object.inputs;
                assert.doesNotThrow(() => validateKubernetesObject(inputs), `${object.type} ${object.name}`);
            }
            // The metrics reader only where a monitor scrapes with its token.
            const usesReader = objectsOfLine.endpointPickerMetrics.tokenSecret !== undefined || eppMonitors.some((m) => "authorization" in m.spec.endpoints[0]);
            assert.equal(objects(resources, "kubernetes:core/v1:ServiceAccount").some((a) => a.metadata.name === "inference-metrics-reader"), usesReader);
        });

        test(`${line.version} on ${provider}: vLLM's arguments, environment and dashboard metrics exist at its pinned tag`, async () => {
            const run = await runFor(line.version, provider);
            const deployments = objects(run.resources, "kubernetes:apps/v1:Deployment").filter((d) => String(d.metadata.name).startsWith("vllm-"));
            assert.equal(deployments.length, 2);
            for (const deployment of deployments) {
                const vllm = deployment.spec.template.spec.containers[0];
                const tag = String(vllm.image).split(":")[1];
                assert.equal(tag, line.vllmTag, "the line's vLLM");
                const facts = vllmFacts(tag);
                const flags = new Set(VLLM_OPTIONS[tag].long);
                for (const arg of (vllm.args as string[]).filter((a) => a.startsWith("--"))) assert.ok(flags.has(arg.split("=")[0]), `${arg} at vLLM ${tag}`);
                // The --config file holds the API keys under `api-key` (stackConfig's apiKeys Secret).
                assert.ok(flags.has("--api-key"));
                const env = new Set([...facts.env.names, ...Object.keys(VLLM_RELEASES[tag].libraryEnv)]);
                for (const entry of vllm.env as { name: string }[]) assert.ok(env.has(entry.name), `${entry.name} at vLLM ${tag}`);
            }
            const [dashboard] = objects(run.resources, "gcp:monitoring/dashboard:Dashboard");
            const queried = new Set([...String(dashboard.dashboardJson).matchAll(/vllm:[a-z_]+/g)].map((m) => m[0].replace(/_(total|bucket|sum|count)$/, "")));
            assert.ok(queried.size >= 5);
            const visible = new Set(vllmFacts(line.vllmTag).metrics.visible);
            for (const metric of queried) assert.ok(visible.has(metric), `${metric} at vLLM ${line.vllmTag}`);
        });
    }
}

test("the autoscaler's metrics exist at every pinned vLLM tag", () => {
    for (const metric of ["queueDepth", "kvCache"] as const) {
        for (const line of Object.values(RELEASE_LINES)) {
            const model = planServing({
                cluster: { project: "my-gcp-project", location: "us-central1-a", name: "c" },
                networkPolicy: NETWORK_POLICY,
                charts: { inferencePool: { version: line.version } },
                models: [{ name: LLAMA, autoscaling: { maxReplicas: 2, metric }, weightCache: { accessMode: "ReadWriteMany" } }],
            }).models[0];
            const hpa = vllmPodAutoscaler(model, "ns") as { spec: { metrics: { pods: { metric: { name: string } } }[] } };
            const name = hpa.spec.metrics[0].pods.metric.name;
            assert.equal(name, adapterMetricName(AUTOSCALING_SIGNALS[metric]));
            assert.ok(vllmFacts(line.vllmTag).metrics.visible.includes(name.split("|")[1]), `${name} at vLLM ${line.vllmTag}`);
        }
    }
});

test("v1.5.0: two adapters on Llama give one route matching the base model, BBR's ConfigMap listing both, and no syncer", async () => {
    const { resources } = await runFor("v1.5.0", "gke");
    const routing = RELEASE_LINES["v1.5.0"].bodyBasedRouting.baseModelRouting!;
    const route = objects(resources, "kubernetes:gateway.networking.k8s.io/v1:HTTPRoute").find((r) => r.metadata.name === "llama-3-1-8b-instruct");
    assert.deepEqual(
        route.spec.rules.map((rule: { matches: unknown[] }) => rule.matches),
        [[{ path: { type: "PathPrefix", value: "/v1" }, headers: [{ type: "Exact", name: "X-Gateway-Base-Model-Name", value: LLAMA }] }]],
    );
    const mapping = objects(resources, "kubernetes:core/v1:ConfigMap").filter((c) => c.metadata.labels?.[routing.configMapLabelKey] === "true");
    const llama = mapping.find((c) => c.data.baseModel === LLAMA);
    assert.ok(llama, "a ConfigMap for Llama");
    assert.deepEqual(parseYaml(llama.data.adapters), LLAMA_ADAPTERS.map((a) => a.name), "both active adapters, not the retired one");
    assert.deepEqual(llama.metadata.namespace, "default");
    assert.deepEqual(mapping.map((c) => c.data.baseModel).sort(), [LLAMA, PHI].sort(), "every model maps its own name to itself");
    // What BBR sets for a base name, an adapter and an unknown name (base_model_to_header.go).
    assert.deepEqual(bodyBasedRouting(resources, { model: LLAMA }), { "X-Gateway-Model-Name": LLAMA, "X-Gateway-Base-Model-Name": LLAMA });
    assert.deepEqual(bodyBasedRouting(resources, { model: "support-tickets" }), { "X-Gateway-Model-Name": "support-tickets", "X-Gateway-Base-Model-Name": LLAMA });
    assert.deepEqual(bodyBasedRouting(resources, { model: "gpt-4o" }), { "X-Gateway-Model-Name": "gpt-4o", "X-Gateway-Base-Model-Name": "" });
    const pods = objects(resources, "kubernetes:apps/v1:Deployment").map((d) => d.spec.template.spec);
    for (const pod of pods) {
        for (const container of [...pod.containers, ...(pod.initContainers ?? [])]) assert.doesNotMatch(String(container.image), /lora-syncer/);
    }
    const llamaPod = objects(resources, "kubernetes:apps/v1:Deployment").find((d) => d.metadata.name === "vllm-llama-3-1-8b-instruct").spec.template.spec;
    assert.deepEqual(llamaPod.initContainers.map((c: { name: string }) => c.name), ["lora-adapter-fetcher"]);
});

test("v1.0 line: the route still matches each name, and the syncer loads the adapters", async () => {
    const { resources } = await runFor("v1.0.2", "gke");
    const route = objects(resources, "kubernetes:gateway.networking.k8s.io/v1:HTTPRoute").find((r) => r.metadata.name === "llama-3-1-8b-instruct");
    const names = route.spec.rules.flatMap((rule: { matches: { headers: { name: string; value: string }[] }[] }) => rule.matches.map((m) => `${m.headers[0].name}=${m.headers[0].value}`));
    assert.deepEqual(names, [LLAMA, ...LLAMA_ADAPTERS.map((a) => a.name)].map((n) => `X-Gateway-Model-Name=${n}`));
    assert.equal(objects(resources, "kubernetes:core/v1:ConfigMap").filter((c) => c.metadata.labels?.["inference.networking.k8s.io/bbr-managed"]).length, 0);
    const llamaPod = objects(resources, "kubernetes:apps/v1:Deployment").find((d) => d.metadata.name === "vllm-llama-3-1-8b-instruct").spec.template.spec;
    assert.match(llamaPod.initContainers[0].image, /lora-syncer:v1\.0\.2$/);
});
