/**
 * Every supported release line, for both providers, through the whole program under mocks (one
 * run each, a model with adapters and an autoscaled one): the request path holds (model or
 * adapter name → BBR's headers → route → pool → pods serving that name), nothing is made twice
 * (the chart's DestinationRule, EPP monitor and reader beside the program's), and on v1.5.0 two
 * adapters on Llama give one route matching the base model's header, BBR's ConfigMap listing
 * both, and no syncer. The consistency check and its policy pack pass on each run, the charts'
 * objects of that line included (so the dashboard and the autoscaler read only metrics of that
 * line's vLLM tag, each EPP has one working monitor, the fetcher fills the directory vLLM reads),
 * and faults of each line's own objects are reported. vLLM's arguments and environment are
 * checked against what its pinned tag has (components/catalogs/vllmFlags.ts, facts/), and
 * every option the rendered model servers own (read from their containers, not from the program's
 * table) is refused in `vllmArgs` in every spelling that vLLM reads. The program passes the EPP no
 * flags (no `inferenceExtension.flags`) and no config key reaches them, so none are owned there.
 */
import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import test from "node:test";
import { parse as parseYaml } from "yaml";
import { RELEASE_LINES, VLLM_RELEASES, planServing } from "../components";
import { VLLM_OPTIONS } from "../components/catalogs/vllmFlags";
import { checkConsistency, stackOf } from "../tools/consistency";
import { chartObjects } from "../tools/consistency/chartObjects";
import type { HelmRelease } from "../tools/consistency/objects";
import { RecordedResource, isSecretValue } from "../tools/mockRuntime";
import { REPO_ROOT } from "../tools/repoRoot";
import { isKubernetesObject } from "../tools/renderFiles";
import {
    Break,
    CHARTS_MISSING,
    findingsOf,
    policyResources,
    props,
    reported,
    runPolicy,
    stackEnvironment,
    stackResources,
    violationFor,
} from "./helpers/consistencyCheck";
import { validateKubernetesObject } from "./helpers/kubernetesSchemas";
import { ownedVllmOptions, vllmSpellings } from "./helpers/ownedFlags";
import { NETWORK_POLICY } from "./helpers/plannedModels";
import { bbrMissing } from "../tools/local/bbrDriver";
import { assertModelList, judgeRoutingByEnvoyGateway, poolsReached, reach, servedBy } from "./helpers/requestPath";
import { envoyGatewayMissing } from "../tools/local/envoyGateway";
import { LLAMA, LLAMA_ADAPTERS, PHI, PHI_ARGS, RETIRED, runFor } from "./helpers/releaseLineRuns";

/** The environment variables of a vLLM release, read at its tag (facts/). */
const vllmEnv = (tag: string) =>
    (JSON.parse(fs.readFileSync(path.join(REPO_ROOT, "facts", VLLM_RELEASES[tag].factsFile), "utf8")) as { env: { names: string[] } }).env.names;

/** A config the plan accepts, but for the vllmArgs under test. */
const PLAN_BASE = {
    cluster: { project: "my-gcp-project", location: "us-central1", name: "inference-cluster" },
    networkPolicy: NETWORK_POLICY,
    nodePools: { "nvidia-l4": { zones: ["us-central1-a"] } },
};

const objects = (resources: RecordedResource[], type: string): any[] => resources.filter((r) => r.type === type).map((r) => r.inputs);

