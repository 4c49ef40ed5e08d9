/**
 * The consistency check's own parts, without Pulumi: the NetworkPolicy and RBAC evaluators against
 * Kubernetes' semantics case by case, the PromQL reader, paths and files in a pod, the chart model
 * against what the charts' templates read at each tag (the values-read data), the upstream
 * facts against the tags they were read at, and its readings of vLLM's LoRA environment and of
 * the v1.0 syncer's config against vLLM's own plugin loader and resolver and the real syncer.
 */
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import test from "node:test";
import { ADAPTERS_DIR, RELEASE_LINES, VLLM_RELEASES, adapterConfigMap, vllmDeployment } from "../components";
import { extensionAt, extensionMissing } from "./helpers/valuesPaths";
import { linesOf } from "../tools/upstreamSource";
import { chartObjects, withChartObjects } from "../tools/consistency/chartObjects";
import { CHARTS_MISSING, poolRelease, poolValues } from "./helpers/consistencyCheck";
import { metricNamesIn } from "../tools/consistency/metrics";
import { LabelSelector, selects } from "../tools/consistency/labelSelector";
import { addressIn, admits } from "../tools/consistency/networkPolicy";
import { KubeObject, podTemplates } from "../tools/consistency/objects";
import { fileAt, pathsNamed, volumePathOf } from "../tools/consistency/files";
import { flagValues, modelServersOf, namesServed, runsVllm } from "../tools/consistency/modelServers";
import { pypiSourceEnv, venvPython } from "../tools/local/packagedPrograms";
import { allows } from "../tools/consistency/rbac";
import { NETWORK_POLICY_CASES, byExpression, gatewayOnly, pod, server } from "./helpers/networkPolicyCases";
import { RBAC_CASES, RBAC_STACK } from "./helpers/rbacCases";
import { BIN_DIR } from "../tools/local/cache";
import { toolsNotBuilt } from "../tools/local/toolchain";
import { askTag, bbrMissing } from "../tools/local/bbrDriver";
import { BBR_MODEL_HEADER_TAGS } from "../components/catalogs/charts/bodyBasedRouterFacts";
import { LORA_SYNCER, VLLM_LORA_RESOLVER, eppScrapeFact, eppServingFact, metricListOf, seriesOf } from "../tools/consistency/upstreamFacts";
import { literalEnv, plannedLlama } from "./helpers/plannedModels";
import { SYNCER_MISSING, runSyncer } from "./helpers/loraSyncer";
import { RESOLVER_MISSING, askVllm } from "./helpers/vllmResolver";

const NETPOL_MISSING = toolsNotBuilt(["netpol-driver"]);

/** cyclonus's answer for each connection and apimachinery's for each selection (tools/local/netpol-driver). */
function askNetpolDriver(connections: object[], selections: { selector: LabelSelector; labels: Record<string, string> }[]) {
    const input = JSON.stringify({ connections, selections });
    return JSON.parse(execFileSync(path.join(BIN_DIR, "netpol-driver"), { input, encoding: "utf8" })) as { admitted: boolean[]; selected: boolean[] };
}

test("NetworkPolicy: who is admitted, by Kubernetes' semantics (the cases cyclonus's matcher answers too)", () => {
    for (const [what, policies, destination, source, admitted] of NETWORK_POLICY_CASES)
        assert.equal(admits(policies, destination, source).admitted, admitted, what);
    const answer = admits([gatewayOnly], server(), pod({ role: "gateway" }));
    assert.deepEqual([answer.selecting.map((p) => p.metadata.name), answer.admittedBy.map((p) => p.metadata.name)], [["vllm"], ["vllm"]]);
    assert.throws(() => admits([byExpression("Matches", ["a"])], server(), pod({}, "ns", { team: "a" })), /operator Matches does not exist/);
    assert.deepEqual(["10.129.0.0/23", "35.191.0.0/16", "10.1.2.3/32"].map(addressIn), ["10.129.0.1", "35.191.0.1", "10.1.2.3"]);
});

