/**
 * Metrics collection, autoscaling and the dashboard: the pure builders against their schemas
 * (PodMonitoring against ours, written from the Managed Prometheus CRD; the HPA against the
 * published autoscaling/v2 schema), the dashboard against the metrics the vLLM of every release
 * line registers (the lists read at its tags, facts/), the capacity check at
 * maxReplicas, and,
 * through the whole program under mocks, that turning autoscaling on for one model adds exactly
 * its HPA.
 */
import assert from "node:assert/strict";
import test from "node:test";
import {
    ConfigError,
    METRICS_ADAPTER_MANIFEST_URL,
    RELEASE_LINES,
    ServingConfig,
    VLLM_RELEASES,
    metricsReaderManifests,
    planServing,
    monitorManifest,
    servingDashboardJson,
    toQuantity,
    vllmDeployment,
    vllmPodAutoscaler,
} from "../components";
import { chartObjects } from "../tools/consistency/chartObjects";
import { metricNamesIn } from "../tools/consistency/metrics";
import { GKE_GPU_CONTAINER_METRICS, metricListOf, seriesOf } from "../tools/consistency/upstreamFacts";
import { MOCK_PROJECT_NUMBER, ProgramRun, RecordedResource, runProgram } from "../tools/mockRuntime";
import { CHARTS_MISSING, poolRelease, poolValues } from "./helpers/consistencyCheck";
import { validateKubernetesObject } from "./helpers/kubernetesSchemas";
import { NETWORK_POLICY } from "./helpers/plannedModels";
import { StackConfig, configKey, stackVariant } from "./helpers/stackConfigs";

const cluster = { project: "my-gcp-project", location: "us-central1-a", name: "inference-cluster" };
const LLAMA = "meta-llama/Llama-3.1-8B-Instruct";
const PHI = "microsoft/Phi-4-mini-instruct";
/** Autoscaled models share a weight cache between pods. */
const SHARED_CACHE = { accessMode: "ReadWriteMany" } as const;
const plan = (config: Partial<ServingConfig>) => planServing({ cluster, networkPolicy: NETWORK_POLICY, models: [{ name: LLAMA }], ...config });

test("PodMonitoring: the program's manifests validate; the schema refuses what the CRD refuses", () => {
    const vllm = monitorManifest(
        "managed-prometheus",
        { name: "vllm-x", matchLabels: { app: "vllm-x" }, port: 8000, authenticated: false },
        "default",
        "15s",
    ) as any;
    const epp = monitorManifest(
        "managed-prometheus",
        { name: "x-epp", matchLabels: { inferencepool: "x-epp" }, port: 9090, authenticated: true },
        "default",
        "30s",
    ) as any;
    validateKubernetesObject(vllm);
    validateKubernetesObject(epp);
    assert.deepEqual(vllm.spec.endpoints, [{ port: 8000, path: "/metrics", scheme: "http", interval: "15s" }]);
    assert.deepEqual(epp.spec.endpoints[0], {
        port: 9090,
        path: "/metrics",
        scheme: "http",
        interval: "30s",
        authorization: { type: "Bearer", credentials: { secret: { name: "inference-metrics-reader-token", key: "token" } } },
    });
    const broken: [string, (m: any) => void, RegExp][] = [
        ["no interval", (m) => delete m.spec.endpoints[0].interval, /\/spec\/endpoints\/0: must have required property 'interval'/],
        ["no selector", (m) => delete m.spec.selector, /\/spec: must have required property 'selector'/],
        ["no endpoints", (m) => (m.spec.endpoints = []), /\/spec\/endpoints: must NOT have fewer than 1 items/],
        ["misspelt field", (m) => (m.spec.endpoints[0].intervall = "15s"), /must NOT have additional properties \{"additionalProperty":"intervall"\}/],
        ["scheme not http(s)", (m) => (m.spec.endpoints[0].scheme = "tcp"), /scheme: must be equal to one of the allowed values/],
        ["interval not a duration", (m) => (m.spec.endpoints[0].interval = "15 seconds"), /interval: must match pattern/],
        ["port 0", (m) => (m.spec.endpoints[0].port = 0), /port: must match a schema in anyOf/],
        ["namespace on a secret", (m) => (m.spec.endpoints[0].authorization.credentials.secret.namespace = "other"), /"additionalProperty":"namespace"/],
        ["two auth methods", (m) => (m.spec.endpoints[0].basicAuth = { username: "u" }), /at most one of authorization, basicAuth and oauth2/],
        ["Basic authorization", (m) => (m.spec.endpoints[0].authorization.type = "Basic"), /type: must NOT be valid/],
        ["wrong kind", (m) => (m.kind = "PodMonitor"), /no published schema registered for monitoring.googleapis.com\/v1\/PodMonitor$/],
    ];
    for (const [what, breakIt, message] of broken) {
        const manifest = structuredClone(epp) as any;
        breakIt(manifest);
        assert.throws(() => validateKubernetesObject(manifest), message, what);
    }
});

