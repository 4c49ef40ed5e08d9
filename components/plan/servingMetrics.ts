/**
 * The metrics the serving stack exports and the names they have downstream. Managed Prometheus
 * scrapes them from the pods; Cloud Monitoring stores each as
 * `prometheus.googleapis.com/<name>/<kind>`; the Custom Metrics Stackdriver Adapter serves them to
 * a HorizontalPodAutoscaler as `prometheus.googleapis.com|<name>|<kind>`; dashboards query them
 * with PromQL by their Prometheus names. The dashboard and the autoscaler only use names listed
 * here, and a test holds them to it.
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

const WAITING_REQUESTS: ExportedMetric = { name: "vllm:num_requests_waiting", type: "gauge", help: "requests queued because the batch is full" };
const KV_CACHE_USAGE: ExportedMetric = { name: "vllm:kv_cache_usage_perc", type: "gauge", help: "share of the KV cache in use, 0 to 1" };

/**
 * What vLLM v0.11.0 (the pinned image) exports, from `vllm/v1/metrics/loggers.py` at that tag
 * (`PrometheusStatLogger`). Every series carries the label `model_name` (the served model name).
 * `vllm:gpu_cache_usage_perc` is hidden from 0.11 on (renamed `vllm:kv_cache_usage_perc`);
 * `vllm:time_per_output_token_seconds` is still exported by 0.11 but deprecated for
 * `vllm:inter_token_latency_seconds`, so the dashboard uses the new name.
 */
export const VLLM_EXPORTED_METRICS: readonly ExportedMetric[] = [
    { name: "vllm:num_requests_running", type: "gauge", help: "requests in the running batch" },
    WAITING_REQUESTS,
    KV_CACHE_USAGE,
    { name: "vllm:num_preemptions", type: "counter", help: "requests preempted for lack of KV cache" },
    { name: "vllm:prompt_tokens", type: "counter", help: "prefill tokens processed" },
    { name: "vllm:generation_tokens", type: "counter", help: "tokens generated" },
    { name: "vllm:request_success", type: "counter", help: "finished requests, by finished_reason" },
    { name: "vllm:time_to_first_token_seconds", type: "histogram", help: "time to first token" },
    // Gone at v0.20.2 ("Scheduled removal of deprecated metrics", vllm-project/vllm#29330): nothing reads it.
    { name: "vllm:time_per_output_token_seconds", type: "histogram", help: "time per output token (deprecated in 0.11, removed by v0.20.2)" },
    { name: "vllm:inter_token_latency_seconds", type: "histogram", help: "time between output tokens" },
    { name: "vllm:e2e_request_latency_seconds", type: "histogram", help: "end-to-end request latency" },
    { name: "vllm:request_queue_time_seconds", type: "histogram", help: "time a request waited in the queue" },
];

/**
 * GKE system metrics about the model servers' containers that need no scraping: GKE writes
 * them to Cloud Monitoring for every container with a GPU (documented under "GKE system
 * metrics", `kubernetes.io/container/accelerator/*`). PromQL in Cloud Monitoring names
 * `kubernetes.io/container/accelerator/duty_cycle` `kubernetes_io:container_accelerator_duty_cycle`.
 */
export const GKE_CONTAINER_METRICS: readonly ExportedMetric[] = [
    { name: "kubernetes_io:container_accelerator_duty_cycle", type: "gauge", help: "percent of time the GPU was busy, 0 to 100" },
];

/** The series names a metric appears under when scraped: `_total` for counters, `_bucket`,
 * `_sum` and `_count` for histograms. */
export function seriesNames(metric: ExportedMetric): string[] {
    if (metric.type === "counter") return [`${metric.name}_total`];
    if (metric.type === "histogram") return ["_bucket", "_sum", "_count"].map((suffix) => `${metric.name}${suffix}`);
    return [metric.name];
}

/** The vLLM gauge each autoscaling signal reads. */
export const AUTOSCALING_SIGNALS: Record<AutoscalingMetric, ExportedMetric> = {
    queueDepth: WAITING_REQUESTS,
    kvCache: KV_CACHE_USAGE,
};

/** The name under which the Custom Metrics Stackdriver Adapter serves a Managed Prometheus
 * metric to the custom metrics API: `prometheus.googleapis.com|<name>|<kind>`. */
export function adapterMetricName(metric: ExportedMetric): string {
    return `prometheus.googleapis.com|${metric.name}|${metric.type}`;
}