test(
    "NetworkPolicy: the check's reading is cyclonus's, case by case, but where cyclonus reads a selector otherwise than apimachinery",
    { skip: NETPOL_MISSING },
    () => {
        // cyclonus's NotIn never selects labels without the key (pkg/kube/labelselector.go:38-43 at
        // v0.5.6); apimachinery's does (labels.Requirement.Matches), and controllers and CNIs select
        // with apimachinery: there, its answer is the one the check must give.
        const apimachineryDecides = new Map([
            ["NotIn, no label", { selector: byExpression("NotIn", ["a"]).spec.ingress[0].from[0].namespaceSelector, labels: {} }],
        ]);
        const connections = NETWORK_POLICY_CASES.map(([, policies, destination, source]) => ({ policies, destination, source }));
        const { admitted, selected } = askNetpolDriver(connections, [...apimachineryDecides.values()]);
        const decided = new Map([...apimachineryDecides.keys()].map((what, i) => [what, selected[i]]));
        for (const [i, [what, policies, destination, source]] of NETWORK_POLICY_CASES.entries()) {
            const ours = admits(policies, destination, source).admitted;
            if (decided.has(what)) {
                assert.notEqual(admitted[i], decided.get(what), `cyclonus still reads "${what}" otherwise than apimachinery`);
                assert.equal(ours, decided.get(what), `apimachinery on: ${what}`);
            } else assert.equal(ours, admitted[i], `cyclonus on: ${what}`);
        }
    },
);

test("label selectors: the check selects as apimachinery's LabelSelectorAsSelector does", { skip: NETPOL_MISSING }, () => {
    const expression = (operator: string, values?: string[]): LabelSelector => ({
        matchExpressions: [{ key: "team", operator, ...(values === undefined ? {} : { values }) }],
    });
    const selectors: LabelSelector[] = [
        {},
        { matchLabels: { app: "vllm" } },
        { matchLabels: { app: "vllm", tier: "gpu" } },
        expression("In", ["a", "b"]),
        expression("NotIn", ["a"]),
        expression("NotIn", ["a", "b"]),
        expression("Exists"),
        expression("DoesNotExist"),
        { matchLabels: { app: "vllm" }, ...expression("In", ["a"]) },
    ];
    const labelSets: Record<string, string>[] = [
        {},
        { app: "vllm" },
        { app: "vllm", tier: "gpu" },
        { team: "a" },
        { team: "b" },
        { team: "" },
        { app: "vllm", team: "a" },
        { app: "x", team: "c" },
    ];
    const selections = selectors.flatMap((selector) => labelSets.map((labels) => ({ selector, labels })));
    const { selected } = askNetpolDriver([], selections);
    for (const [i, { selector, labels }] of selections.entries())
        assert.equal(selects(selector, labels), selected[i], `${JSON.stringify(selector)} on ${JSON.stringify(labels)}`);
});

test("PromQL: the metric names a query selects, not its functions, labels, strings or groupings", () => {
    const cases: [string, string[]][] = [
        [
            'histogram_quantile(0.95, sum by (le) (rate(vllm:time_to_first_token_seconds_bucket{job="vllm-x",namespace="ns"}[5m])))',
            ["vllm:time_to_first_token_seconds_bucket"],
        ],
        ["sum(rate(a_total[5m])) / sum(rate(b_total[5m]))", ["a_total", "b_total"]],
        ['avg(kubernetes_io:container_accelerator_duty_cycle{pod_name=~"vllm-[a-z0-9]+"})', ["kubernetes_io:container_accelerator_duty_cycle"]],
        ['{__name__="vllm:num_requests_waiting", job="x"}', ["vllm:num_requests_waiting"]],
        ['count(up{job="vllm:not_a_metric"}) by (pod)', ["up"]],
        ["sum without (instance) (m) and on (job) n offset 5m", ["m", "n"]],
        ["1 + inf", []],
        ["max_over_time(x[1h:5m]) > bool 3", ["x"]],
    ];
    for (const [query, names] of cases) assert.deepEqual(metricNamesIn(query), names, query);
});

/** The commit of each tag the release lines read. */
const TAG_COMMITS: Record<string, string> = Object.fromEntries(Object.values(RELEASE_LINES).map((line) => [line.source.tag, line.source.commit]));