test("metrics reader objects validate against the published core and RBAC schemas; Managed Prometheus' collector is the chart's", async (t) => {
    const objects = Object.values(metricsReaderManifests("serving", "managed-prometheus"));
    for (const object of objects) validateKubernetesObject(object as Record<string, unknown>);
    const binding = metricsReaderManifests("serving", "managed-prometheus").secretRoleBinding;
    // Helm renders the chart of v1.0.2 (facts/google-cloud.json's source) on Standard and on
    // Autopilot: the collector its Secret binding names there is the one ours names, on either.
    await t.test("the collector the chart's binding names, rendered by Helm", { skip: CHARTS_MISSING }, () => {
        const chartSubjects = [false, true].flatMap((autopilot) => {
            const values = poolValues("gke");
            const rendered = chartObjects(
                poolRelease(
                    { ...values, provider: { ...values.provider, gke: { autopilot } }, inferenceExtension: { monitoring: { gke: { enabled: true } } } },
                    "v1.0.2",
                ),
            );
            return (rendered ?? []).filter((o) => o.kind === "RoleBinding" && /:collector:/.test(o.metadata.name)).flatMap((o) => o.subjects as object[]);
        });
        assert.deepEqual(binding.subjects, chartSubjects);
    });
    // The Prometheus Operator reads Secrets with its own cluster-wide rights: no Role to bind.
    assert.deepEqual(metricsReaderManifests("serving", "prometheus-operator").secretRoleBinding.subjects, []);
});

test("HPA: per-pod vLLM gauge through the adapter, damped behaviour, valid autoscaling/v2", () => {
    const queue = plan({ models: [{ name: LLAMA, autoscaling: { minReplicas: 1, maxReplicas: 2 }, weightCache: SHARED_CACHE }] }).models[0];
    const hpa = vllmPodAutoscaler(queue, "default") as any;
    validateKubernetesObject(hpa);
    assert.deepEqual(hpa.spec.scaleTargetRef, { apiVersion: "apps/v1", kind: "Deployment", name: "vllm-llama-3-1-8b-instruct" });
    assert.deepEqual([hpa.spec.minReplicas, hpa.spec.maxReplicas], [1, 2]);
    assert.deepEqual(hpa.spec.metrics, [
        {
            type: "Pods",
            pods: {
                metric: { name: "prometheus.googleapis.com|vllm:num_requests_waiting|gauge" },
                target: { type: "AverageValue", averageValue: "3" },
            },
        },
    ]);
    assert.equal(hpa.spec.behavior.scaleDown.stabilizationWindowSeconds, 600);
    assert.deepEqual(hpa.spec.behavior.scaleDown.policies, [{ type: "Pods", value: 1, periodSeconds: 300 }]);
    assert.ok(hpa.spec.behavior.scaleUp.stabilizationWindowSeconds > 0);

    const kv = plan({
        models: [
            { name: LLAMA, autoscaling: { maxReplicas: 2, metric: "kvCache", target: 0.75, scaleDownStabilizationSeconds: 900 }, weightCache: SHARED_CACHE },
        ],
    }).models[0];
    const kvHpa = vllmPodAutoscaler(kv, "default") as any;
    validateKubernetesObject(kvHpa);
    assert.equal(kvHpa.spec.metrics[0].pods.metric.name, "prometheus.googleapis.com|vllm:kv_cache_usage_perc|gauge");
    assert.equal(kvHpa.spec.metrics[0].pods.target.averageValue, "750m");
    assert.equal(kvHpa.spec.behavior.scaleDown.stabilizationWindowSeconds, 900);
    assert.deepEqual([toQuantity(0.8), toQuantity(3), toQuantity(0.125)], ["800m", "3", "125m"]);

    // The HPA owns the count of an autoscaled Deployment; a fixed model keeps its replicas and has no HPA.
    const replicasOf = (model: typeof queue) =>
        (vllmDeployment({ model, namespace: "default", image: "vllm/vllm-openai:v0.11.0" }).spec as { replicas?: number }).replicas;
    assert.equal(replicasOf(queue), undefined);
    const fixed = plan({ models: [{ name: LLAMA, replicas: 2, weightCache: SHARED_CACHE }] }).models[0];
    assert.equal(replicasOf(fixed), 2);
    assert.equal(vllmPodAutoscaler(fixed, "default"), undefined);
});

