/**
 * The release lines against the charts at their tags: every key a values schema accepts and
 * every value the program sets is a `.Values` path a template of that chart reads at that tag
 * (the lists in facts/, extracted with tools/chartReads.ts from
 * kubernetes-sigs/gateway-api-inference-extension at the commit they name), and what the plan
 * makes of what those templates render. The lists and the facts read from templates are read
 * again from the module proxy's archive of each tag (or, with INFERENCE_EXTENSION_GIT_DIR set to a
 * clone's git directory, from the tag there, with its commit).
 */
import assert from "node:assert/strict";
import test from "node:test";
import {
    GATEWAY_PROVIDERS,
    GatewayProviderName,
    RELEASE_LINES,
    ServingConfig,
    inferencePoolValues,
    planServing,
    poolChartProvider,
    unreadPaths,
} from "../components";
import { chartReads, chartReadsMissing, chartTemplates } from "../tools/chartReads";
import { NETWORK_POLICY } from "./helpers/plannedModels";
import { extensionAt, extensionMissing, leaves, passedWhole, schemaPaths, valuesRead } from "./helpers/valuesPaths";

const CHART_KEYS = ["inferencePool", "bodyBasedRouting"] as const;

/** Every path a values object sets, with `[]` for list items, stopping where the chart passes
 * a value on whole. */
function valuePaths(value: unknown, whole: string[], at = ""): string[] {
    if (at !== "" && whole.includes(at)) return [at];
    if (Array.isArray(value)) return value.flatMap((item) => valuePaths(item, whole, `${at}[]`));
    if (typeof value === "object" && value !== null) {
        return Object.entries(value).flatMap(([key, v]) => valuePaths(v, whole, at === "" ? key : `${at}.${key}`));
    }
    return [at];
}

/** The values at a read path such as `inferencePool.targetPorts[].number`. */
function valuesAt(values: unknown, readPath: string): unknown[] {
    return readPath.split(".").reduce<unknown[]>(
        (current, segment) => {
            const list = segment.endsWith("[]");
            const key = list ? segment.slice(0, -2) : segment;
            const next = current.map((v) => (v as Record<string, unknown> | undefined)?.[key]).filter((v) => v !== undefined);
            return list ? next.flatMap((v) => v as unknown[]) : next;
        },
        [values],
    );
}

const cluster = { project: "my-gcp-project", location: "us-central1-a", name: "inference-cluster" };
function planFor(provider: GatewayProviderName, extra: Partial<ServingConfig> = {}) {
    return planServing({
        cluster,
        networkPolicy: NETWORK_POLICY,
        provider: { name: provider, gatewayClassName: provider === "other" ? "example" : undefined },
        models: [{ name: "meta-llama/Llama-3.1-8B-Instruct" }],
        ...extra,
    });
}