test("helm template of the chart archives at each tag: what the templates render, and the expansion is live", { skip: CHARTS_MISSING }, () => {
    // A value the chart reads changes what it renders: Helm, not a copy of the templates.
    const ported = chartObjects(poolRelease({ ...poolValues("gke"), inferencePool: { ...poolValues("gke").inferencePool, targetPorts: [{ number: 8123 }] } }));
    assert.deepEqual(ported?.find((o) => o.kind === "InferencePool")?.spec.targetPorts, [{ number: 8123 }]);
    const kinds = (version: string, values: Record<string, unknown>) => (chartObjects(poolRelease(values, version)) ?? []).map((o) => o.kind).sort();
    // v1.0.0 (templates/gke.yaml, rbac.yaml): the EPP's monitor always, its RBAC always; Helm also
    // renders the plugins ConfigMap, GCPBackendPolicy and a namespaced Role, which the hand-written
    // model of the charts lacked.
    const pool = chartObjects(poolRelease(poolValues("gke")));
    const byKind = Object.fromEntries((pool ?? []).map((o) => [o.kind, o]));
    assert.deepEqual(Object.keys(byKind).sort(), [
        "ClusterPodMonitoring",
        "ClusterRole",
        "ClusterRoleBinding",
        "ConfigMap",
        "Deployment",
        "GCPBackendPolicy",
        "HealthCheckPolicy",
        "InferencePool",
        "Role",
        "RoleBinding",
        "Service",
        "ServiceAccount",
    ]);
    assert.deepEqual(byKind["InferencePool"].spec, {
        targetPorts: [{ number: 8000 }],
        selector: { matchLabels: { app: "vllm-llama" } },
        endpointPickerRef: { name: "llama-epp", port: { number: 9002 } },
    });
    assert.deepEqual(byKind["Service"].spec.selector, { inferencepool: "llama-epp" });
    assert.equal(byKind["HealthCheckPolicy"].spec.default.config.httpHealthCheck.port, 8000, "targetPortNumber's default");
    assert.equal(byKind["Deployment"].spec.template.spec.containers[0].image, "registry.k8s.io/gateway-api-inference-extension/epp:v1.0.0");
    assert.equal(byKind["ClusterRole"].metadata.name, "llama-epp");
    // v1.0.2: the monitor and its reader only with monitoring.gke.enabled; a DestinationRule for istio.
    assert.deepEqual(kinds("v1.0.2", poolValues("gke")), [
        "ClusterRole",
        "ClusterRoleBinding",
        "ConfigMap",
        "Deployment",
        "GCPBackendPolicy",
        "HealthCheckPolicy",
        "InferencePool",
        "Role",
        "RoleBinding",
        "Service",
        "ServiceAccount",
    ]);
    const monitored = { ...poolValues("gke"), inferenceExtension: { monitoring: { gke: { enabled: true } } } };
    // The monitor and its reader: an account with its token Secret, its roles and bindings.
    assert.deepEqual(kinds("v1.0.2", monitored), [
        "ClusterRole",
        "ClusterRole",
        "ClusterRoleBinding",
        "ClusterRoleBinding",
        "ConfigMap",
        "Deployment",
        "GCPBackendPolicy",
        "HealthCheckPolicy",
        "InferencePool",
        "PodMonitoring",
        "Role",
        "Role",
        "RoleBinding",
        "RoleBinding",
        "Secret",
        "Service",
        "ServiceAccount",
        "ServiceAccount",
    ]);
    const rule = (chartObjects(poolRelease(poolValues("istio"), "v1.0.2")) ?? []).find((o) => o.kind === "DestinationRule");
    assert.deepEqual([rule?.metadata.name, rule?.spec.host, rule?.spec.trafficPolicy.tls.mode], ["llama-epp", "llama-epp.serving.svc.cluster.local", "SIMPLE"]);
    // v1.5.0: no EPP ClusterRole without prometheus.enabled; the metrics authentication off by its key.
    assert.deepEqual(kinds("v1.5.0", poolValues("istio")), [
        "ConfigMap",
        "Deployment",
        "DestinationRule",
        "InferencePool",
        "Role",
        "Role",
        "RoleBinding",
        "RoleBinding",
        "Service",
        "ServiceAccount",
    ]);
    const open = chartObjects(
        poolRelease({ ...poolValues("istio"), inferenceExtension: { monitoring: { prometheus: { auth: { enabled: false } } } } }, "v1.5.0"),
    );
    assert.equal(open?.find((o) => o.kind === "Deployment")?.spec.template.spec.containers[0].args.at(-1), "--metrics-endpoint-auth=false");
    // Each line's chart cuts the release name where the line says (its EPP's names follow it).
    for (const line of Object.values(RELEASE_LINES)) {
        const long = { ...poolRelease(poolValues("gke"), line.version), name: "a".repeat(line.inferencePool.endpointPickerNameLimit + 5) };
        const service = chartObjects(long)?.find((o) => o.kind === "Service");
        assert.equal(service?.metadata.name, `${"a".repeat(line.inferencePool.endpointPickerNameLimit)}-epp`, line.version);
    }
    assert.equal(chartObjects({ ...poolRelease({}), version: "v9.9.9" }), undefined);
    assert.equal(chartObjects({ ...poolRelease({}), chart: "oci://example/charts/other" }), undefined);
    // A chart the stack holds expanded already (a preview's own children) is kept as it is; an
    // unexpanded one adds all its objects, so that one the program makes too shows twice.
    const own: KubeObject = {
        apiVersion: "inference.networking.k8s.io/v1",
        kind: "InferencePool",
        metadata: { name: "llama", namespace: "serving" },
        spec: { targetPorts: [{ number: 1 }] },
    };
    const { objects, unmodelled } = withChartObjects([own], [poolRelease(poolValues("gke")), { ...poolRelease(poolValues("gke")), version: "v0.1.0" }]);
    assert.deepEqual(objects, [own]);
    assert.deepEqual(
        unmodelled.map((r) => r.version),
        ["v0.1.0"],
    );
    const ours: KubeObject = {
        apiVersion: "networking.istio.io/v1beta1",
        kind: "DestinationRule",
        metadata: { name: "llama-epp", namespace: "serving" },
        spec: {},
    };
    const twice = withChartObjects([ours], [poolRelease(poolValues("istio"), "v1.0.2")]).objects;
    assert.equal(twice.filter((o) => o.kind === "DestinationRule").length, 2);
});