test("capacity: node pools must hold every model at its autoscaling maximum", () => {
    const autoscaled = { name: LLAMA, autoscaling: { minReplicas: 1, maxReplicas: 3 }, weightCache: SHARED_CACHE };
    // A derived fixed pool is sized for the maxima; the summary shows the starting count.
    const derived = plan({ models: [autoscaled, { name: PHI }] });
    assert.equal(derived.nodePools[0].nodeCountPerZone, 4);
    assert.equal(derived.models[0].replicas, 1);
    assert.deepEqual(derived.models[0].autoscaling, { minReplicas: 1, maxReplicas: 3, metric: "queueDepth", target: 3, scaleDownStabilizationSeconds: 600 });
    assert.throws(
        () => plan({ models: [autoscaled, { name: PHI }], nodePools: { "nvidia-l4": { autoscaling: { minNodes: 1, maxNodes: 3 } } } }),
        (error: unknown) =>
            error instanceof ConfigError &&
            error.problems.length === 1 &&
            error.problems[0].path === "nodePools.nvidia-l4.autoscaling.maxNodes" &&
            /models\[0\] up to 3 \(autoscaling\.maxReplicas\) × 1 GPU, models\[1\] 1 × 1 GPU\) need 4 node/.test(error.problems[0].message),
    );
    const fits = plan({ models: [autoscaled, { name: PHI }], nodePools: { "nvidia-l4": { autoscaling: { minNodes: 1, maxNodes: 4 } } } });
    assert.equal(fits.nodePools[0].nodesNeeded, 4);
});

/** The series the vLLM image of every release line exports, by the list read at its tag. */
function upstreamSeries(): Map<string, Set<string>> {
    const byImage = new Map<string, Set<string>>();
    for (const line of Object.values(RELEASE_LINES)) {
        const [repository, tag] = VLLM_RELEASES[line.vllmTag].image.split(":");
        const { list } = metricListOf(repository, tag);
        assert.ok(list, `no upstream metric list for ${repository}:${tag}`);
        byImage.set(
            `${repository}:${tag}`,
            new Set(list.metrics.filter((m) => m.requires === undefined && m.when === undefined).flatMap((m) => seriesOf(m, list.client))),
        );
    }
    return byImage;
}

test("dashboard: one group per model, every query names a metric the pods export, filtered to that model", () => {
    // In name order, as the groups are.
    const models = [
        { name: LLAMA, job: "vllm-llama", deployment: "vllm-llama" },
        { name: PHI, job: "vllm-phi", deployment: "vllm-phi" },
        { name: "x/llama-2", job: "vllm-llama-2", deployment: "vllm-llama-2" },
    ];
    const json = servingDashboardJson({ displayName: "d", clusterName: "c", namespace: "ns", models });
    assert.equal(
        servingDashboardJson({ displayName: "d", clusterName: "c", namespace: "ns", models: [...models].reverse() }),
        json,
        "config order does not matter",
    );
    const dashboard = JSON.parse(json);
    const tiles = dashboard.mosaicLayout.tiles as any[];
    assert.equal(dashboard.mosaicLayout.columns, 48);
    const groups = tiles.filter((t) => t.widget.collapsibleGroup !== undefined);
    assert.deepEqual(
        groups.map((g) => g.widget.title),
        models.map((m) => m.name),
    );
    // What the vLLM of every line registers, read at its tag (not the program's own list), and GKE's GPU metrics.
    const lines = upstreamSeries();
    for (const [i, group] of groups.entries()) {
        const charts = tiles.filter((t) => t.widget.xyChart !== undefined && t.yPos >= group.yPos && t.yPos < group.yPos + group.height);
        assert.deepEqual(
            charts.map((c) => c.widget.title),
            ["Request rate", "Time to first token", "Time per output token", "Waiting and running requests", "KV-cache use", "GPU utilisation", "Serving pods"],
        );
        for (const chart of charts) {
            assert.ok(chart.xPos + chart.width <= 48 && chart.yPos + chart.height <= group.yPos + group.height, chart.widget.title);
            for (const dataSet of chart.widget.xyChart.dataSets) {
                const query: string = dataSet.timeSeriesQuery.prometheusQuery;
                const names = metricNamesIn(query);
                assert.ok(names.length > 0, query);
                for (const [image, exported] of lines) {
                    for (const name of names)
                        assert.ok(
                            exported.has(name) || (GKE_GPU_CONTAINER_METRICS as readonly string[]).includes(name),
                            `${chart.widget.title}: ${name} is not exported by ${image}`,
                        );
                }
                const own = query.includes(`job="${models[i].job}"`) || query.includes(`pod_name=~"${models[i].deployment}-`);
                assert.ok(own && query.includes('"ns"') && query.includes('"c"'), query);
            }
        }
    }
    // The GPU chart's pod pattern does not reach into a model whose key extends this one's.
    const gpuQuery = tiles.find((t) => t.widget.title === "GPU utilisation").widget.xyChart.dataSets[0].timeSeriesQuery.prometheusQuery as string;
    const pattern = new RegExp(`^${gpuQuery.match(/pod_name=~"([^"]+)"/)![1]}$`);
    assert.ok(pattern.test("vllm-llama-7d9f8b6c5d-abcde"));
    assert.ok(!pattern.test("vllm-llama-2-7d9f8b6c5d-abcde"));
});