for (const line of Object.values(RELEASE_LINES)) {
    test(`${line.version}: the values-read lists were extracted from the tag the line is read at`, () => {
        for (const key of CHART_KEYS) {
            const data = valuesRead(line[key].valuesReadFile);
            assert.deepEqual(
                [data.repository, data.tag, data.commit, data.chart, data.extractedBy],
                [line.source.repository, line.source.tag, line.source.commit, line[key].chartDir, "tools/chartReads.ts"],
            );
            assert.ok(data.paths.length > 5, `${key}: ${data.paths.length} paths`);
        }
    });

    test(`${line.version}: each values schema accepts exactly the paths its chart's templates read`, () => {
        for (const key of CHART_KEYS) {
            const { paths } = valuesRead(line[key].valuesReadFile);
            const whole = passedWhole(paths);
            assert.deepEqual(leaves(schemaPaths(line[key].valuesSchema, whole)), leaves(paths.map((p) => p.path)), key);
            for (const unread of Object.keys(line[key].unreachablePaths)) {
                assert.ok(
                    paths.some((p) => p.path === unread),
                    `${key}: unreachable ${unread} is not read at all`,
                );
            }
        }
    });

    test(`${line.version}: every value the program sets is read by that chart's templates, for every provider`, () => {
        const read = (key: (typeof CHART_KEYS)[number]) => valuesRead(line[key].valuesReadFile).paths;
        for (const provider of Object.keys(GATEWAY_PROVIDERS) as GatewayProviderName[]) {
            const plan = planFor(provider, { charts: { inferencePool: { version: line.version }, bodyBasedRouting: { version: line.version } } });
            const releases = { inferencePool: plan.models[0].poolValues, bodyBasedRouting: plan.bodyBasedRoutingChart.values };
            for (const key of CHART_KEYS) {
                const paths = read(key);
                const readPaths = new Set(paths.map((p) => p.path));
                const set = valuePaths(releases[key], passedWhole(paths));
                for (const p of set) assert.ok(readPaths.has(p), `${provider}: ${key} sets ${p}, which no ${line.version} template reads`);
                const chartProvider = String((releases[key]["provider"] as { name: string }).name);
                // A value read only by one provider's template (templates/gke.yaml, istio.yaml) is
                // set only for that provider: Helm would ignore it for the others. (provider.name
                // itself is what those templates test.)
                for (const p of set.filter((path) => path !== "provider.name")) {
                    const files = paths.find((r) => r.path === p)?.files ?? [];
                    const rendered = files.filter((f) => !/^templates\/(gke|istio)\.yaml$/.test(f) || f === `templates/${chartProvider}.yaml`);
                    assert.ok(
                        rendered.length > 0,
                        `${provider}: ${key} sets ${p}, read only by ${files.join(", ")}, which provider.name ${chartProvider} does not render`,
                    );
                }
                for (const p of Object.keys(unreadPaths(line[key], chartProvider))) {
                    assert.ok(!set.includes(p), `${provider}: ${key} sets ${p}, which Helm ignores for provider.name ${chartProvider}`);
                }
            }
        }
    });

    test(`${line.version}: the EPP's flags are read as the line's shape says`, () => {
        const flags = valuesRead(line.inferencePool.valuesReadFile).paths.find((p) => p.path === "inferenceExtension.flags");
        assert.deepEqual(flags?.read, [line.inferencePool.flagsShape]);
        const other = line.inferencePool.flagsShape === "list" ? { v: 2 } : [{ name: "v", value: 2 }];
        assert.equal(line.inferencePool.valuesSchema.safeParse({ inferenceExtension: { flags: other } }).success, false, "the other shape is refused");
    });

    test(`${line.version}: the pool targets the vLLM port through the key a v1 pool reads, and GKE's health check too`, () => {
        const { paths } = valuesRead(line.inferencePool.valuesReadFile);
        const readBy = (p: string) => paths.find((r) => r.path === p)?.files ?? [];
        // templates/inferencepool.yaml: `range .Values.inferencePool.targetPorts` → `number: {{ .number }}`.
        const poolPort = `${line.inferencePool.targetPortsPath}[].number`;
        assert.ok(readBy(poolPort).includes("templates/inferencepool.yaml"));
        const healthCheckPort = line.inferencePool.providers["gke"].healthCheckPortPath;
        // Where GKE's HealthCheckPolicy has no key of its own, it probes the pool's first target port.
        assert.ok(readBy(healthCheckPort ?? poolPort).includes("templates/gke.yaml"));
        const base = { metricsTokenSecret: { name: "s", namespace: "ns" }, scrapeInterval: "15s", matchLabels: { app: "vllm-x" } };
        for (const port of [8000, 8123]) {
            const none = inferencePoolValues(line.inferencePool, { ...base, targetPort: port, provider: "none" });
            assert.deepEqual(valuesAt(none, poolPort), [port]);
            const gke = inferencePoolValues(line.inferencePool, { ...base, targetPort: port, provider: "gke" });
            assert.deepEqual(valuesAt(gke, poolPort), [port]);
            if (healthCheckPort === undefined) continue;
            assert.deepEqual(valuesAt(none, healthCheckPort), [], "only GKE's HealthCheckPolicy reads it");
            assert.deepEqual(valuesAt(gke, healthCheckPort), [port]);
        }
    });

    test(`${line.version}: the values the plan sets for the EPP's monitor are ones the chart reads at the tag`, () => {
        // (That each EPP then has one working monitor and one DestinationRule, the chart's or the
        // program's, the consistency check says of every line's run: test/releaseLineStacks.test.ts.)
        const { paths } = valuesRead(line.inferencePool.valuesReadFile);
        const read = new Set(paths.map((p) => p.path));
        const charts = { charts: { inferencePool: { version: line.version }, bodyBasedRouting: { version: line.version } }, namespace: "serving" };
        for (const provider of Object.keys(GATEWAY_PROVIDERS) as GatewayProviderName[]) {
            const values = planFor(provider, charts).models[0].poolValues;
            const metrics = line.inferencePool.providers[poolChartProvider(line.inferencePool, GATEWAY_PROVIDERS[provider])].endpointPickerMetrics;
            for (const [p, value] of Object.entries(metrics.values)) {
                assert.ok(read.has(p), `${provider}: ${p} is read by the chart`);
                assert.deepEqual(valuesAt(values, p), [value], `${provider}: ${p}`);
            }
            for (const p of [metrics.tokenSecret?.namePath, metrics.tokenSecret?.namespacePath, metrics.intervalPath].filter(
                (x): x is string => x !== undefined,
            )) {
                assert.ok(read.has(p), `${provider}: ${p} is read by the chart`);
            }
            // config's scrape interval reaches the chart's monitor.
            if (metrics.intervalPath !== undefined) assert.deepEqual(valuesAt(values, metrics.intervalPath), ["15s"]);
        }
    });
}