for (const tag of Object.keys(TAG_COMMITS)) {
    test(`the EPP's and BBR's metric lists at ${tag} are what the tag's own Register functions register`, { skip: bbrMissing() }, () => {
        const registered = askTag(tag, "metrics");
        for (const component of ["epp", "bbr"] as const) {
            const facts = metricListOf(`registry.k8s.io/gateway-api-inference-extension/${component}`, tag).list!.metrics;
            const real = registered[component];
            assert.deepEqual(facts.map((m) => m.name).sort(), real.map((m) => m.name).sort(), `${component} at ${tag}`);
            for (const { name, type } of real.filter((m) => m.type !== undefined))
                assert.equal(facts.find((m) => m.name === name)?.type, type, `${component} ${name} at ${tag}`);
        }
    });

    test(`the EPP's metric flags, TLS and /metrics authentication at ${tag} are as the tag's own flag definitions give them`, { skip: bbrMissing() }, () => {
        const flags = askTag(tag, "epp-flags");
        const scrapes = eppScrapeFact(tag)!;
        assert.equal(scrapes.commit, TAG_COMMITS[tag]);
        const vllmMetricFlags = Object.keys(flags).filter((f) => flags[f].startsWith("vllm:"));
        assert.deepEqual(Object.fromEntries(vllmMetricFlags.map((f) => [f, flags[f]])), scrapes.flags);
        const serving = eppServingFact(tag)!;
        assert.equal(flags["secure-serving"], String(serving.secureServingByDefault));
        assert.equal(`--secure-serving=${!serving.secureServingByDefault}`, serving.disabledBy);
        // Where a flag turns /metrics authentication off, it is on by default; else no such flag exists.
        const disabledBy = metricListOf("registry.k8s.io/gateway-api-inference-extension/epp", tag).list?.endpointAuth?.disabledBy;
        if (disabledBy === undefined) assert.equal(flags["metrics-endpoint-auth"], undefined);
        else {
            const [flag, value] = disabledBy.slice(2).split("=");
            assert.deepEqual([flags[flag], value], ["true", "false"]);
        }
    });
}

