/**
 * The metrics collectors the program can set monitors up for, as data: which monitor kind each
 * reads, the job label it gives a monitor's series, where its scraper runs, and who must be
 * allowed to read a scrape's token Secret.
 */
import googleCloud from "../../facts/google-cloud.json";

/** One endpoint to scrape, whatever the collector. */
export interface Scrape {
    /** Container port number. */
    port: number;
    /** Scrape interval, a Prometheus duration. */
    interval: string;
    /** The key of a Secret holding the bearer token to scrape with, if `/metrics` needs one. */
    token?: { name: string; key: string };
}

/** One collector's description. */
export interface MetricsCollector {
    /** The monitor the program creates per target. */
    monitor: { apiVersion: string; kind: string };
    /** The monitor's `spec` apart from its selector: the scrape in the collector's own fields. */
    endpoints: (scrape: Scrape) => Record<string, unknown>;
    /** The `job` label of a monitor's series. */
    job: (namespace: string, monitorName: string) => string;
    /** The namespaces its scrapers run in, when fixed by the collector; otherwise the stack's
     * `monitoring.collectorNamespaces` names them. */
    namespaces?: readonly string[];
    /** The service accounts that read a scrape's token Secret and need a Role for it; none where
     * the collector reads Secrets with rights of its own. */
    tokenReaders: readonly { namespace: string; name: string }[];
}

/** Managed Prometheus' collector: its account, in one namespace on Standard clusters and another on
 * Autopilot; both are named, only one exists (facts/google-cloud.json). */
const MANAGED_COLLECTOR = googleCloud.managedPrometheusCollector;

/** The collectors; a const object so that the cross-language schema gets an enum. */
export const MetricsCollectorName = {
    /** Google Cloud Managed Service for Prometheus (GKE). */
    ManagedPrometheus: "managed-prometheus",
    /** The Prometheus Operator. */
    PrometheusOperator: "prometheus-operator",
} as const;
/** A collector's name. */
export type MetricsCollectorName = (typeof MetricsCollectorName)[keyof typeof MetricsCollectorName];

/** The collectors, by the name `monitoring.collector` takes. */
export const METRICS_COLLECTORS: Record<MetricsCollectorName, MetricsCollector> = {
    // Google Cloud Managed Service for Prometheus: a PodMonitoring's name is its series' job.
    "managed-prometheus": {
        monitor: { apiVersion: "monitoring.googleapis.com/v1", kind: "PodMonitoring" },
        endpoints: ({ port, interval, token }) => ({
            endpoints: [
                { port, path: "/metrics", scheme: "http", interval, ...(token ? { authorization: { type: "Bearer", credentials: { secret: token } } } : {}) },
            ],
        }),
        job: (_namespace, name) => name,
        namespaces: MANAGED_COLLECTOR.namespaces,
        tokenReaders: MANAGED_COLLECTOR.namespaces.map((namespace) => ({ namespace, name: MANAGED_COLLECTOR.account })),
    },
    // The Prometheus Operator (prometheus-operator v0.85.0): its job label is `<namespace>/<name>`
    // (pkg/prometheus/promcfg.go:1470-1479), and it reads Secrets in every namespace itself
    // (example/rbac/prometheus-operator/prometheus-operator-cluster-role.yaml:38-46). `portNumber`
    // selects a port by number (example/prometheus-operator-crd/monitoring.coreos.com_podmonitors.yaml:791).
    "prometheus-operator": {
        monitor: { apiVersion: "monitoring.coreos.com/v1", kind: "PodMonitor" },
        endpoints: ({ port, interval, token }) => ({
            podMetricsEndpoints: [
                { portNumber: port, path: "/metrics", scheme: "http", interval, ...(token ? { authorization: { type: "Bearer", credentials: token } } : {}) },
            ],
        }),
        job: (namespace, name) => `${namespace}/${name}`,
        tokenReaders: [],
    },
};

/** The names `monitoring.collector` takes. */
export const METRICS_COLLECTOR_NAMES = Object.values(MetricsCollectorName) as [MetricsCollectorName, ...MetricsCollectorName[]];

/** A stack's collector, resolved: which one, and the namespaces its scrapers run in. */
export interface PlannedCollector {
    /** The collector's name. */
    name: MetricsCollectorName;
    /** Namespaces its scrapers run in (the model servers' NetworkPolicy admits them). */
    namespaces: string[];
}
