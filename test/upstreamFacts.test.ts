/**
 * The plan against the platform facts it encodes, each test citing its source: which providers
 * accept route timeouts, cluster-scoped names the chart derives from a release name, the GKE
 * versions that install the InferencePool CRD, model sizes from Hugging Face IDs, the Istio
 * releases that serve several InferencePools on one Gateway, and what a GKE node can allocate to
 * the Endpoint Pickers; where a chart holds the fact, Helm renders it at the line's tag. No Pulumi
 * runtime.
 */
import assert from "node:assert/strict";
import test from "node:test";
import {
    CHANNEL_DEFAULT_VERSIONS,
    ConfigError,
    DEFAULT_ISTIO_VERSION,
    GATEWAY_PROVIDERS,
    GKE_INSTALLS_INFERENCE_CRDS_FROM,
    RELEASE_LINES,
    ReleaseChannel,
    ServingConfig,
    allocatable,
    cpuQuantity,
    memoryQuantityGiB,
    parseOrThrow,
    reservedCpu,
    reservedMemoryGiB,
    servingConfigSchema,
    systemMachineType,
    systemPods,
    defaultInstallInferenceCrds,
    endpointPickerName,
    gkeVersionAtLeast,
    httpRoute,
    parametersFromId,
    planServing,
    poolReleaseName,
} from "../components";
import { chartObjects } from "../tools/consistency/chartObjects";
import { CHARTS_MISSING, poolRelease, poolValues } from "./helpers/consistencyCheck";
import { NETWORK_POLICY } from "./helpers/plannedModels";

const cluster = { project: "my-gcp-project", location: "us-central1-a", name: "inference-cluster" };
const plan = (config: Partial<ServingConfig>) =>
    planServing({ cluster, networkPolicy: NETWORK_POLICY, models: [{ name: "meta-llama/Llama-3.1-8B-Instruct" }], ...config });
const problemsOf = (config: Partial<ServingConfig>): string[] => {
    try {
        plan(config);
    } catch (error) {
        assert.ok(error instanceof ConfigError, String(error));
        return error.problems.map((p) => `${p.path}: ${p.message}`);
    }
    return [];
};

test("route timeouts: none on GKE, whose controller rejects them, where the chart's GCPBackendPolicy holds the 300 s; 300 s elsewhere", async (t) => {
    // GKE "GatewayClass capabilities" and kserve/kserve#5311: a route with spec.rules[].timeouts
    // is Accepted=False, reason UnsupportedValue; upstream's GKE route at v1.0.0
    // (config/manifests/gateway/gke/httproute.yaml) sets none.
    assert.equal(GATEWAY_PROVIDERS.gke.routeRequestTimeout, undefined);
    // Helm renders the chart of each line's tag on GKE: its GCPBackendPolicy holds the timeout.
    await t.test("the chart's GCPBackendPolicy, rendered by Helm", { skip: CHARTS_MISSING }, () => {
        for (const line of Object.values(RELEASE_LINES)) {
            const policy = chartObjects(poolRelease(poolValues("gke"), line.version))?.find((o) => o.kind === "GCPBackendPolicy");
            assert.equal(policy?.spec.default.timeoutSec, line.inferencePool.providers["gke"].backendTimeoutSeconds, line.version);
        }
    });
    // Upstream's Istio route at v1.0.0 (config/manifests/gateway/istio/httproute.yaml): `request: 300s`.
    assert.equal(GATEWAY_PROVIDERS.istio.routeRequestTimeout, "300s");
    assert.equal(GATEWAY_PROVIDERS.other.routeRequestTimeout, "300s");
    const route = (provider: "gke" | "istio") =>
        httpRoute({
            routeName: "r",
            namespace: "ns",
            gatewayName: "gw",
            modelName: "m",
            poolName: "p",
            requestTimeout: GATEWAY_PROVIDERS[provider].routeRequestTimeout,
        });
    assert.ok(route("gke").spec.rules.every((rule) => !("timeouts" in rule)));
    assert.ok(route("istio").spec.rules.every((rule) => rule.timeouts?.request === "300s"));
});

