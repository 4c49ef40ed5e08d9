/**
 * The vLLM gauges the autoscaler scales on, and the names they have downstream. Managed
 * Prometheus scrapes them from the pods; Cloud Monitoring stores each as
 * `prometheus.googleapis.com/<name>/<kind>`; the Custom Metrics Stackdriver Adapter serves them to
 * a HorizontalPodAutoscaler as `prometheus.googleapis.com|<name>|<kind>`. Whether each line's vLLM
 * registers them (and every metric the dashboard queries) is the consistency check's business: it
 * reads the list of each vLLM tag (facts/vllm-metrics@<tag>.json), and
 * test/releaseLineStacks.test.ts runs it on every release line.
 */
import type { AutoscalingMetric } from "../config/modelConfig";

/** A Prometheus metric type. */
export type PrometheusMetricType = "gauge" | "counter" | "histogram";

/** One metric a vLLM pod serves on `/metrics`. */
export interface ExportedMetric {
    /** The metric's name as registered (counters without `_total`). */
    name: string;
    /** Its Prometheus type. */
    type: PrometheusMetricType;
    /** What it measures. */
    help: string;
}

/** The vLLM gauge each autoscaling signal reads; both registered by every engine at v0.11.0 and
 * v0.20.2 (vllm/v1/metrics/loggers.py, PrometheusStatLogger). */
export const AUTOSCALING_SIGNALS: Record<AutoscalingMetric, ExportedMetric> = {
    queueDepth: { name: "vllm:num_requests_waiting", type: "gauge", help: "requests queued because the batch is full" },
    kvCache: { name: "vllm:kv_cache_usage_perc", type: "gauge", help: "share of the KV cache in use, 0 to 1" },
};

/** The name under which the Custom Metrics Stackdriver Adapter serves a Managed Prometheus
 * metric to the custom metrics API: `prometheus.googleapis.com|<name>|<kind>`. */
export function adapterMetricName(metric: ExportedMetric): string {
    return `prometheus.googleapis.com|${metric.name}|${metric.type}`;
}
