/**
 * What differs between a GKE cluster and any other Kubernetes cluster (the upstream guide's
 * "Other" tab), in one place: components read the platform's profile, not which one it is.
 */
import type { ConfigProblem } from "../config/configErrors";
import type { ParsedServingConfig } from "../config/configSchema";
import type { GatewayProviderName } from "./gatewayProviders";
import { METRICS_COLLECTORS, MetricsCollectorName, PlannedCollector } from "./metricsCollectors";

/** A GKE cluster, by project, location and name. */
export interface GkeClusterRef {
    /** Google Cloud project ID. */
    project: string;
    /** Region or zone. */
    location: string;
    /** Cluster name. */
    name: string;
}

/** The cluster, resolved: a GKE cluster, or any cluster by kubeconfig. */
export type PlannedCluster = ({ platform: "gke" } & GkeClusterRef) | { platform: "kubernetes"; kubeconfig: string; context?: string };

/** One platform's description. */
export interface ClusterPlatform {
    /** Its name, as `PlannedCluster.platform`. */
    name: PlannedCluster["platform"];
    /** How messages name it. */
    description: string;
    /** Whether the program makes Google Cloud resources: GPU node pools and their service account,
     * the dashboard, the metrics adapter, Workload Identity for weight buckets, certificates. */
    googleCloud: boolean;
    /** The metrics collectors `monitoring.collector` may name there. */
    collectors: readonly MetricsCollectorName[];
    /** The collector when `monitoring.collector` is unset; none: no monitors. */
    defaultCollector?: MetricsCollectorName;
    /** The gateway providers that run there. */
    providers: readonly GatewayProviderName[];
}

/** The platforms, by name. */
export const CLUSTER_PLATFORMS = {
    // GKE runs Managed Prometheus' collection by default (Autopilot, and Standard from 1.27).
    gke: {
        name: "gke",
        description: "GKE",
        googleCloud: true,
        collectors: ["managed-prometheus"],
        defaultCollector: "managed-prometheus",
        providers: ["gke", "istio", "other"],
    },
    // No monitors unless asked: which Prometheus a cluster runs, if any, is its own.
    kubernetes: {
        name: "kubernetes",
        description: "a cluster given by cluster.kubeconfig",
        googleCloud: false,
        collectors: ["prometheus-operator"],
        providers: ["istio", "other"],
    },
} as const satisfies Record<PlannedCluster["platform"], ClusterPlatform>;

/** The cluster of a parsed config (the schema has checked that one form is complete). */
export function plannedCluster(cluster: ParsedServingConfig["cluster"]): PlannedCluster {
    if (cluster.kubeconfig !== undefined) return { platform: "kubernetes", kubeconfig: cluster.kubeconfig, context: cluster.context };
    return { platform: "gke", project: cluster.project ?? "", location: cluster.location ?? "", name: cluster.name ?? "" };
}

/** The GKE cluster of a config whose platform is GKE; throws on any other (a program error: GKE's
 * parts are planned only there). */
export function gkeCluster(cluster: ParsedServingConfig["cluster"] | PlannedCluster): GkeClusterRef {
    const planned = "platform" in cluster ? cluster : plannedCluster(cluster);
    if (planned.platform !== "gke") throw new Error("a GKE cluster was expected: cluster.kubeconfig names another Kubernetes cluster");
    return { project: planned.project, location: planned.location, name: planned.name };
}

/** The labels that select an accelerator's nodes: GKE's own label, or the configured ones. */
export function gpuNodeSelector(platform: PlannedCluster["platform"], accelerator: string, configured?: Record<string, string>): Record<string, string> {
    return platform === "gke" ? { "cloud.google.com/gke-accelerator": accelerator } : { ...configured };
}

/** GKE node pool settings that mean nothing on another cluster, and a selector that means nothing
 * on GKE, reported on their keys; on another cluster each accelerator in use needs a selector. */
export function nodePoolSettingProblems(
    config: ParsedServingConfig,
    platform: PlannedCluster["platform"],
    acceleratorsInUse: readonly string[],
): ConfigProblem[] {
    const problems: ConfigProblem[] = [];
    for (const [accelerator, pool] of Object.entries(config.nodePools)) {
        if (pool === undefined) continue;
        if (platform === "gke") {
            if (pool.nodeSelector !== undefined) {
                problems.push({
                    path: `nodePools.${accelerator}.nodeSelector`,
                    message: "selects nodes on a cluster given by cluster.kubeconfig; GKE's pools are selected by cloud.google.com/gke-accelerator",
                });
            }
            continue;
        }
        for (const key of ["machineType", "zones", "nodeCount", "autoscaling"] as const) {
            if (pool[key] !== undefined) {
                problems.push({
                    path: `nodePools.${accelerator}.${key}`,
                    message: "shapes a GKE node pool; on a cluster given by cluster.kubeconfig the GPU nodes are the cluster's own",
                });
            }
        }
    }
    if (platform === "kubernetes") {
        for (const accelerator of acceleratorsInUse.filter((a) => config.nodePools[a as keyof typeof config.nodePools]?.nodeSelector === undefined)) {
            problems.push({
                path: `nodePools.${accelerator}.nodeSelector`,
                message: `is required on a cluster given by cluster.kubeconfig: the labels of its ${accelerator} nodes, e.g. {nvidia.com/gpu.product: <product>} from NVIDIA GPU feature discovery`,
            });
        }
    }
    return problems;
}

/** The stack's collector: the configured one or its platform's default, with the namespaces its
 * scrapers run in; none where neither is. */
export function planCollector(
    monitoring: ParsedServingConfig["monitoring"],
    platform: ClusterPlatform,
): { collector?: PlannedCollector; problems: ConfigProblem[] } {
    const name = monitoring.collector ?? platform.defaultCollector;
    const namespaces = monitoring.collectorNamespaces;
    const problem = (key: string, message: string) => ({ problems: [{ path: `monitoring.${key}`, message }] });
    if (name === undefined)
        return namespaces === undefined
            ? { problems: [] }
            : problem("collectorNamespaces", "names where a collector's scrapers run, but monitoring.collector is not set");
    if (!platform.collectors.includes(name))
        return problem("collector", `got ${JSON.stringify(name)}; on ${platform.description} use ${platform.collectors.join(" or ")}`);
    const fixed = METRICS_COLLECTORS[name].namespaces;
    if (fixed !== undefined) {
        return namespaces === undefined
            ? { collector: { name, namespaces: [...fixed] }, problems: [] }
            : problem("collectorNamespaces", `are fixed for ${name}: ${fixed.join(", ")}; leave it unset`);
    }
    if (namespaces === undefined) {
        return problem(
            "collectorNamespaces",
            `is required with monitoring.collector ${name}: the namespaces its Prometheus runs in, which the model servers' NetworkPolicy admits to vLLM's /metrics`,
        );
    }
    return { collector: { name, namespaces }, problems: [] };
}
