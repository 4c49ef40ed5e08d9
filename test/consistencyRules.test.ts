/**
 * The consistency check's own parts, without Pulumi: the NetworkPolicy evaluator against
 * Kubernetes' semantics case by case, the PromQL reader, the chart model against what the charts'
 * templates read at the tag (the values-read data), and the upstream facts against the tags they
 * were read at.
 */
import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import test from "node:test";
import { RELEASE_LINES } from "../components";
import { MODELLED_CHART_TAGS, chartObjects, endpointPickerName, withChartObjects } from "../tools/consistency/chartObjects";
import { metricNamesIn } from "../tools/consistency/metrics";
import { Destination, Source, addressIn, admits } from "../tools/consistency/networkPolicy";
import { KubeObject } from "../tools/consistency/objects";
import { BBR_MODEL_HEADER_TAGS, metricListOf, seriesOf } from "../tools/consistency/upstreamFacts";
import { REPO_ROOT } from "../tools/mockRuntime";

const policy = (name: string, spec: Record<string, unknown>, namespace = "serving"): KubeObject => ({ apiVersion: "networking.k8s.io/v1", kind: "NetworkPolicy", metadata: { name, namespace }, spec });
const pod = (labels: Record<string, string>, namespace = "serving", namespaceLabels: Record<string, string> = { "kubernetes.io/metadata.name": namespace }): Source => ({ pod: { labels, namespace, namespaceLabels } });
const server = (port = 8000, labels: Record<string, string> = { app: "vllm" }): Destination => ({ labels, namespace: "serving", port, namedPorts: { http: 8000, metrics: 9090 } });

test("NetworkPolicy: a pod no policy selects admits everything; once selected, only what a rule admits", () => {
    const gatewayOnly = policy("vllm", { podSelector: { matchLabels: { app: "vllm" } }, ingress: [{ from: [{ podSelector: { matchLabels: { role: "gateway" } } }], ports: [{ port: 8000 }] }] });
    const cases: [string, KubeObject[], Destination, Source, boolean][] = [
        ["no policy: default allow", [], server(), pod({}), true],
        ["the admitted pod, on the admitted port", [gatewayOnly], server(), pod({ role: "gateway" }), true],
        ["the admitted labels in another namespace (a podSelector alone means the policy's namespace)", [gatewayOnly], server(), pod({ role: "gateway" }, "other"), false],
        ["the admitted pod on another port", [gatewayOnly], server(8001), pod({ role: "gateway" }), false],
        ["a pod without the labels", [gatewayOnly], server(), pod({ role: "client" }), false],
        ["a pod the policy does not select is not isolated", [gatewayOnly], server(8000, { app: "nginx" }), pod({}), true],
        ["an address: no podSelector peer matches it", [gatewayOnly], server(), { ip: "10.0.0.1" }, false],
        ["Egress-only policies do not isolate ingress", [policy("egress", { podSelector: {}, policyTypes: ["Egress"] })], server(), pod({}), true],
        ["empty from and ports: everything", [policy("open", { podSelector: {}, ingress: [{}] })], server(1234), pod({}, "anywhere"), true],
        ["no ingress rules: nothing", [policy("deny", { podSelector: {}, policyTypes: ["Ingress"] })], server(), pod({ role: "gateway" }), false],
        ["policies add up: either admits", [gatewayOnly, policy("epp", { podSelector: { matchLabels: { app: "vllm" } }, ingress: [{ from: [{ podSelector: { matchLabels: { inferencepool: "x-epp" } } }] }] })], server(), pod({ inferencepool: "x-epp" }), true],
        ["a policy in another namespace does not select", [policy("vllm", { podSelector: {}, ingress: [] }, "other")], server(), pod({}), true],
    ];
    for (const [what, policies, destination, source, admitted] of cases) assert.equal(admits(policies, destination, source).admitted, admitted, what);
    const answer = admits([gatewayOnly], server(), pod({ role: "gateway" }));
    assert.deepEqual([answer.selecting.map((p) => p.metadata.name), answer.admittedBy.map((p) => p.metadata.name)], [["vllm"], ["vllm"]]);
});