test(
    "the vLLM arguments a line adds for its EPP's metrics make that vLLM show its hidden ones (v0.11.0's own version check)",
    { skip: toolsNotBuilt(["vllm-v0.11.0"]) },
    () => {
        const lines = Object.values(RELEASE_LINES).filter((line) => line.vllmMetricArgs.length > 0);
        assert.deepEqual(
            lines.map((line) => line.version),
            ["v1.0.0", "v1.0.2"],
        );
        for (const line of lines) {
            assert.equal(line.vllmTag, "v0.11.0");
            const [value] = flagValues(line.vllmMetricArgs, "--show-hidden-metrics-for-version")!;
            const script =
                "import sys; from vllm.version import __version__, _prev_minor_version_was; print(__version__, _prev_minor_version_was(sys.argv[1]))";
            const out = execFileSync(venvPython("vllm-v0.11.0"), ["-c", script, value], {
                env: pypiSourceEnv("vllm-v0.11.0"),
                encoding: "utf8",
            });
            assert.equal(out.trim(), "0.11.0 True", line.version);
        }
    },
);

test("upstream facts carry the commit of their tag, agreeing with the release lines read elsewhere", () => {
    const commits = TAG_COMMITS;
    for (const fact of BBR_MODEL_HEADER_TAGS) {
        assert.equal(fact.commit, commits[fact.tag], `BBR ${fact.tag}`);
        assert.equal(fact.modelHeader, "X-Gateway-Model-Name", `${fact.file}:${fact.line} at ${fact.tag}`);
    }
    for (const tag of Object.keys(commits)) {
        for (const component of ["epp", "bbr"]) {
            const { list } = metricListOf(`registry.k8s.io/gateway-api-inference-extension/${component}`, tag);
            assert.equal(list?.commit, commits[tag], `${component} metrics at ${tag}`);
        }
    }
    // A few entries checked against vllm/v1/metrics/loggers.py at v0.11.0 (b8b302cd).
    const vllm = metricListOf("vllm/vllm-openai", "v0.11.0").list;
    assert.equal(vllm?.commit, "b8b302cde434df8c9289a2b465406b47ebab1c2d");
    const byName = new Map(vllm?.metrics.map((m) => [m.name, m]));
    assert.deepEqual(byName.get("vllm:num_requests_waiting"), {
        name: "vllm:num_requests_waiting",
        type: "gauge",
        file: "vllm/v1/metrics/loggers.py",
        line: 199,
    });
    assert.equal(byName.get("vllm:gpu_cache_usage_perc")?.requires, "--show-hidden-metrics-for-version");
    assert.deepEqual(seriesOf(byName.get("vllm:request_success")!, vllm!.client), ["vllm:request_success_total"]);
    // And at v0.20.2 (bc150f50): the gauges the autoscaler reads, the histogram the dashboard no
    // longer may (removed), the flag-gated LoRA gauge.
    const v0202 = new Map(metricListOf("vllm/vllm-openai", "v0.20.2").list?.metrics.map((m) => [m.name, m]));
    assert.deepEqual(v0202.get("vllm:kv_cache_usage_perc"), { name: "vllm:kv_cache_usage_perc", type: "gauge", file: "vllm/v1/metrics/loggers.py", line: 520 });
    assert.equal(v0202.get("vllm:time_per_output_token_seconds"), undefined);
    assert.equal(v0202.get("vllm:lora_requests_info")?.requires, "--enable-lora");
    // Every line's vLLM has its list, of the commit the release names.
    for (const line of Object.values(RELEASE_LINES))
        assert.equal(metricListOf("vllm/vllm-openai", line.vllmTag).list?.commit, VLLM_RELEASES[line.vllmTag].commit, line.version);
    assert.equal(metricListOf("vllm/vllm-openai", "v0.12.0").known, true);
    assert.equal(metricListOf("vllm/vllm-openai", "v0.12.0").list, undefined);
    // The EPP serves TLS at every tag read, and its /metrics needs a token (off by a flag at v1.5.0).
    for (const tag of Object.keys(TAG_COMMITS)) {
        assert.equal(eppServingFact(tag)?.commit, TAG_COMMITS[tag], `EPP serving at ${tag}`);
        assert.ok(metricListOf("registry.k8s.io/gateway-api-inference-extension/epp", tag).list?.endpointAuth, tag);
    }
    assert.equal(metricListOf("registry.k8s.io/gateway-api-inference-extension/epp", "v1.5.0").list?.endpointAuth?.disabledBy, "--metrics-endpoint-auth=false");
});