test("release names are unique per cluster: the chart names a ClusterRole and ClusterRoleBinding `<release>-epp`", () => {
    // config/charts/inferencepool/templates/rbac.yaml at v1.0.0: both cluster-scoped objects are
    // named `gateway-api-inference-extension.name`, i.e. `<release | trunc 40>-epp` (_helpers.tpl).
    const key = "llama-3-1-8b-instruct";
    assert.equal(poolReleaseName("default", key), key, "namespace default keeps its pools");
    const names = ["default", "team-a", "team-b", "a-very-long-namespace-name-for-serving-models"].map((ns) => poolReleaseName(ns, key));
    assert.equal(new Set(names.map(endpointPickerName)).size, names.length, names.join());
    assert.equal(names[1], "team-a-llama-3-1-8b-instruct-200175");
    for (const line of Object.values(RELEASE_LINES)) {
        // The chart cuts the release at this length in the EPP's name: ours are never cut.
        for (const name of names) assert.ok(name.length <= line.inferencePool.endpointPickerNameLimit, name);
    }
    assert.match(names[3], /^a-very-long-namespace-name-for-se-[0-9a-f]{6}$/);
    // In the plan, everything that refers to the pool or its EPP follows the release name.
    const model = plan({ namespace: "team-a" }).models[0];
    assert.deepEqual([model.names.pool, model.names.endpointPicker], ["team-a-llama-3-1-8b-instruct-200175", "team-a-llama-3-1-8b-instruct-200175-epp"]);
    assert.deepEqual([model.names.deployment, model.names.route], ["vllm-llama-3-1-8b-instruct", key]);
});

test("CRDs: a cluster this stack creates runs a GKE version that installs them itself; an existing one gets the release's", () => {
    // GKE 1.34.0-gke.1626000 and later install the GA InferencePool CRD themselves (llm-d's
    // install-crds page, after GKE's deploy-gke-inference-gateway page).
    assert.equal(GKE_INSTALLS_INFERENCE_CRDS_FROM, "1.34.0-gke.1626000");
    assert.ok(gkeVersionAtLeast("1.34.0-gke.1626000", GKE_INSTALLS_INFERENCE_CRDS_FROM));
    assert.ok(gkeVersionAtLeast("1.34.1-gke.1", GKE_INSTALLS_INFERENCE_CRDS_FROM));
    assert.ok(!gkeVersionAtLeast("1.34.0-gke.1625999", GKE_INSTALLS_INFERENCE_CRDS_FROM));
    assert.ok(!gkeVersionAtLeast("1.33.9-gke.9999999", GKE_INSTALLS_INFERENCE_CRDS_FROM));
    assert.throws(() => gkeVersionAtLeast("1.35", GKE_INSTALLS_INFERENCE_CRDS_FROM), /not a GKE version: 1\.35/);
    for (const channel of Object.values(ReleaseChannel)) {
        assert.ok(CHANNEL_DEFAULT_VERSIONS[channel], channel);
        const create = plan({ cluster: { ...cluster, create: { releaseChannel: channel } } });
        assert.equal(create.inferenceCrds, undefined, channel);
    }
    assert.equal(defaultInstallInferenceCrds(undefined), true);
    assert.equal(plan({}).inferenceCrds !== undefined, true, "an existing cluster's version is not known");
    assert.equal(plan({ installInferenceCrds: false }).inferenceCrds, undefined);
    assert.equal(plan({ cluster: { ...cluster, create: {} }, installInferenceCrds: true }).inferenceCrds !== undefined, true, "config decides when it says");
});