test("NetworkPolicy: podSelector and namespaceSelector are AND-ed in one peer, OR-ed across peers; expressions", () => {
    const monitoring = { "kubernetes.io/metadata.name": "gmp-system" };
    const anded = policy("and", { podSelector: {}, ingress: [{ from: [{ namespaceSelector: { matchLabels: monitoring }, podSelector: { matchLabels: { app: "collector" } } }] }] });
    const ored = policy("or", { podSelector: {}, ingress: [{ from: [{ namespaceSelector: { matchLabels: monitoring } }, { podSelector: { matchLabels: { app: "collector" } } }] }] });
    assert.equal(admits([anded], server(), pod({ app: "collector" }, "gmp-system")).admitted, true);
    assert.equal(admits([anded], server(), pod({}, "gmp-system")).admitted, false);
    assert.equal(admits([anded], server(), pod({ app: "collector" }, "serving")).admitted, false);
    assert.equal(admits([ored], server(), pod({}, "gmp-system")).admitted, true);
    assert.equal(admits([ored], server(), pod({ app: "collector" }, "serving")).admitted, true);
    assert.equal(admits([ored], server(), pod({ app: "collector" }, "other")).admitted, false);

    const byExpression = (operator: string, values?: string[]) =>
        policy(operator, { podSelector: {}, ingress: [{ from: [{ namespaceSelector: { matchExpressions: [{ key: "team", operator, ...(values === undefined ? {} : { values }) }] } }] }] });
    const from = (labels: Record<string, string>) => pod({}, "ns", labels);
    const table: [KubeObject, Record<string, string>, boolean][] = [
        [byExpression("In", ["a", "b"]), { team: "a" }, true],
        [byExpression("In", ["a", "b"]), { team: "c" }, false],
        [byExpression("In", ["a", "b"]), {}, false],
        [byExpression("NotIn", ["a"]), { team: "b" }, true],
        [byExpression("NotIn", ["a"]), {}, true],
        [byExpression("NotIn", ["a"]), { team: "a" }, false],
        [byExpression("Exists"), { team: "" }, true],
        [byExpression("Exists"), {}, false],
        [byExpression("DoesNotExist"), {}, true],
        [byExpression("DoesNotExist"), { team: "a" }, false],
    ];
    for (const [p, labels, admitted] of table) assert.equal(admits([p], server(), from(labels)).admitted, admitted, `${p.metadata.name} ${JSON.stringify(labels)}`);
    assert.throws(() => admits([byExpression("Matches", ["a"])], server(), from({ team: "a" })), /operator Matches does not exist/);
});

test("NetworkPolicy: ipBlock with except, named ports, port ranges, protocols", () => {
    const blocks = policy("blocks", { podSelector: {}, ingress: [{ from: [{ ipBlock: { cidr: "10.0.0.0/16", except: ["10.0.5.0/24"] } }] }] });
    assert.equal(admits([blocks], server(), { ip: "10.0.1.1" }).admitted, true);
    assert.equal(admits([blocks], server(), { ip: "10.0.5.7" }).admitted, false);
    assert.equal(admits([blocks], server(), { ip: "192.0.2.1" }).admitted, false);
    assert.equal(admits([blocks], server(), pod({})).admitted, false, "a pod without an address is no ipBlock source");
    const ports = (entry: Record<string, unknown>) => policy("ports", { podSelector: {}, ingress: [{ ports: [entry] }] });
    assert.equal(admits([ports({ port: "http" })], server(8000), pod({})).admitted, true);
    assert.equal(admits([ports({ port: "http" })], server(9090), pod({})).admitted, false);
    assert.equal(admits([ports({ port: "grpc" })], server(8000), pod({})).admitted, false, "a name the pod does not have");
    assert.equal(admits([ports({ port: 8000, endPort: 8010 })], server(8005), pod({})).admitted, true);
    assert.equal(admits([ports({ port: 8000, endPort: 8010 })], server(8011), pod({})).admitted, false);
    assert.equal(admits([ports({ protocol: "UDP", port: 8000 })], server(8000), pod({})).admitted, false);
    assert.equal(admits([ports({ protocol: "TCP" })], server(4321), pod({})).admitted, true);
    assert.deepEqual(["10.129.0.0/23", "35.191.0.0/16", "10.1.2.3/32"].map(addressIn), ["10.129.0.1", "35.191.0.1", "10.1.2.3"]);
});