test("RBAC: what bindings grant a service account, cluster-wide and in a namespace", () => {
    for (const [what, account, request, allowed] of RBAC_CASES) assert.equal(allows(RBAC_STACK, account, request), allowed, what);
});

test("files in a pod: the volume a path lands in, and the keys a ConfigMap or Secret volume projects", () => {
    const configMap: KubeObject = {
        apiVersion: "v1",
        kind: "ConfigMap",
        metadata: { name: "files", namespace: "serving" },
        data: { "a.yaml": "a: 1", "b.json": "{}" },
    };
    const container = {
        path: "spec.template.spec.containers[0]",
        container: {
            name: "c",
            command: ["python3", "/etc/app/run.py"],
            args: ["--config=/etc/app/a.yaml", "--model", "/models/x"],
            env: [
                { name: "LIST", value: "/etc/only/b.json" },
                { name: "DIR", value: "/etc/app" },
                { name: "URL", value: "http://x/y" },
            ],
            volumeMounts: [
                { name: "all", mountPath: "/etc/app" },
                { name: "some", mountPath: "/etc/only", readOnly: true },
                { name: "one", mountPath: "/etc/one.yaml", subPath: "a.yaml" },
                { name: "scratch", mountPath: "/tmp" },
            ],
        },
    };
    const template = {
        owner: configMap,
        specPath: "spec.template.spec",
        labels: {},
        namespace: "serving",
        spec: {
            volumes: [
                { name: "all", configMap: { name: "files" } },
                { name: "some", configMap: { name: "files", items: [{ key: "a.yaml", path: "renamed.yaml" }] } },
                { name: "one", configMap: { name: "files" } },
                { name: "scratch", emptyDir: {} },
            ],
        },
    };
    const stack = { objects: [configMap], dashboards: [] };
    assert.deepEqual(volumePathOf(container, "/etc/only/x/y"), { volume: "some", inside: "x/y", readOnly: true, mountIndex: 1 });
    assert.deepEqual(volumePathOf(container, "/etc/one.yaml"), { volume: "one", inside: "a.yaml", readOnly: false, mountIndex: 2 });
    assert.equal(volumePathOf(container, "/etc/appendix"), undefined, "a prefix of a path is no mount of it");
    assert.deepEqual(
        pathsNamed(container).map((p) => p.path),
        ["/etc/app/run.py", "/etc/app/a.yaml", "/models/x", "/etc/only/b.json", "/etc/app"],
    );
    const kind = (path: string) => fileAt(stack, template, container, path).kind;
    assert.deepEqual(
        ["/etc/app/a.yaml", "/etc/app/run.py", "/etc/app", "/etc/only/renamed.yaml", "/etc/only/b.json", "/etc/one.yaml", "/tmp/x", "/models/x"].map(kind),
        ["file", "missing", "directory", "file", "missing", "file", "elsewhere", "elsewhere"],
    );
    assert.deepEqual(fileAt(stack, template, container, "/etc/only/renamed.yaml"), {
        kind: "file",
        file: { kind: "ConfigMap", name: "files", key: "a.yaml", text: "a: 1" },
    });
    // vLLM's server, not a script run in its image.
    assert.equal(runsVllm({ image: "vllm/vllm-openai:v0.20.2" }), true);
    assert.equal(runsVllm({ image: "vllm/vllm-openai:v0.20.2", command: ["python3", "/etc/adapter-fetcher/fetch_adapters.py"] }), false);
    assert.equal(runsVllm({ image: "example/vllm:1", command: ["python3", "-m", "vllm.entrypoints.openai.api_server"] }), true);
    assert.equal(runsVllm({ image: "example/vllm:1", command: ["/usr/local/bin/vllm", "serve"] }), true);
});