test("the extraction follows with, range, hasKey and helpers, skips strings, and stops on what it cannot follow", { skip: chartReadsMissing() }, () => {
    const templates = new Map([
        [
            "templates/a.yaml",
            [
                '{{- define "x.name" -}}{{ .Release.Name | trunc 40 }}-epp{{- end -}}',
                '{{- if (hasKey .Values.ext "custom") }}{{ .Values.ext.custom | toYaml }}{{- end }}',
                "{{- with .Values.ext.env }}env: {{- toYaml . | nindent 8 }}{{- end }}",
                '{{- range .Values.ext.flags }}- "--{{ .name }}={{ .value }}"{{- end }}',
                "{{- range $k, $v := .Values.pool.labels }}{{ $k }}: {{ quote $v }}{{- end }}",
                '{{- if eq (lower .Values.provider.name) "gke" }}{{ fail ".Values.not.read is required" }}{{- end }}',
                '{{ include "x.name" . }}',
            ].join("\n"),
        ],
    ]);
    assert.deepEqual(
        chartReads(templates).map((p) => `${p.path} ${p.read.join(",")}`),
        [
            "ext test",
            "ext.custom subtree,test",
            "ext.env subtree,test",
            "ext.flags list",
            "ext.flags[].name value",
            "ext.flags[].value value",
            "pool.labels map",
            "provider.name test",
        ],
    );
    // Variables hold paths, read where they are used; `index` with literal keys is a field chain;
    // `.Values` inside `range` is a field of the item; `range $i := until n` reads n.
    assert.deepEqual(
        chartReads(
            new Map([
                [
                    "t.yaml",
                    [
                        '{{- $dr := (index .Values "provider" "istio") | default (dict) -}}',
                        '{{ (index $dr "host") | default "x" }}',
                        "{{- $port := .Values.pool.port }}{{- if .Values.pool.ports }}{{- $port = (index .Values.pool.ports 0).number }}{{- end }}{{ $port }}",
                        "{{- range .Values.objectives }}{{ .Values.apiVersion }}{{- end }}",
                        "{{- range $i := until (int .Values.servers.count) }}{{ $.Values.servers.port }}{{- end }}",
                    ].join("\n"),
                ],
            ]),
        ).map((p) => `${p.path} ${p.read.join(",")}`),
        [
            "objectives list",
            "objectives[].Values.apiVersion value",
            "pool.port value",
            "pool.ports test",
            "pool.ports[].number value",
            "provider.istio.host value",
            "servers.count value",
            "servers.port value",
        ],
    );
    // The constructs of llm-d-router v0.10.0's routerlib: a copy of a map and a key set in it, a
    // comparison, an item appended, `index` by a variable key and nested, a merge of paths under one
    // prefix, `untilStep`, `required` discarded, and a helper no template calls (it reads nothing).
    assert.deepEqual(
        chartReads(
            new Map([
                [
                    "t.yaml",
                    [
                        '{{- $flags := deepCopy (.Values.epp.flags | default dict) }}{{- $_ := set $flags "secure-serving" .Values.epp.secure }}{{ index $flags "secure-serving" }}',
                        "{{- $pool := ne .Values.pool.create false }}",
                        "{{- $ports := list }}{{- range .Values.pool.ports }}{{- $ports = append $ports (toString .number) }}{{- end }}",
                        '{{- $proxy := deepCopy (.Values.proxy | default dict) }}{{- $kind := include "kind" . }}{{- $preset := deepCopy ((index $proxy.presets $kind) | default dict) }}{{- $all := mergeOverwrite $preset $proxy }}{{- $x := index $all "args" }}',
                        '{{- with (index (index $flags "tls") "mode") }}{{ . }}{{- end }}',
                        "{{- range $i := untilStep 1 (int .Values.replicas) 1 }}{{ $i }}{{- end }}",
                        '{{- $_ := required "cpu" .Values.epp.cpu }}',
                        '{{- define "unused" }}{{ .Values.proxy.port }}{{ .path }}{{- end }}',
                    ].join("\n"),
                ],
            ]),
        ).map((p) => `${p.path} ${p.read.join(",")}`),
        [
            "epp.cpu value",
            "epp.flags.secure-serving value",
            "epp.flags.tls.mode test,value",
            "epp.secure value",
            "pool.create value",
            "pool.ports list",
            "pool.ports[].number value",
            "proxy subtree",
            "replicas value",
        ],
    );
    // What the parse trees give beyond that: the outer dot in `else`, `hasKey` and fields on a
    // variable, the variables `range` declares, a `block`, a helper two files define, a variable
    // a block shadows (the outer one holds after it), and `get` and `dig` with literal keys.
    assert.deepEqual(
        chartReads(
            new Map([
                [
                    "t.yaml",
                    [
                        "{{- with .Values.a }}{{ .b }}{{- else }}{{ .Values.c }}{{- end }}",
                        '{{- $m := .Values.m }}{{- if hasKey $m "k" }}{{ $m.k }}{{- end }}',
                        "{{- range $i, $p := .Values.ports }}{{ $p.number }}{{- end }}",
                        "{{- range $s := .Values.servers }}{{ $s.name }}{{- end }}",
                        '{{- block "b" . }}{{ .Values.x }}{{- end }}{{ include "h" . }}',
                        "{{- $s := .Values.outer }}{{- if .Values.on }}{{- $s := .Values.inner }}{{ $s.i }}{{- end }}{{ $s.o }}",
                        '{{ get .Values.g "k" }}{{- $d := dig "p" "q" (dict) .Values.d }}{{ $d.r }}',
                    ].join("\n"),
                ],
                ["lib/_h.tpl", '{{- define "h" }}{{ .Values.y }}{{- end }}'],
                ["_h.tpl", '{{- define "h" }}{{ .Values.y }}{{- end }}'],
            ]),
        ).map((p) => `${p.path} ${p.read.join(",")} ${p.files.join(",")}`),
        [
            "a test t.yaml",
            "a.b value t.yaml",
            "c value t.yaml",
            "d.p.q.r value t.yaml",
            "g.k value t.yaml",
            "inner.i value t.yaml",
            "m test t.yaml",
            "m.k test,value t.yaml",
            "on test t.yaml",
            "outer.o value t.yaml",
            "ports map t.yaml",
            "ports.*.number value t.yaml",
            "servers list t.yaml",
            "servers[].name value t.yaml",
            "x value t.yaml",
            "y value _h.tpl,lib/_h.tpl",
        ],
    );
    assert.throws(() => chartReads(new Map([["t.yaml", '{{ with .Values.a }}{{ include "h" . }}{{ end }}']])), /include with another context than the root/);
    assert.throws(
        () => chartReads(new Map([["t.yaml", '{{ $p := printf "%s" .Values.a }}']])),
        /t.yaml:1:.*a variable set from an expression over a values path/,
    );
    assert.throws(() => chartReads(new Map([["t.yaml", "{{ .name }}"]])), /root context/);
    assert.throws(() => chartReads(new Map([["t.yaml", "{{ if .Values.a }}"]])), /unexpected EOF/);
});