/** The gke stack file with a node pool that can grow to 4 nodes and Phi's weight cache shared
 * by its pods, changed by `edit`. */
function gkeConfig(variant: string, edit: (config: StackConfig) => void): string {
    return stackVariant("gke", variant, (config) => {
        config[configKey("nodePools")] = { "nvidia-l4": { zones: ["us-central1-a"], autoscaling: { minNodes: 2, maxNodes: 4 } } };
        config[configKey("models")][1].weightCache = SHARED_CACHE;
        edit(config);
    });
}

const byUrn = (run: ProgramRun) => new Map(run.resources.map((r) => [r.urn, r]));

test("turning autoscaling on for one model adds exactly its HPA; only its Deployment stops setting replicas", async () => {
    const before = await runProgram(
        "gke",
        gkeConfig("before", () => undefined),
    );
    const after = await runProgram(
        "gke",
        gkeConfig("after", (config) => {
            config["multi-model-inference:models"][1].autoscaling = { minReplicas: 1, maxReplicas: 2, metric: "kvCache" };
            delete config["multi-model-inference:models"][1].replicas;
        }),
    );
    const old = byUrn(before);
    const added = after.resources.filter((r) => !old.has(r.urn));
    assert.deepEqual(
        added.map((r) => `${r.type} ${r.name}`),
        ["kubernetes:autoscaling/v2:HorizontalPodAutoscaler inference-phi-4-mini-instruct-hpa"],
    );
    assert.deepEqual(
        before.resources.filter((r) => !byUrn(after).has(r.urn)),
        [],
    );
    const changed = after.resources.filter((r) => old.has(r.urn) && JSON.stringify(r.inputs) !== JSON.stringify(old.get(r.urn)!.inputs));
    assert.deepEqual(
        changed.map((r) => r.name),
        ["inference-phi-4-mini-instruct-deployment"],
    );
    const deployment = (r: RecordedResource) => r.inputs as { spec: Record<string, unknown> };
    const { replicas, ...rest } = deployment(old.get(changed[0].urn)!).spec;
    assert.equal(replicas, 1);
    assert.deepEqual(deployment(changed[0]).spec, rest);
    const hpa = added[0];
    validateKubernetesObject(hpa.inputs);
    assert.match(hpa.urn, /ModelServer\$kubernetes:autoscaling\/v2:HorizontalPodAutoscaler::/);
    assert.deepEqual((hpa.inputs as any).spec.scaleTargetRef.name, "vllm-phi-4-mini-instruct");
    const summary = (after.outputs["models"] as { autoscaling?: unknown }[])[1].autoscaling;
    assert.deepEqual(summary, { minReplicas: 1, maxReplicas: 2, metric: "kvCache", target: 0.8, scaleDownStabilizationSeconds: 600 });
});

test("monitoring.installMetricsAdapter: the pinned adapter manifest and monitoring.viewer for its service account", async () => {
    const run = await runProgram(
        "gke",
        gkeConfig("adapter", (config) => (config["multi-model-inference:monitoring"] = { installMetricsAdapter: true })),
    );
    // Resources under the MetricsAdapter component (the GPU nodes' own role bindings are elsewhere).
    const of = (type: string) => run.resources.filter((r) => r.type === type && r.urn.includes("MetricsAdapter$"));
    const [manifest] = of("kubernetes:yaml/v2:ConfigFile").filter((r) => r.name === "inference-metrics-adapter-manifest");
    assert.equal(manifest.inputs["file"], METRICS_ADAPTER_MANIFEST_URL);
    assert.match(METRICS_ADAPTER_MANIFEST_URL, /k8s-stackdriver\/[0-9a-f]{40}\/custom-metrics-stackdriver-adapter\//);
    assert.deepEqual(
        of("gcp:projects/iAMMember:IAMMember").map((r) => r.inputs),
        [
            {
                project: "my-gcp-project",
                role: "roles/monitoring.viewer",
                member:
                    `principal://iam.googleapis.com/projects/${MOCK_PROJECT_NUMBER}/locations/global/workloadIdentityPools/` +
                    "my-gcp-project.svc.id.goog/subject/ns/custom-metrics/sa/custom-metrics-stackdriver-adapter",
            },
        ],
    );
});