test("parameters from the Hugging Face ID: sizes it names, experts counted conservatively, nothing when it names none", () => {
    const cases: [string, number | undefined][] = [
        ["Qwen/Qwen2.5-1.5B-Instruct", 1.5],
        ["Qwen/Qwen2.5-0.5b-instruct", 0.5],
        ["acme/llama-70B", 70],
        ["HuggingFaceTB/SmolLM2-135M-Instruct", 0.135],
        // 8 experts × 7B counts shared layers 8 times: above Mixtral-8x7B's real 46.7B, so safe.
        ["acme/Mixtral-8x7B-custom", 56],
        // The total, not the active "A3B".
        ["acme/Qwen3-30B-A3B-custom", 30],
        // An expert count: the size beside it is the active one.
        ["acme/Llama-4-Scout-17B-16E-custom", undefined],
        // "E4B" is an effective size; "Phi-4" and "v0.3" are versions.
        ["google/gemma-3n-E4B-it", undefined],
        ["microsoft/Phi-4-mini-instruct", undefined],
        ["acme/Custom-Chat-v0.3", undefined],
        // A context length beside the size.
        ["acme/Qwen2.5-7B-Instruct-1M", 7],
    ];
    for (const [id, expected] of cases) assert.equal(parametersFromId(id), expected, id);
    // An ID's size carries a 10 % margin: DeepSeek-R1-Distill-Qwen-7B's "7B" counts 7.7, above its real 7.62 B.
    // Outside the architecture table it states its context and KV size (28 layers × 4 KV heads × 128 × 2 × 2 bytes).
    const distill = { name: "deepseek-ai/DeepSeek-R1-Distill-Qwen-7B", contextLength: 8192, kvCacheBytesPerToken: 57344 };
    const planned = plan({ models: [{ name: "meta-llama/Llama-3.1-8B-Instruct" }, { name: "Qwen/Qwen2.5-3B-Instruct" }, distill] });
    assert.deepEqual(
        planned.models.map((m) => [m.parameters.billions, m.parameters.source]),
        [
            [8.03, "table"],
            [3.3, "id"],
            [7.7, "id"],
        ],
    );
    assert.ok(7.7 >= 7.62);
    assert.deepEqual(plan({ models: [{ ...distill, parameters: 7.62 }] }).models[0].parameters, { billions: 7.62, source: "config" });
    assert.deepEqual(problemsOf({ models: [{ name: "acme/Custom-Chat", contextLength: 4096, kvCacheBytesPerToken: 1024 }] }), [
        "models[0].parameters: is required: acme/Custom-Chat names no size (such as 7B or 1.5B) and is not in the known-model table " +
            "(components/catalogs/knownModels.ts); give its parameter count in billions (the total, for a mixture of experts)",
    ]);
});

test("Istio: below 1.28.5 is refused with the reason (istio/istio#58392, fixed in 1.28.5 and 1.29.0); the default is newer", () => {
    const istio = (version: string) => problemsOf({ provider: { name: "istio" }, istio: { install: true, version } });
    for (const version of ["1.27.3", "1.28.0", "1.28.4"]) {
        const [problem, ...more] = istio(version);
        assert.equal(more.length, 0);
        assert.match(
            problem,
            new RegExp(
                `^istio\\.version: got "${version.replace(/\./g, "\\.")}"; must be 1\\.28\\.5 or later: .*only the first of several HTTPRoutes.*istio/istio#58392`,
            ),
        );
    }
    for (const version of ["1.28.5", "1.29.0", "1.30.5", "2.0.0"]) assert.deepEqual(istio(version), [], version);
    const [major, minor, patch] = DEFAULT_ISTIO_VERSION.split(".").map(Number);
    assert.ok(major > 1 || minor > 28 || (minor === 28 && patch >= 5), DEFAULT_ISTIO_VERSION);
    assert.equal(plan({ provider: { name: "istio" }, istio: { install: true } }).istio?.version, DEFAULT_ISTIO_VERSION);
});