test("PromQL: the metric names a query selects, not its functions, labels, strings or groupings", () => {
    const cases: [string, string[]][] = [
        ['histogram_quantile(0.95, sum by (le) (rate(vllm:time_to_first_token_seconds_bucket{job="vllm-x",namespace="ns"}[5m])))', ["vllm:time_to_first_token_seconds_bucket"]],
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

test("the chart model renders what the templates render, reading only values the templates read at the tag", () => {
    const release = (chart: string, values: Record<string, unknown>) => ({ chart: `oci://registry.k8s.io/gateway-api-inference-extension/charts/${chart}`, version: "v1.0.0", name: "llama", namespace: "serving", values });
    /** `values`, recording into `read` every path the model reads. */
    const recording = (value: unknown, read: string[], at = ""): unknown =>
        typeof value !== "object" || value === null || Array.isArray(value)
            ? value
            : new Proxy(value as object, {
                  get: (target, key: string) => {
                      const here = at === "" ? key : `${at}.${key}`;
                      read.push(here);
                      return recording((target as Record<string, unknown>)[key], read, here);
                  },
              });
    const poolValues = { provider: { name: "gke" }, inferencePool: { modelServers: { matchLabels: { app: "vllm-llama" } }, targetPorts: [{ number: 8000 }] } };
    const charts: [string, Record<string, unknown>][] = [["inferencepool", poolValues], ["body-based-routing", { provider: { name: "gke" }, bbr: { name: "bbr" } }]];
    const read: Record<string, string[]> = {};
    for (const [chart, values] of charts) {
        read[chart] = [];
        chartObjects(release(chart, recording(values, read[chart]) as Record<string, unknown>));
        // The templates' own list (tools/chartValuesRead.ts over the chart at v1.0.0); a path read
        // on the way to one of them is fine.
        const file = path.join(REPO_ROOT, "components/plan/charts", `${chart}@v1.0.0.json`);
        const paths = (JSON.parse(fs.readFileSync(file, "utf8")) as { paths: { path: string }[] }).paths.map((p) => p.path);
        for (const p of read[chart]) assert.ok(paths.some((known) => known === p || known.startsWith(`${p}.`)), `${chart}: the model reads ${p}, which no template reads at v1.0.0`);
    }
    const pool = chartObjects(release("inferencepool", poolValues));
    assert.ok(read["inferencepool"].includes("inferencePool.modelServers.matchLabels") && read["inferencepool"].includes("inferencePool.targetPorts"));
    const byKind = Object.fromEntries((pool ?? []).map((o) => [o.kind, o]));
    assert.deepEqual(Object.keys(byKind).sort(), ["ClusterPodMonitoring", "Deployment", "HealthCheckPolicy", "InferencePool", "Service", "ServiceAccount"]);
    assert.deepEqual(byKind["InferencePool"].spec, { targetPorts: [{ number: 8000 }], selector: { matchLabels: { app: "vllm-llama" } }, endpointPickerRef: { name: "llama-epp", port: { number: 9002 } } });
    assert.deepEqual(byKind["Service"].spec.selector, { inferencepool: "llama-epp" });
    assert.equal(byKind["HealthCheckPolicy"].spec.default.config.httpHealthCheck.port, 8000, "targetPortNumber's default");
    assert.equal(byKind["Deployment"].spec.template.spec.containers[0].image, "registry.k8s.io/gateway-api-inference-extension/epp:v1.0.0");
    assert.equal(endpointPickerName(`${"A".repeat(45)}`), `${"a".repeat(40)}-epp`, "lower-cased and cut to 40");
    assert.equal(chartObjects({ ...release("inferencepool", {}), version: "v9.9.9" }), undefined);
    assert.equal(chartObjects({ ...release("inferencepool", {}), chart: "oci://example/charts/other" }), undefined);
    // An object the stack already holds (a preview's own expansion) is kept as it is.
    const own: KubeObject = { apiVersion: "inference.networking.k8s.io/v1", kind: "InferencePool", metadata: { name: "llama", namespace: "serving" }, spec: { targetPorts: [{ number: 1 }] } };
    const { objects, unmodelled } = withChartObjects([own], [release("inferencepool", poolValues), { ...release("inferencepool", poolValues), version: "v0.1.0" }]);
    assert.equal(objects.filter((o) => o.kind === "InferencePool").length, 1);
    assert.equal(objects.find((o) => o.kind === "InferencePool"), own);
    assert.deepEqual(unmodelled.map((r) => r.version), ["v0.1.0"]);
});

test("upstream facts carry the commit of their tag, agreeing with the release lines read elsewhere", () => {
    const commits: Record<string, string> = {};
    for (const line of Object.values(RELEASE_LINES)) commits[line.source.tag] = line.source.commit;
    for (const [tag, commit] of Object.entries(MODELLED_CHART_TAGS)) if (commits[tag] !== undefined) assert.equal(commit, commits[tag], tag);
    for (const fact of BBR_MODEL_HEADER_TAGS) {
        assert.equal(fact.commit, MODELLED_CHART_TAGS[fact.tag], `BBR ${fact.tag}`);
        assert.equal(fact.modelHeader, "X-Gateway-Model-Name", `${fact.file}:${fact.line} at ${fact.tag}`);
    }
    for (const tag of Object.keys(MODELLED_CHART_TAGS)) {
        for (const component of ["epp", "bbr"]) {
            const { list } = metricListOf(`registry.k8s.io/gateway-api-inference-extension/${component}`, tag);
            assert.equal(list?.commit, MODELLED_CHART_TAGS[tag], `${component} metrics at ${tag}`);
        }
    }
    // A few entries checked against vllm/v1/metrics/loggers.py at v0.11.0 (b8b302cd).
    const vllm = metricListOf("vllm/vllm-openai", "v0.11.0").list;
    assert.equal(vllm?.commit, "b8b302cde434df8c9289a2b465406b47ebab1c2d");
    const byName = new Map(vllm?.metrics.map((m) => [m.name, m]));
    assert.deepEqual(byName.get("vllm:num_requests_waiting"), { name: "vllm:num_requests_waiting", type: "gauge", file: "vllm/v1/metrics/loggers.py", line: 199 });
    assert.equal(byName.get("vllm:gpu_cache_usage_perc")?.requires, "--show-hidden-metrics-for-version");
    assert.deepEqual(seriesOf(byName.get("vllm:request_success")!, vllm!.client), ["vllm:request_success_total"]);
    assert.equal(metricListOf("vllm/vllm-openai", "v0.12.0").known, true);
    assert.equal(metricListOf("vllm/vllm-openai", "v0.12.0").list, undefined);
});
