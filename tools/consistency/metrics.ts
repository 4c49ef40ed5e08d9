/**
 * Dashboards, autoscalers and Endpoint Pickers read only what the stack's pods export: every
 * metric a dashboard's PromQL names, and every metric an HPA scales on, must be a series that the
 * pinned vLLM, EPP or BBR registers (the lists read at their tags, upstreamFacts.ts), or a GKE
 * system metric of GPU containers; an HPA's metric must come from the pods it scales, and
 * something must scrape them; each metric an EPP scrapes from its pool's servers (its flags, or
 * their defaults at its tag) must be one they export.
 */
import {
    ContainerAt,
    argvOf,
    Finding,
    KubeObject,
    ObjectRef,
    PodTemplate,
    RenderedStack,
    containersOf,
    describe,
    find,
    imageOf,
    namespaceOf,
    ofKind,
    podTemplates,
    refOf,
} from "./objects";
import { flagValues, modelServersOf, runsVllm } from "./modelServers";
import { monitors, scrapeTargets } from "./ports";
import {
    ADAPTER_METRIC_PATTERN,
    EPP_SCRAPE_ONLY_WITH,
    GKE_GPU_CONTAINER_METRICS,
    MetricList,
    UpstreamMetric,
    eppScrapeFact,
    metricListOf,
    seriesOf,
} from "./upstreamFacts";
import { endpointPickerOf, poolTemplates } from "./workloads";

/** PromQL words that are not metric names: keywords, set operators and literals. */
const PROMQL_WORDS = new Set(["by", "without", "on", "ignoring", "group_left", "group_right", "bool", "offset", "and", "or", "unless", "atan2", "inf", "nan"]);

/**
 * The metric names a PromQL expression selects: strings, label matchers (`{...}`), ranges
 * (`[...]`), grouping lists (`by (...)`) and `offset` durations are set aside; what remains are
 * words, and a word is a metric name unless it calls a function (`rate(`) or is a keyword. A
 * `__name__` matcher names its metric too.
 */
export function metricNamesIn(query: string): string[] {
    const names: string[] = [];
    for (const m of query.matchAll(/__name__\s*=\s*"([^"]+)"/g)) names.push(m[1]);
    const stripped = query
        .replace(/"(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*'|`[^`]*`/g, " ")
        .replace(/\{[^}]*\}/g, " ")
        .replace(/\[[^\]]*\]/g, " ")
        .replace(/\b(by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)/g, " ")
        .replace(/\boffset\s+-?\w+/g, " ");
    for (const m of stripped.matchAll(/([A-Za-z_:][A-Za-z0-9_:]*)(\s*\()?/g)) {
        if (m[2] === undefined && !PROMQL_WORDS.has(m[1].toLowerCase())) names.push(m[1]);
    }
    return [...new Set(names)];
}

/** A series a pod template exports, and the upstream metric it comes from. */
interface Exported {
    series: string;
    metric: UpstreamMetric;
    list: MetricList;
}

/** The containers of a template that run a component's server: vLLM's (see `runsVllm`), or an
 * image's own entry point (no `command`), as the charts run the EPP and BBR. A container with a
 * command of its own in a component's image (the adapter fetcher in vLLM's) registers none of
 * its metrics. */
function componentContainers(template: PodTemplate): ContainerAt[] {
    return containersOf(template).filter(({ container }) => runsVllm(container) || container.command === undefined || container.command.length === 0);
}

/** The series a template's containers export; `unknown` lists the containers of known components
 * whose tag has no list yet. */
function exportedBy(stack: RenderedStack, template: PodTemplate): { series: Exported[]; unknown: { image: string; at: ObjectRef }[] } {
    const series: Exported[] = [];
    const unknown: { image: string; at: ObjectRef }[] = [];
    const servers = modelServersOf(stack, template);
    for (const { container, path } of componentContainers(template)) {
        const image = imageOf(container);
        const { known, list } = metricListOf(image.repository, image.tag);
        if (list === undefined) {
            if (known) unknown.push({ image: `${image.repository}:${image.tag ?? "(no tag)"}`, at: refOf(template.owner, `${path}.image`) });
            continue;
        }
        const argv = servers.find((s) => s.container.path === path)?.argv ?? [];
        for (const metric of list.metrics) {
            if (metric.when !== undefined || (metric.requires !== undefined && flagValues(argv, metric.requires) === undefined)) continue;
            for (const name of seriesOf(metric, list.client)) series.push({ series: name, metric, list });
        }
    }
    return { series, unknown };
}

function requestsGpus(template: PodTemplate): boolean {
    return containersOf(template).some(
        ({ container }) => container.resources?.limits?.["nvidia.com/gpu"] !== undefined || container.resources?.requests?.["nvidia.com/gpu"] !== undefined,
    );
}

/** Every `prometheusQuery` in a dashboard, with its path. */
function queriesOf(value: unknown, path = ""): { query: string; path: string }[] {
    if (Array.isArray(value)) return value.flatMap((item, i) => queriesOf(item, `${path}[${i}]`));
    if (typeof value !== "object" || value === null) return [];
    return Object.entries(value).flatMap(([key, child]) =>
        key === "prometheusQuery" && typeof child === "string"
            ? [{ query: child, path: `${path}.${key}`.replace(/^\./, "") }]
            : queriesOf(child, `${path}.${key}`),
    );
}