for (const line of Object.values(RELEASE_LINES)) {
    for (const provider of ["gke", "istio"] as const) {
        test(
            `${line.version} on ${provider}: every model and adapter name reaches the pods that serve it, and nothing else does`,
            { skip: bbrMissing() },
            async () => {
                const { resources } = await runFor(line.version, provider);
                for (const [model, names] of [
                    [LLAMA, [LLAMA, ...LLAMA_ADAPTERS.map((a) => a.name)]],
                    [PHI, [PHI]],
                ] as const) {
                    for (const name of names) {
                        const pools = poolsReached(resources, "/v1/chat/completions", { model: name, messages: [] });
                        assert.equal(pools.length, 1, `${name} reaches ${pools.length} pools`);
                        assert.ok(servedBy(resources, pools[0]).includes(name), `the pods of ${pools[0]} serve ${name}`);
                        assert.equal(servedBy(resources, pools[0])[0], model, `${name} reaches ${model}'s pool`);
                    }
                }
                assert.deepEqual(
                    servedBy(resources, poolsReached(resources, "/v1/completions", { model: LLAMA, prompt: "Hi" })[0]).sort(),
                    [LLAMA, ...LLAMA_ADAPTERS.map((a) => a.name)].sort(),
                );
                // Unknown names, and none, reach only the responder's model_not_found (frontDoor.test.ts).
                for (const unknown of [RETIRED.name, "gpt-4o"]) {
                    assert.deepEqual(
                        reach(resources, "POST", "/v1/completions", { model: unknown, prompt: "Hi" }),
                        ["Service/openai-models"],
                        `${unknown} matches no model route`,
                    );
                }
                assert.deepEqual(
                    reach(resources, "POST", "/v1/completions", { prompt: "Hi" }),
                    ["Service/openai-models"],
                    "a request without model matches no model route",
                );
                assertModelList(resources, [LLAMA, ...LLAMA_ADAPTERS.map((a) => a.name), PHI]);
            },
        );

        test(
            `${line.version} on ${provider}: what the program makes validates, and each token Secret it makes is one a monitor uses`,
            { skip: CHARTS_MISSING },
            async () => {
                const run = await runFor(line.version, provider);
                // (One DestinationRule and one monitor per EPP, the chart's or ours, nothing made twice:
                // the consistency check below, with the chart's objects of this line.)
                for (const object of run.resources.filter(isKubernetesObject)) {
                    const inputs = isSecretValue(object.inputs["stringData"]) ? { ...object.inputs, stringData: { token: "x" } } : object.inputs;
                    assert.doesNotThrow(() => validateKubernetesObject(inputs), `${object.type} ${object.name}`);
                }
                // Every service-account token the program makes is one a monitor scrapes with (the chart's included).
                const { stack } = stackOf(stackResources(run));
                const used = new Set(
                    stack.objects
                        .filter((o) => /PodMonitoring$/.test(o.kind))
                        .flatMap((o) =>
                            (o["spec"].endpoints as { authorization?: { credentials?: { secret?: { name: string } } } }[]).map(
                                (e) => e.authorization?.credentials?.secret?.name,
                            ),
                        ),
                );
                const tokens = objects(run.resources, "kubernetes:core/v1:Secret")
                    .filter((s) => s.type === "kubernetes.io/service-account-token")
                    .map((s) => s.metadata.name);
                assert.deepEqual(
                    tokens.filter((name) => !used.has(name)),
                    [],
                    "token Secrets no monitor uses",
                );
            },
        );

        test(`${line.version} on ${provider}: vLLM's arguments and environment exist at its pinned tag`, async () => {
            const run = await runFor(line.version, provider);
            const deployments = objects(run.resources, "kubernetes:apps/v1:Deployment").filter((d) => String(d.metadata.name).startsWith("vllm-"));
            assert.equal(deployments.length, 2);
            for (const deployment of deployments) {
                const vllm = deployment.spec.template.spec.containers[0];
                const tag = String(vllm.image).split(":")[1];
                assert.equal(tag, line.vllmTag, "the line's vLLM");
                const flags = new Set(VLLM_OPTIONS[tag].long);
                for (const arg of (vllm.args as string[]).filter((a) => a.startsWith("--"))) assert.ok(flags.has(arg.split("=")[0]), `${arg} at vLLM ${tag}`);
                // The --config file holds the API keys under `api-key` (stackConfig's apiKeys Secret).
                assert.ok(flags.has("--api-key"));
                const env = new Set([...vllmEnv(tag), ...Object.keys(VLLM_RELEASES[tag].libraryEnv)]);
                for (const entry of vllm.env as { name: string }[]) assert.ok(env.has(entry.name), `${entry.name} at vLLM ${tag}`);
            }
        });

        test(`${line.version} on ${provider}: every vLLM option the rendered model servers own is refused in vllmArgs, in every spelling vLLM reads`, async () => {
            const run = await runFor(line.version, provider);
            const vllm = VLLM_OPTIONS[line.vllmTag];
            const containers = objects(run.resources, "kubernetes:apps/v1:Deployment")
                .filter((d) => String(d.metadata.name).startsWith("vllm-"))
                .map((d) => d.spec.template.spec.containers[0]);
            const owned = [...new Set(containers.flatMap((c) => ownedVllmOptions(c, c.args.includes(PHI_ARGS[0]) ? PHI_ARGS : [], vllm)))];
            // The EPP's flags would be owned too, but the program passes none to its charts.
            for (const chart of objects(run.resources, "kubernetes:helm.sh/v4:Chart"))
                assert.equal(chart.values.inferenceExtension?.flags, undefined, chart.chart);
            const charts = { inferencePool: { version: line.version }, bodyBasedRouting: { version: line.version } };
            for (const option of owned) {
                for (const spelling of vllmSpellings(option, vllm)) {
                    assert.throws(
                        () => planServing({ ...PLAN_BASE, charts, models: [{ name: LLAMA, vllmArgs: [spelling] }] }),
                        // The options of precision (--dtype, --quantization) pass when they agree with it; "1" never does.
                        (error: Error) => new RegExp(`models\\[0\\]\\.vllmArgs\\[0\\]: .*${option}`).test(error.message),
                        `${spelling} (${option}) at vLLM ${line.vllmTag}`,
                    );
                }
            }
        });

        test(
            `${line.version} on ${provider}: a flag the expanded chart passes its EPP or BBR itself is refused in their flags values`,
            { skip: CHARTS_MISSING },
            async () => {
                // Judged by Helm, not by the line's table of the chart's flags: each flag in the
                // rendered argv, set again through `flags`; where the argv then holds it twice the
                // chart passes it itself (pflag keeps the last, so a user's --pool-name would win),
                // where once it is a default of the chart's values the user may replace.
                const run = await runFor(line.version, provider);
                const charts = { inferencePool: "inferenceExtension", bodyBasedRouting: "bbr" } as const;
                // Up to v1.1 the EPP's flags are a list (and BBR takes none); from v1.2 a map.
                const shaped = (flag: string) => (line.inferencePool.flagsShape === "list" ? [{ name: flag, value: "7" }] : { [flag]: "7" });
                for (const [key, valuesKey] of Object.entries(charts) as [keyof typeof charts, string][]) {
                    const release = objects(run.resources, "kubernetes:helm.sh/v4:Chart").find((c) => c.chart === line[key].chart) as HelmRelease;
                    const argv = (values: HelmRelease["values"]) =>
                        ((chartObjects({ ...release, values }) ?? []).find((o) => o.kind === "Deployment")?.["spec"].template.spec.containers[0].args ??
                            []) as string[];
                    const withFlag = (flag: string) => ({ ...release.values, [valuesKey]: { ...(release.values[valuesKey] as object), flags: shaped(flag) } });
                    const passed = argv(release.values)
                        .filter((arg) => /^--[a-z]/.test(arg))
                        .map((arg) => arg.slice(2).split("=")[0]);
                    assert.ok(passed.length > 0, `${key}: no flags rendered`);
                    for (const flag of passed) {
                        const twice = argv(withFlag(flag)).filter((arg) => arg === `--${flag}` || arg.startsWith(`--${flag}=`)).length > 1;
                        const accepted = line[key].valuesSchema.safeParse({ [valuesKey]: { flags: shaped(flag) } }).success;
                        assert.ok(!(twice && accepted), `${key}: --${flag}, which the chart passes itself, is accepted in ${valuesKey}.flags`);
                    }
                }
            },
        );

        test(
            `${line.version} on ${provider}: the consistency check and its policy pack pass, with that line's chart objects`,
            { skip: CHARTS_MISSING },
            async () => {
                const run = await runFor(line.version, provider);
                const resources = stackResources(run);
                const { stack, unmodelled } = stackOf(resources);
                assert.deepEqual(unmodelled, []);
                // What the check reads: the line's own EPP monitors, the dashboard and the autoscaler.
                const monitors = stack.objects.filter((o) => /PodMonitoring$/.test(o.kind) && "inferencepool" in (o["spec"].selector.matchLabels ?? {}));
                assert.equal(monitors.length, 2, "one monitor per EPP, the chart's or the program's");
                assert.equal(stack.dashboards.length, 1);
                assert.equal(stack.objects.filter((o) => o.kind === "HorizontalPodAutoscaler").length, 1);
                const environment = stackEnvironment(provider);
                assert.deepEqual(checkConsistency(stack, environment), { findings: [], unverified: [] });
                assert.deepEqual(runPolicy(policyResources(run, resources), environment), []);
            },
        );
    }
}