const LINES = Object.values(RELEASE_LINES);
test(
    "each tag read again: the committed lists as Go's template parser reads them, and the rights and identities the charts give",
    { skip: chartReadsMissing() ?? extensionMissing(LINES.map((line) => line.source.tag)) },
    () => {
        for (const line of LINES) {
            const tree = extensionAt(line.source.tag, line.source.commit);
            for (const key of CHART_KEYS) {
                const templates = chartTemplates(tree, line[key].chartDir);
                assert.deepEqual(chartReads(templates), valuesRead(line[key].valuesReadFile).paths, `${line.version} ${key}`);
                // Each flag refused in `flags` because the chart sets it is one its templates pass.
                const text = [...templates.values()].join("\n");
                for (const flag of line[key].chartFlags) assert.match(text, new RegExp(`- "?--${flag}(?![-\\w])`), `${line.version} ${key}: --${flag}`);
                // The rights an authenticated /metrics needs, granted by the chart to its component:
                // BBR's are what its line says; the EPP's wherever the program's monitor relies on them.
                const grantsReviews = [...templates.values()].some((t) => /tokenreviews/.test(t) && /subjectaccessreviews/.test(t));
                const relied =
                    key === "bodyBasedRouting"
                        ? line.bodyBasedRouting.metricsAuthorizedByChart
                        : Object.values(line.inferencePool.providers).some((p) => p.endpointPickerMetrics.authenticated === true);
                if (relied || key === "bodyBasedRouting") assert.equal(grantsReviews, relied, `${line.version} ${key}`);
            }
            // What the line says the inferencepool chart renders per provider, in its templates.
            const pool = [...chartTemplates(tree, line.inferencePool.chartDir).values()];
            const withAll = (...needles: string[]) => pool.some((t) => needles.every((n) => t.includes(n)));
            for (const [provider, objects] of Object.entries(line.inferencePool.providers)) {
                const where = `${line.version} ${provider}`;
                if (objects.endpointPickerDestinationRule) assert.ok(withAll(`eq .Values.provider.name "${provider}"`, "kind: DestinationRule"), where);
                const metrics = objects.endpointPickerMetrics;
                const switches = Object.keys(metrics.values).map((p) => `.Values.${p}`);
                if (metrics.monitor === "chart")
                    assert.ok(withAll(...switches, "PodMonitoring") || withAll(...switches, "ClusterPodMonitoring"), `${where}: monitor`);
                if (metrics.authenticated === false) assert.ok(withAll(...switches, "--metrics-endpoint-auth=false"), `${where}: metrics auth off`);
                if (metrics.tokenSecret !== undefined) assert.ok(withAll(`.Values.${metrics.tokenSecret.namePath}`, "authorization"), `${where}: token`);
            }
            // The InferencePool API versions the CRD asset installs (config/crd/kustomization.yaml:
            // one base per group; the v1 pool is `inference.networking.k8s.io`).
            const crds = tree.read("config/crd/kustomization.yaml");
            const pools = [...crds.matchAll(/bases\/(inference\.networking\.(?:x-)?k8s\.io)_inferencepools\.yaml/g)].map((m) => m[1]);
            assert.deepEqual(line.poolApiVersions.map((v) => v.split("/")[0]).sort(), pools.sort(), `${line.version} CRDs`);
            const baseModel = line.bodyBasedRouting.baseModelRouting;
            if (baseModel !== undefined) {
                const dir = "pkg/bbr/plugins/basemodelextractor";
                assert.match(tree.read(`${dir}/base_model_to_header.go`), new RegExp(`BaseModelHeader\\s*=\\s*"${baseModel.header}"`));
                assert.match(tree.read(`${dir}/configmap_reconciler.go`), new RegExp(`bbrManagedLabel\\s*=\\s*"${baseModel.configMapLabelKey}"`));
                const store = tree.read(`${dir}/adapters_store.go`);
                assert.match(store, new RegExp(`baseModelKey\\s*=\\s*"${baseModel.baseModelKey}"`));
                assert.match(store, new RegExp(`adaptersKey\\s*=\\s*"${baseModel.adaptersKey}"`));
                assert.match(store, /return ""/, "an unknown name gets the empty string");
            }
        }
    },
);