test("system pool: GKE's reservations give an e2-standard-4 node 3.92 vCPU, which cannot hold a v1.5.0 Endpoint Picker", () => {
    // GKE "Plan GKE Standard node sizes": its example node (e2-standard-4) allocates `cpu: 3920m`.
    assert.equal(Math.round(allocatable(systemMachineType("e2-standard-4")!).cpu * 1000), 3920);
    // 25% of the first 4 GiB, 20% of the next 4, 10% of the next 8, plus 100 MiB for eviction.
    assert.equal(reservedMemoryGiB(16).toFixed(4), (1 + 0.8 + 0.8 + 100 / 1024).toFixed(4));
    assert.equal(reservedCpu(8).toFixed(4), (0.06 + 0.01 + 0.01 + 4 * 0.0025).toFixed(4));
    const created = (version: string, location = "us-central1-a", extra: Partial<ServingConfig> = {}) =>
        plan({
            cluster: { ...cluster, location, create: {} },
            charts: { inferencePool: { version }, bodyBasedRouting: { version } },
            models: [{ name: "meta-llama/Llama-3.1-8B-Instruct" }, { name: "Qwen/Qwen2.5-3B-Instruct" }],
            ...extra,
        });
    // The v1.0 line's EPPs request nothing: the pool stays one e2-standard-4 node, as before.
    assert.deepEqual(pick(created("v1.0.0").createCluster!), { systemMachineType: "e2-standard-4", systemNodeCount: 1 });
    assert.equal(created("v1.0.2").endpointPickerCost, undefined);
    // v1.5.0: 4 vCPU and 8 GiB per EPP (values.yaml); one per e2-standard-8 node beside GKE's pods.
    const v150 = created("v1.5.0");
    assert.deepEqual(pick(v150.createCluster!), { systemMachineType: "e2-standard-8", systemNodeCount: 2 });
    const regional = created("v1.5.0", "us-central1", { nodePools: { "nvidia-l4": { zones: ["us-central1-a"] } } });
    assert.deepEqual(pick(regional.createCluster!), { systemMachineType: "e2-standard-8", systemNodeCount: 1 }, "three zones");
    // Priced at E2's per-vCPU and per-GB rates: 2 × (4 × 0.021811 + 8 × 0.002923) USD/h.
    assert.deepEqual(v150.endpointPickerCost, {
        endpointPickers: 2,
        cpu: 8,
        memoryGiB: 16,
        pricedAs: "e2-standard-8",
        onDemandHourly: 0.22,
        onDemandMonthly: 161.52,
    });
    // Smaller requests from config, and EPP replicas, are what is sized.
    const small = {
        charts: {
            bodyBasedRouting: { version: "v1.5.0" },
            inferencePool: { version: "v1.5.0", values: { inferenceExtension: { replicas: 2, resources: { requests: { cpu: "500m", memory: "1Gi" } } } } },
        },
    };
    const sized = created("v1.5.0", "us-central1-a", small);
    assert.deepEqual(pick(sized.createCluster!), { systemMachineType: "e2-standard-4", systemNodeCount: 1 });
    assert.deepEqual([sized.endpointPickerCost?.endpointPickers, sized.endpointPickerCost?.cpu, sized.endpointPickerCost?.memoryGiB], [4, 2, 4]);
    // istiod and Istio's proxy count too: 0.5 + 0.1 vCPU more need no second node here.
    const istio = created("v1.0.0", "us-central1-a", { provider: { name: "istio" }, istio: { install: true } });
    assert.deepEqual(pick(istio.createCluster!), { systemMachineType: "e2-standard-4", systemNodeCount: 1 });
    assert.deepEqual(
        systemPods(parseOrThrow(servingConfigSchema, { cluster, models: [{ name: "m/x-1B" }], provider: { name: "istio" }, istio: { install: true } }), []).map(
            (p) => p.name,
        ),
        ["the model list", "the model list", "istiod", "Istio's gateway proxy", "GKE's cluster-wide pods"],
    );
    assert.deepEqual(
        [cpuQuantity("4"), cpuQuantity("250m"), memoryQuantityGiB("8Gi"), memoryQuantityGiB("512Mi"), cpuQuantity("x")],
        [4, 0.25, 8, 0.5, undefined],
    );
});

function pick(args: { systemMachineType: string; systemNodeCount: number }) {
    return { systemMachineType: args.systemMachineType, systemNodeCount: args.systemNodeCount };
}