test("each tag read again: BBR's headers and label, where /metrics authenticates, the EPP's TLS", { skip: extensionMissing(Object.keys(TAG_COMMITS)) }, () => {
    for (const [tag, commit] of Object.entries(TAG_COMMITS)) {
        const tree = extensionAt(tag, commit);
        const lineOf = (file: string, line: number) => linesOf(tree, file, line);
        const header = BBR_MODEL_HEADER_TAGS.find((f) => f.tag === tag)!;
        assert.match(lineOf(header.file, header.line), new RegExp(`"${header.modelHeader}"`), `${header.file}:${header.line} at ${tag}`);
        const base = header.baseModelHeader;
        if (base !== undefined) {
            assert.match(lineOf(base.file, base.line), new RegExp(`"${base.header}"`));
            assert.ok(tree.read(base.configMapLabelFile).includes(`"${base.configMapLabel}"`));
            for (const key of Object.values(base.keys)) assert.ok(tree.read(base.keysFile).includes(`"${key}"`), key);
        }
        for (const component of ["epp", "bbr"]) {
            const auth = metricListOf(`registry.k8s.io/gateway-api-inference-extension/${component}`, tag).list!.endpointAuth as {
                file: string;
                line: number;
                flagFile?: string;
                flagLine?: number;
            };
            assert.match(
                lineOf(auth.file, auth.line) + lineOf(auth.file, auth.line + 1),
                /MetricsEndpointAuth|WithAuthenticationAndAuthorization/,
                `${component} ${auth.file}:${auth.line} at ${tag}`,
            );
            if (auth.flagFile !== undefined) assert.match(lineOf(auth.flagFile, auth.flagLine!), /"metrics-endpoint-auth"/);
        }
        const serving = eppServingFact(tag)!;
        assert.match(lineOf(serving.file, serving.line), /secure-serving|SecureServing:\s+true/, `${serving.file}:${serving.line} at ${tag}`);
    }
});

test(
    "the check reads a vLLM environment as vLLM's own plugin loader and resolver do: which adapters it serves at runtime",
    { skip: RESOLVER_MISSING },
    async (t) => {
        const model = plannedLlama({ adapters: [{ name: "food-review", source: "org/food" }] }, "v1.5.0");
        const deployment = vllmDeployment({ model, namespace: "ns", image: "vllm/vllm-openai:v0.20.2" }) as KubeObject;
        deployment.metadata.namespace = "ns";
        const vllm = deployment.spec.template.spec.containers[0] as { args: string[]; env: { name: string; value?: string }[] };
        const base = vllm.args[vllm.args.indexOf("--model") + 1];
        // The adapter where the fetcher puts it, naming the base as the fetcher writes it.
        const root = fs.mkdtempSync(path.join(os.tmpdir(), "resolver-"));
        t.after(() => fs.rmSync(root, { recursive: true, force: true }));
        fs.mkdirSync(path.join(root, "food-review"));
        fs.writeFileSync(path.join(root, "food-review", "adapter_config.json"), JSON.stringify({ peft_type: "LORA", base_model_name_or_path: base }));
        const { plugins, cacheDir, runtimeUpdating } = VLLM_LORA_RESOLVER.env;
        const cases: [string, Record<string, string | undefined>][] = [
            ["as rendered", {}],
            ["every plugin (VLLM_PLUGINS unset)", { [plugins]: undefined }],
            ["another plugin only", { [plugins]: "lora_hf_hub_resolver" }],
            ["among others", { [plugins]: `lora_hf_hub_resolver,${VLLM_LORA_RESOLVER.plugin}` }],
            ["with a space", { [plugins]: ` ${VLLM_LORA_RESOLVER.plugin}` }],
            ["no plugin", { [plugins]: "" }],
            ["no directory", { [cacheDir]: undefined }],
            ["runtime loading as ' True '", { [runtimeUpdating]: " True " }],
            ["runtime loading as 1", { [runtimeUpdating]: "1" }],
            ["runtime loading as yes", { [runtimeUpdating]: "yes" }],
            ["runtime loading unset", { [runtimeUpdating]: undefined }],
        ];
        for (const [what, changes] of cases) {
            const env = literalEnv(vllm);
            for (const [name, value] of Object.entries(changes))
                if (value === undefined) delete env[name];
                else env[name] = value;
            const changed = structuredClone(deployment);
            changed.spec.template.spec.containers[0].env = Object.entries(env).map(([name, value]) => ({ name, value }));
            const stack = { objects: [changed, adapterConfigMap(model, "ns") as KubeObject], dashboards: [] };
            const [server] = modelServersOf(stack, podTemplates(stack)[0]);
            const ours = namesServed(server).filter((n) => !server.servedNames.includes(n) && !server.loraModules.includes(n));
            const inVllm = Object.fromEntries(Object.entries(env).map(([name, value]) => [name, value === ADAPTERS_DIR ? root : value]));
            const answer = await askVllm(inVllm, base, ["food-review"]);
            t.diagnostic(`${what}: vLLM serves [${answer.served.join(", ")}], the check reads [${ours.join(", ")}]`);
            assert.deepEqual(ours, answer.served, what);
        }
    },
);