type Line = "v1.0.0" | "v1.0.2" | "v1.5.0";
/** A fault in one line's objects, on its gke or istio run. */
type LineBreak = Break<`${Line} ${"gke" | "istio"}`>;
const LLAMA_KEY = "inference-llama-3-1-8b-instruct";
const PHI_KEY = "inference-phi-4-mini-instruct";
const dashboardQuerying = (from: string, to: string) => (r: Parameters<LineBreak["apply"]>[0]) => {
    const dashboard = props(r, "Dashboard", "inference-dashboard-dashboard");
    dashboard.dashboardJson = dashboard.dashboardJson.replace(from, to);
};

const LINE_BREAKS: LineBreak[] = [
    {
        what: "v1.5.0: the chart's EPP monitor switched off, and nothing scrapes the EPP",
        variant: "v1.5.0 gke",
        apply: (r) => delete props(r, "Chart", `${LLAMA_KEY}-chart`).values.inferenceExtension.monitoring.prometheus.enabled,
        rule: "metrics",
        message: /no monitor scrapes Deployment default\/llama-3-1-8b-instruct-epp, the Endpoint Picker of InferencePool default\/llama-3-1-8b-instruct/,
        objects: ["Deployment/llama-3-1-8b-instruct-epp"],
    },
    {
        what: "v1.0.0: a PodMonitoring of ours beside the chart's ClusterPodMonitoring",
        variant: "v1.0.0 gke",
        apply: (r) => {
            const vllm = props(r, "PodMonitoring", `inference-metrics-vllm-llama-3-1-8b-instruct`);
            r.push({
                type: "kubernetes:monitoring.googleapis.com/v1:PodMonitoring",
                name: "twice",
                props: {
                    ...vllm,
                    metadata: { name: "twice", namespace: "default" },
                    spec: {
                        ...vllm.spec,
                        selector: { matchLabels: { inferencepool: "llama-3-1-8b-instruct-epp" } },
                        endpoints: [{ ...vllm.spec.endpoints[0], port: 9090 }],
                    },
                },
            });
        },
        rule: "metrics",
        message:
            /llama-3-1-8b-instruct-epp, the Endpoint Picker of .*, is scraped by 2 monitors, PodMonitoring default\/twice and ClusterPodMonitoring default-llama-3-1-8b-instruct/,
        objects: ["PodMonitoring/twice#spec.selector", "ClusterPodMonitoring/default-llama-3-1-8b-instruct#spec.selector"],
    },
    {
        what: "v1.5.0 off GKE: the EPP's metrics authentication left on, scraped without a token",
        variant: "v1.5.0 istio",
        apply: (r) => delete props(r, "Chart", `${LLAMA_KEY}-chart`).values.inferenceExtension.monitoring.prometheus.auth,
        rule: "metrics",
        message:
            /PodMonitoring default\/llama-3-1-8b-instruct-epp scrapes Deployment default\/llama-3-1-8b-instruct-epp without a token, but registry\.k8s\.io\/gateway-api-inference-extension\/epp:v1\.5\.0 authenticates \/metrics \(cmd\/epp\/runner\/runner\.go:277\)/,
        objects: ["PodMonitoring/llama-3-1-8b-instruct-epp#spec.endpoints[0]"],
    },
    {
        what: "v1.0.0: the managed collector may no longer read the metrics reader's token",
        variant: "v1.0.0 gke",
        apply: (r) =>
            r.splice(
                r.findIndex((x) => x.type.endsWith(":RoleBinding")),
                1,
            ),
        rule: "metrics",
        message:
            /ClusterPodMonitoring default-llama-3-1-8b-instruct scrapes .* with the token of Secret default\/inference-metrics-reader-token, which Managed Prometheus' collector/,
        objects: ["ClusterPodMonitoring/default-llama-3-1-8b-instruct#spec.endpoints[0]", "Secret/inference-metrics-reader-token"],
    },
    {
        what: "v1.5.0: the fetcher writes where vLLM's resolver does not read",
        variant: "v1.5.0 gke",
        apply: (r) => (props(r, "Deployment", `${LLAMA_KEY}-deployment`).spec.template.spec.initContainers[0].volumeMounts[1].mountPath = "/staging"),
        rule: "request-path",
        message:
            /the adapter fetcher in Deployment default\/vllm-llama-3-1-8b-instruct writes food-review, support-tickets to \/adapters \(no volume\), but vLLM's resolver reads \/adapters/,
        objects: ["Deployment/vllm-llama-3-1-8b-instruct#spec.template.spec.initContainers[0].volumeMounts"],
    },
    {
        what: "v1.5.0: the fetcher's list named under a key its ConfigMap does not hold",
        variant: "v1.5.0 istio",
        apply: (r) => (props(r, "Deployment", `${LLAMA_KEY}-deployment`).spec.template.spec.initContainers[0].env[0].value = "/etc/adapter-fetcher/list.json"),
        rule: "references",
        message:
            /reads \/etc\/adapter-fetcher\/list\.json \(lora-adapter-fetcher env\[0\]\.value\), which volume adapter-fetcher \(ConfigMap vllm-llama-3-1-8b-instruct-adapters\) does not hold/,
        objects: ["ConfigMap/vllm-llama-3-1-8b-instruct-adapters"],
    },
    {
        what: "v1.5.0: BBR's ConfigMap still maps a retired adapter",
        variant: "v1.5.0 gke",
        apply: (r) => (props(r, "ConfigMap", `${LLAMA_KEY}-base-model`).data.adapters += "- food-review-v0\n"),
        rule: "request-path",
        message:
            /for model food-review-v0 reaches HTTPRoute default\/llama-3-1-8b-instruct, which sends it to InferencePool default\/llama-3-1-8b-instruct, whose pods serve meta-llama\/Llama-3\.1-8B-Instruct, food-review, support-tickets/,
        objects: ["InferencePool/llama-3-1-8b-instruct#spec.selector"],
    },
    {
        what: "v1.5.0: a BBR ConfigMap without its base model, which BBR skips",
        variant: "v1.5.0 istio",
        apply: (r) => delete props(r, "ConfigMap", `${LLAMA_KEY}-base-model`).data.baseModel,
        rule: "request-path",
        message: /Deployment default\/body-based-router \(bbr:v1\.5\.0\) skips ConfigMap default\/llama-3-1-8b-instruct-base-model: it has no baseModel/,
        objects: ["ConfigMap/llama-3-1-8b-instruct-base-model#data"],
    },
    {
        what: "v1.0.2 on Istio: a DestinationRule of ours beside the chart's",
        variant: "v1.0.2 istio",
        apply: (r) =>
            r.push({
                type: "kubernetes:networking.istio.io/v1beta1:DestinationRule",
                name: "ours",
                props: {
                    apiVersion: "networking.istio.io/v1beta1",
                    kind: "DestinationRule",
                    metadata: { name: "llama-3-1-8b-instruct-epp", namespace: "default" },
                    spec: { host: "llama-3-1-8b-instruct-epp.default.svc.cluster.local", trafficPolicy: { tls: { mode: "SIMPLE" } } },
                },
            }),
        rule: "duplicates",
        message: /DestinationRule default\/llama-3-1-8b-instruct-epp is made 2 times/,
        objects: ["DestinationRule/llama-3-1-8b-instruct-epp"],
    },
    {
        what: "v1.0.0 on Istio: our DestinationRule gone, which the chart does not render at that tag",
        variant: "v1.0.0 istio",
        apply: (r) =>
            r.splice(
                r.findIndex((x) => x.type.endsWith(":DestinationRule")),
                1,
            ),
        rule: "request-path",
        message:
            /Gateway default\/inference-gateway \(class istio\) calls Service default\/llama-3-1-8b-instruct-epp, the Endpoint Picker of InferencePool default\/llama-3-1-8b-instruct, in plain text, but it serves TLS/,
        objects: ["Service/llama-3-1-8b-instruct-epp", "InferencePool/llama-3-1-8b-instruct#spec.endpointPickerRef"],
    },
    {
        what: "v1.0.2: the model list names a model nothing serves",
        variant: "v1.0.2 istio",
        apply: (r) => {
            const list = props(r, "ConfigMap", "inference-models-configmap");
            const models = JSON.parse(list.data["models.json"]);
            models.data.push({ id: "gpt-4o", object: "model", created: 0, owned_by: "vllm" });
            list.data["models.json"] = JSON.stringify(models);
        },
        rule: "model-list",
        message: /HTTP GET \/v1\/models on Gateway default\/inference-gateway lists .*gpt-4o.*; not served: gpt-4o/,
        objects: ["ConfigMap/openai-models#data.models.json"],
    },
    {
        what: "v1.5.0: the dashboard back on vllm:time_per_output_token_seconds, which vLLM v0.20.2 no longer registers",
        variant: "v1.5.0 gke",
        apply: dashboardQuerying("vllm:inter_token_latency_seconds", "vllm:time_per_output_token_seconds"),
        rule: "metrics",
        message: /dashboard inference-dashboard-dashboard queries vllm:time_per_output_token_seconds_bucket, which nothing in the stack exports/,
        objects: ["Dashboard/inference-dashboard-dashboard#mosaicLayout.tiles[3].widget.xyChart.dataSets[0].timeSeriesQuery.prometheusQuery"],
    },
    {
        what: "v1.5.0: the autoscaler on vllm:gpu_cache_usage_perc, which vLLM v0.20.2 does not register",
        variant: "v1.5.0 istio",
        apply: (r) =>
            (props(r, "HorizontalPodAutoscaler", `${PHI_KEY}-hpa`).spec.metrics[0].pods.metric.name =
                "prometheus.googleapis.com|vllm:gpu_cache_usage_perc|gauge"),
        rule: "metrics",
        message:
            /scales on prometheus\.googleapis\.com\|vllm:gpu_cache_usage_perc\|gauge, which the pods of Deployment default\/vllm-phi-4-mini-instruct do not export \(read: vllm-project\/vllm@v0\.20\.2\)/,
        objects: ["HorizontalPodAutoscaler/vllm-phi-4-mini-instruct#spec.metrics[0].pods.metric.name"],
    },
];