function hpaFindings(stack: RenderedStack, hpa: KubeObject): Finding[] {
    const findings: Finding[] = [];
    const target = hpa["spec"]?.scaleTargetRef ?? {};
    const workload = find(stack, String(target.kind), namespaceOf(hpa), String(target.name));
    const template = podTemplates(stack).find((t) => t.owner === workload);
    ((hpa["spec"]?.metrics ?? []) as { type: string; pods?: { metric: { name: string } } }[]).forEach((entry, i) => {
        if (entry.type !== "Pods" || entry.pods === undefined || template === undefined) return;
        const at = refOf(hpa, `spec.metrics[${i}].pods.metric.name`);
        const name = entry.pods.metric.name;
        const parsed = ADAPTER_METRIC_PATTERN.exec(name);
        const exported = exportedBy(stack, template).series;
        const matches =
            parsed !== null &&
            exported.some((e) => e.metric.type === parsed[2] && (parsed[2] === "histogram" ? e.metric.name === parsed[1] : e.series === parsed[1]));
        if (!matches) {
            const lists = [...new Set(exported.map((e) => `${e.list.repository}@${e.list.tag}`))];
            findings.push({
                rule: "metrics",
                message: `${describe(refOf(hpa))} scales on ${name}, which the pods of ${describe(refOf(template.owner))} do not export${parsed === null ? " (not a prometheus.googleapis.com|<name>|<kind> name)" : ""} (read: ${lists.join(", ") || "no metric list"})`,
                objects: [at, refOf(template.owner, `${template.specPath}.containers`)],
            });
        }
        if (!monitors(stack).some((m) => scrapeTargets(stack, m).some((s) => s.template.owner === template.owner))) {
            findings.push({
                rule: "metrics",
                message: `${describe(refOf(hpa))} scales on ${name}, but no monitor scrapes ${describe(refOf(template.owner))}`,
                objects: [at, refOf(template.owner)],
            });
        }
    });
    return findings;
}

/** What each pool's Endpoint Picker scrapes that the pool's servers do not export: the value of
 * each metric flag of the EPP's tag (its argument, else the default; an empty one scrapes
 * nothing), its label selector cut. Pools whose servers' metrics were not read are skipped. */
function endpointPickerScrapeFindings(stack: RenderedStack): Finding[] {
    const findings: Finding[] = [];
    for (const pool of ofKind(stack, "InferencePool")) {
        const templates = poolTemplates(stack, pool);
        const exported = templates.map((t) => exportedBy(stack, t));
        if (templates.length === 0 || exported.some((e) => e.unknown.length > 0 || e.series.length === 0)) continue;
        const series = new Set(exported.flatMap((e) => e.series.map((s) => s.series)));
        const serverArgs = templates.flatMap((t) => modelServersOf(stack, t).flatMap((s) => s.argv));
        for (const { container, path, template } of endpointPickerOf(stack, pool)?.containers ?? []) {
            const fact = eppScrapeFact(imageOf(container).tag);
            const argv = argvOf(container);
            for (const [flag, byDefault] of Object.entries(fact?.flags ?? {})) {
                const needs = EPP_SCRAPE_ONLY_WITH[flag];
                const metric = (flagValues(argv, `--${flag}`)?.at(-1) ?? byDefault).replace(/\{.*\}$/, "");
                if (metric === "" || series.has(metric) || (needs !== undefined && !serverArgs.includes(needs))) continue;
                findings.push({
                    rule: "metrics",
                    message: `${describe(refOf(template.owner))}, the Endpoint Picker of ${describe(refOf(pool))}, scrapes ${metric} (--${flag}${metric === byDefault ? `, its default at ${fact?.tag}` : ""}), which the pool's servers do not export: it picks endpoints without it`,
                    objects: [refOf(template.owner, `${path}.args`), ...templates.map((t) => refOf(t.owner, `${t.specPath}.containers`))],
                });
            }
        }
    }
    return findings;
}

/** Every metrics finding. */
export function metricFindings(stack: RenderedStack): Finding[] {
    const findings: Finding[] = [];
    const templates = podTemplates(stack);
    const perTemplate = templates.map((t) => exportedBy(stack, t));
    const hpas = ofKind(stack, "HorizontalPodAutoscaler");
    if (stack.dashboards.length > 0 || hpas.length > 0) {
        for (const { image, at } of perTemplate.flatMap((e) => e.unknown)) {
            findings.push({
                rule: "metrics",
                message: `${describe(at)} runs ${image}, whose metrics were not read at that tag, so dashboards and autoscalers cannot be checked against it: add its list to facts/`,
                objects: [at],
            });
        }
    }
    const series = new Set([...perTemplate.flatMap((e) => e.series.map((s) => s.series)), ...(templates.some(requestsGpus) ? GKE_GPU_CONTAINER_METRICS : [])]);
    for (const dashboard of stack.dashboards) {
        for (const { query, path } of queriesOf(JSON.parse(dashboard.json))) {
            const names = metricNamesIn(query);
            if (names.length === 0)
                findings.push({
                    rule: "metrics",
                    message: `dashboard ${dashboard.name}: ${JSON.stringify(query)} names no metric`,
                    objects: [{ kind: "Dashboard", name: dashboard.name, path }],
                });
            for (const name of names.filter((n) => !series.has(n))) {
                findings.push({
                    rule: "metrics",
                    message: `dashboard ${dashboard.name} queries ${name}, which nothing in the stack exports (${JSON.stringify(query)})`,
                    objects: [{ kind: "Dashboard", name: dashboard.name, path }],
                });
            }
        }
    }
    for (const hpa of hpas) findings.push(...hpaFindings(stack, hpa));
    findings.push(...endpointPickerScrapeFindings(stack));
    return findings;
}