test("the check reads a syncer's config as the v1.0 line's real syncer does: which adapters it loads", { skip: SYNCER_MISSING }, async (t) => {
    const model = plannedLlama({ adapters: [{ name: "food-review", source: "org/food" }] });
    const deployment = vllmDeployment({ model, namespace: "ns", image: "vllm/vllm-openai:v0.11.0" }) as KubeObject;
    deployment.metadata.namespace = "ns";
    const pod = deployment.spec.template.spec;
    const configMap = adapterConfigMap(model, "ns") as { metadata: { name: string }; data: Record<string, string> };
    const [file] = Object.keys(configMap.data);
    const config = JSON.parse(configMap.data[file]);
    const root = fs.mkdtempSync(path.join(os.tmpdir(), "syncer-"));
    t.after(() => fs.rmSync(root, { recursive: true, force: true }));
    const cases: [string, object, Record<string, string>][] = [
        ["as rendered", config, {}],
        ["no ensureExist", { [LORA_SYNCER.baseField]: { ...config[LORA_SYNCER.baseField], ensureExist: undefined } }, {}],
        ["another base field", { vLLMLoraConfig: config[LORA_SYNCER.baseField] }, {}],
        ["the file elsewhere", config, { [LORA_SYNCER.configEnv]: "/elsewhere/config.yaml" }],
    ];
    for (const [i, [what, text, env]] of cases.entries()) {
        const changed = structuredClone(deployment);
        const syncer = changed.spec.template.spec.initContainers.find((c: { name: string }) => c.name === "lora-adapter-syncer");
        syncer.env = [...syncer.env.filter((e: { name: string }) => !(e.name in env)), ...Object.entries(env).map(([name, value]) => ({ name, value }))];
        const data = { [file]: JSON.stringify(text) };
        const stack = { objects: [changed, { ...configMap, data } as unknown as KubeObject], dashboards: [] };
        const [server] = modelServersOf(stack, podTemplates(stack)[0]);
        const ours = namesServed(server).filter((n) => !server.servedNames.includes(n) && !server.loraModules.includes(n));
        const run = await runSyncer(fs.mkdtempSync(path.join(root, `${i}-`)), pod, syncer, { [configMap.metadata.name]: data }, [model.name]);
        const loaded = run.calls.filter((c) => c.url === "/v1/load_lora_adapter").map((c) => c.body.lora_name);
        t.diagnostic(`${what}: the syncer loads [${loaded.join(", ")}], the check reads [${ours.join(", ")}]${run.error ? " (the syncer failed)" : ""}`);
        assert.deepEqual(ours, loaded, what);
    }
});