test("faults in each line's own objects are reported by the check and its policy pack", { skip: CHARTS_MISSING }, async () => {
    for (const fault of LINE_BREAKS) {
        const [version, provider] = fault.variant.split(" ") as [Line, "gke" | "istio"];
        const run = await runFor(version, provider);
        const resources = structuredClone(stackResources(run));
        fault.apply(resources);
        reported(findingsOf(resources, stackEnvironment(provider)), fault);
        violationFor(runPolicy(policyResources(run, resources), stackEnvironment(provider)), fault);
    }
    // The same dashboard query is fine where the line's vLLM (v0.11.0) still registers it.
    const old = structuredClone(stackResources(await runFor("v1.0.0", "gke")));
    dashboardQuerying("vllm:inter_token_latency_seconds", "vllm:time_per_output_token_seconds")(old);
    assert.deepEqual(findingsOf(old, stackEnvironment("gke")), []);
});

test("v1.5.0: two adapters on Llama give one route matching the base model, BBR's ConfigMap listing both, and no syncer", async () => {
    const { resources } = await runFor("v1.5.0", "gke");
    const route = objects(resources, "kubernetes:gateway.networking.k8s.io/v1:HTTPRoute").find((r) => r.metadata.name === "llama-3-1-8b-instruct");
    assert.deepEqual(
        route.spec.rules.map((rule: { matches: unknown[] }) => rule.matches),
        [
            ["/v1/chat/completions", "/v1/completions"].map((value) => ({
                path: { type: "Exact", value },
                headers: [{ type: "Exact", name: "X-Gateway-Base-Model-Name", value: LLAMA }],
            })),
        ],
    );
    const mapping = objects(resources, "kubernetes:core/v1:ConfigMap").filter((c) => c.metadata.labels?.["inference.networking.k8s.io/bbr-managed"] === "true");
    const llama = mapping.find((c) => c.data.baseModel === LLAMA);
    assert.ok(llama, "a ConfigMap for Llama");
    assert.deepEqual(
        parseYaml(llama.data.adapters),
        LLAMA_ADAPTERS.map((a) => a.name),
        "both active adapters, not the retired one",
    );
    assert.deepEqual(llama.metadata.namespace, "default");
    assert.deepEqual(mapping.map((c) => c.data.baseModel).sort(), [LLAMA, PHI].sort(), "every model maps its own name to itself");
    const pods = objects(resources, "kubernetes:apps/v1:Deployment").map((d) => d.spec.template.spec);
    for (const pod of pods) {
        for (const container of [...pod.containers, ...(pod.initContainers ?? [])]) assert.doesNotMatch(String(container.image), /lora-syncer/);
    }
    const llamaPod = objects(resources, "kubernetes:apps/v1:Deployment").find((d) => d.metadata.name === "vllm-llama-3-1-8b-instruct").spec.template.spec;
    assert.deepEqual(
        llamaPod.initContainers.map((c: { name: string }) => c.name),
        ["lora-adapter-fetcher"],
    );
});

