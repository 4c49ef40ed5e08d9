/**
 * The stack's Cloud Monitoring dashboard: one collapsible group per model with its request rate,
 * latency (time to first token, time per output token), queue, KV-cache use, GPU utilisation and
 * serving pods. Every chart is a PromQL query over metrics the model's pods export (on every
 * release line: the consistency check holds the queries to the metric list of each line's vLLM
 * tag), filtered to the model's PodMonitoring job, so one model's load never shows up in
 * another's charts.
 */
import * as monitoring from "@pulumi/gcp/monitoring";
import * as pulumi from "@pulumi/pulumi";
import { childOptions } from "../childOptions";

/** One model's charts. */
export interface DashboardModel {
    /** Client-facing name, the group's title. */
    name: string;
    /** The PodMonitoring job of its vLLM pods. */
    job: string;
    /** The vLLM Deployment, whose pods are named `<deployment>-<hash>-<suffix>`. */
    deployment: string;
}

/** Arguments of {@link ServingDashboard}. */
export interface ServingDashboardArgs {
    /** Title of the dashboard. */
    displayName: string;
    /** The cluster's project, where the dashboard is created. */
    project: string;
    /** The cluster's name; series of other clusters in the project are left out. */
    clusterName: string;
    /** Namespace of the model servers. */
    namespace: string;
    /** The models, one group each, ordered by name so that reordering config changes nothing. */
    models: DashboardModel[];
}

const COLUMNS = 48;
const CHART_WIDTH = 16;
const CHART_HEIGHT = 16;
const CHARTS_PER_ROW = COLUMNS / CHART_WIDTH;
const WINDOW = "5m";

interface Series {
    /** PromQL. */
    query: string;
    /** Legend. */
    legend: string;
}

interface Chart {
    title: string;
    unit: string;
    series: Series[];
}

const quantile = (q: number, histogram: string, selector: string): Series => ({
    query: `histogram_quantile(${q}, sum by (le) (rate(${histogram}_bucket${selector}[${WINDOW}])))`,
    legend: `p${Math.round(q * 100)}`,
});

/** The charts of one model, in display order. */
export function modelCharts(model: DashboardModel, clusterName: string, namespace: string): Chart[] {
    const vllm = `{cluster="${clusterName}",namespace="${namespace}",job="${model.job}"}`;
    // System metrics carry the monitored resource's labels, not Prometheus target labels; the
    // pod name pattern matches this Deployment's pods only (a longer key cannot match it).
    const gpu =
        `{monitored_resource="k8s_container",cluster_name="${clusterName}",namespace_name="${namespace}",` +
        `pod_name=~"${model.deployment}-[a-z0-9]+-[a-z0-9]{5}"}`;
    return [
        { title: "Request rate", unit: "requests/s", series: [{ query: `sum(rate(vllm:request_success_total${vllm}[${WINDOW}]))`, legend: "finished" }] },
        {
            title: "Time to first token",
            unit: "s",
            series: [quantile(0.5, "vllm:time_to_first_token_seconds", vllm), quantile(0.95, "vllm:time_to_first_token_seconds", vllm)],
        },
        {
            title: "Time per output token",
            unit: "s",
            series: [quantile(0.5, "vllm:inter_token_latency_seconds", vllm), quantile(0.95, "vllm:inter_token_latency_seconds", vllm)],
        },
        {
            title: "Waiting and running requests",
            unit: "requests",
            series: [
                { query: `sum(vllm:num_requests_waiting${vllm})`, legend: "waiting" },
                { query: `sum(vllm:num_requests_running${vllm})`, legend: "running" },
            ],
        },
        {
            title: "KV-cache use",
            unit: "fraction",
            series: [
                { query: `avg(vllm:kv_cache_usage_perc${vllm})`, legend: "average" },
                { query: `max(vllm:kv_cache_usage_perc${vllm})`, legend: "fullest pod" },
            ],
        },
        {
            title: "GPU utilisation",
            unit: "%",
            series: [{ query: `avg(kubernetes_io:container_accelerator_duty_cycle${gpu})`, legend: "duty cycle" }],
        },
        { title: "Serving pods", unit: "pods", series: [{ query: `count(vllm:num_requests_running${vllm})`, legend: "pods reporting" }] },
    ];
}

function chartWidget(chart: Chart) {
    return {
        title: chart.title,
        xyChart: {
            dataSets: chart.series.map((s) => ({
                timeSeriesQuery: { prometheusQuery: s.query },
                plotType: "LINE",
                targetAxis: "Y1",
                legendTemplate: s.legend,
            })),
            yAxis: { label: chart.unit, scale: "LINEAR" },
        },
    };
}

/** The dashboard as Cloud Monitoring's Dashboard JSON (mosaic layout, 48 columns): per model a
 * collapsible group spanning its charts, three charts to a row. */
export function servingDashboardJson(args: Omit<ServingDashboardArgs, "project">): string {
    const tiles: Record<string, unknown>[] = [];
    let y = 0;
    for (const model of [...args.models].sort((a, b) => a.name.localeCompare(b.name))) {
        const charts = modelCharts(model, args.clusterName, args.namespace);
        const rows = Math.ceil(charts.length / CHARTS_PER_ROW);
        tiles.push({ xPos: 0, yPos: y, width: COLUMNS, height: rows * CHART_HEIGHT, widget: { title: model.name, collapsibleGroup: { collapsed: false } } });
        charts.forEach((chart, i) => {
            tiles.push({
                xPos: (i % CHARTS_PER_ROW) * CHART_WIDTH,
                yPos: y + Math.floor(i / CHARTS_PER_ROW) * CHART_HEIGHT,
                width: CHART_WIDTH,
                height: CHART_HEIGHT,
                widget: chartWidget(chart),
            });
        });
        y += rows * CHART_HEIGHT;
    }
    return JSON.stringify({ displayName: args.displayName, mosaicLayout: { columns: COLUMNS, tiles } });
}

/** The console address of a dashboard, from its resource ID `projects/<p>/dashboards/<id>`. */
export function dashboardUrl(dashboardId: string, project: string): string {
    return `https://console.cloud.google.com/monitoring/dashboards/builder/${dashboardId.split("/").pop()}?project=${project}`;
}

/** The stack's Cloud Monitoring dashboard. */
export class ServingDashboard extends pulumi.ComponentResource {
    /** Where to open it. */
    public readonly url: pulumi.Output<string>;

    constructor(name: string, args: ServingDashboardArgs, opts?: pulumi.ComponentResourceOptions) {
        super("multi-model-inference:index:ServingDashboard", name, {}, opts);
        const dashboard = new monitoring.Dashboard(
            `${name}-dashboard`,
            { project: args.project, dashboardJson: servingDashboardJson(args) },
            childOptions(this, opts),
        );
        this.url = dashboard.id.apply((id) => dashboardUrl(id, args.project));
        this.registerOutputs({ url: this.url });
    }
}