test("v1.0 line: the route still matches each name, and the syncer loads the adapters", async () => {
    const { resources } = await runFor("v1.0.2", "gke");
    const route = objects(resources, "kubernetes:gateway.networking.k8s.io/v1:HTTPRoute").find((r) => r.metadata.name === "llama-3-1-8b-instruct");
    const names = route.spec.rules.flatMap((rule: { matches: { headers: { name: string; value: string }[] }[] }) =>
        rule.matches.map((m) => `${m.headers[0].name}=${m.headers[0].value}`),
    );
    assert.deepEqual(
        names,
        [LLAMA, ...LLAMA_ADAPTERS.map((a) => a.name)].flatMap((n) => Array(2).fill(`X-Gateway-Model-Name=${n}`)),
        "each name on both inference paths",
    );
    assert.equal(objects(resources, "kubernetes:core/v1:ConfigMap").filter((c) => c.metadata.labels?.["inference.networking.k8s.io/bbr-managed"]).length, 0);
    const llamaPod = objects(resources, "kubernetes:apps/v1:Deployment").find((d) => d.metadata.name === "vllm-llama-3-1-8b-instruct").spec.template.spec;
    assert.match(llamaPod.initContainers[0].image, /lora-syncer:v1\.0\.2$/);
});

// Last: every rule the tests above reached, asked again of Envoy Gateway's own translator.
test("Envoy Gateway's translator reaches the rule routeMatching picked, for every request above", { skip: bbrMissing() ?? envoyGatewayMissing() }, () =>
    judgeRoutingByEnvoyGateway(),
);
