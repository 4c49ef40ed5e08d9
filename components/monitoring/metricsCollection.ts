/**
 * Metrics collection: a monitor for each target the plan gives it (every model's vLLM pods, and
 * each Endpoint Picker that nothing else scrapes), of the kind its collector reads: Managed
 * Prometheus' PodMonitoring on GKE (which runs managed collection by default: Autopilot, and
 * Standard from 1.27), or the Prometheus Operator's PodMonitor on a cluster that runs it.
 *
 * The EPP and BBR serve `/metrics` on 9090 behind Kubernetes authentication and authorization,
 * so a scrape carries the token of a service account allowed to GET `/metrics`, kept in a
 * service-account-token Secret that the collector may read. Where the inferencepool chart renders
 * the EPP's monitor itself (provider `gke`: always at v1.0.0, a ClusterPodMonitoring the plan
 * points at this Secret; on request from v1.0.1, a PodMonitoring with the chart's own reader), the
 * plan adds no monitor of its own, so each EPP is scraped once (the release line's
 * `endpointPickerMetrics`). No chart gives BBR the rights its authenticated `/metrics` needs, so
 * it is not scraped (see docs/scaling-and-monitoring.md).
 */
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { childOptions } from "../childOptions";
import { METRICS_COLLECTORS, MetricsCollectorName } from "../catalogs/metricsCollectors";
import { endpointPickerPodLabels } from "../modelServers/modelServerPolicies";
import { VLLM_PORT } from "../modelServers/modelPlan";
import { BODY_BASED_ROUTER_RELEASE, metricsReaderNames } from "../names";
import type { ServingPlan } from "../servingPlan";

/** The port the EPP and BBR serve metrics on (their `--metrics-port` default at v1.0.0:
 * cmd/epp/runner/runner.go, cmd/bbr/main.go). */
export const EXTENSION_METRICS_PORT = 9090;

/** One set of pods to scrape. */
export interface ScrapeTarget {
    /** The monitor's name. */
    name: string;
    /** Labels that select exactly these pods. */
    matchLabels: Record<string, string>;
    /** Container port number. (By number for every target: the BBR chart names no metrics port,
     * and one form keeps the series' labels alike.) */
    port: number;
    /** Whether `/metrics` needs the metrics reader's bearer token. */
    authenticated: boolean;
}

/** Arguments of {@link MetricsCollection}. */
export interface MetricsCollectionArgs {
    /** The collector the monitors are for. */
    collector: MetricsCollectorName;
    /** Namespace of the targets, their monitors and the metrics reader. */
    namespace: string;
    /** Scrape interval, a Prometheus duration such as `15s`. */
    interval: string;
    /** The pods to scrape. */
    targets: ScrapeTarget[];
    /** Create the metrics reader (its account, token Secret and roles): needed by an
     * authenticated target, or by a chart's own monitor that scrapes with its token. Default true. */
    reader?: boolean;
}

/** What the program scrapes: every model's vLLM pods, and the EPPs and BBR where the plan says. */
export function scrapeTargets(plan: Pick<ServingPlan, "models" | "metricsScrapes">): ScrapeTarget[] {
    const { endpointPickers, endpointPickersAuthenticated, bodyBasedRouter } = plan.metricsScrapes;
    return [
        ...plan.models.flatMap((m) => [
            { name: m.names.deployment, matchLabels: m.matchLabels, port: VLLM_PORT, authenticated: false },
            ...(endpointPickers
                ? [
                      {
                          name: m.names.endpointPicker,
                          matchLabels: endpointPickerPodLabels(m),
                          port: EXTENSION_METRICS_PORT,
                          authenticated: endpointPickersAuthenticated,
                      },
                  ]
                : []),
        ]),
        // The BBR chart labels its pods `app: <bbr.name>`, which the program sets.
        ...(bodyBasedRouter
            ? [{ name: BODY_BASED_ROUTER_RELEASE, matchLabels: { app: BODY_BASED_ROUTER_RELEASE }, port: EXTENSION_METRICS_PORT, authenticated: true }]
            : []),
    ];
}

/** The collector's monitor scraping `/metrics` of one target. */
export function monitorManifest(collector: MetricsCollectorName, target: ScrapeTarget, namespace: string, interval: string) {
    const { monitor, endpoints } = METRICS_COLLECTORS[collector];
    const token = target.authenticated ? { name: metricsReaderNames(namespace).tokenSecret, key: "token" } : undefined;
    return {
        ...monitor,
        metadata: { name: target.name, namespace },
        spec: { selector: { matchLabels: { ...target.matchLabels } }, ...endpoints({ port: target.port, interval, token }) },
    };
}

/**
 * The metrics reader: a service account allowed to GET `/metrics`, its long-lived token in a
 * Secret (Kubernetes fills it in; the program never sets a token value), and the right of the
 * collector's token readers to read that one Secret.
 */
export function metricsReaderManifests(namespace: string, collector: MetricsCollectorName) {
    const names = metricsReaderNames(namespace);
    const serviceAccount = { kind: "ServiceAccount", name: names.serviceAccount, namespace };
    return {
        serviceAccount: { apiVersion: "v1", kind: "ServiceAccount", metadata: { name: names.serviceAccount, namespace } },
        tokenSecret: {
            apiVersion: "v1",
            kind: "Secret",
            metadata: {
                name: names.tokenSecret,
                namespace,
                annotations: { "kubernetes.io/service-account.name": names.serviceAccount },
            },
            type: "kubernetes.io/service-account-token",
        },
        clusterRole: {
            apiVersion: "rbac.authorization.k8s.io/v1",
            kind: "ClusterRole",
            metadata: { name: names.clusterRole },
            rules: [{ nonResourceURLs: ["/metrics"], verbs: ["get"] }],
        },
        clusterRoleBinding: {
            apiVersion: "rbac.authorization.k8s.io/v1",
            kind: "ClusterRoleBinding",
            metadata: { name: names.clusterRole },
            roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "ClusterRole", name: names.clusterRole },
            subjects: [serviceAccount],
        },
        secretRole: {
            apiVersion: "rbac.authorization.k8s.io/v1",
            kind: "Role",
            metadata: { name: names.secretRole, namespace },
            rules: [{ apiGroups: [""], resources: ["secrets"], resourceNames: [names.tokenSecret], verbs: ["get", "list", "watch"] }],
        },
        secretRoleBinding: {
            apiVersion: "rbac.authorization.k8s.io/v1",
            kind: "RoleBinding",
            metadata: { name: names.secretRole, namespace },
            roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "Role", name: names.secretRole },
            subjects: METRICS_COLLECTORS[collector].tokenReaders.map(({ namespace: ns, name }) => ({ kind: "ServiceAccount", name, namespace: ns })),
        },
    };
}

/** The metrics reader's objects, children of `component`; returns its token Secret. */
function metricsReader(
    name: string,
    args: MetricsCollectionArgs,
    component: pulumi.ComponentResource,
    opts?: pulumi.ComponentResourceOptions,
): k8s.core.v1.Secret {
    const child = childOptions(component, opts);
    const reader = metricsReaderManifests(args.namespace, args.collector);
    const serviceAccount = new k8s.core.v1.ServiceAccount(`${name}-reader`, { metadata: reader.serviceAccount.metadata }, child);
    const tokenSecret = new k8s.core.v1.Secret(
        `${name}-reader-token`,
        { metadata: reader.tokenSecret.metadata, type: reader.tokenSecret.type },
        childOptions(component, opts, serviceAccount),
    );
    new k8s.rbac.v1.ClusterRole(`${name}-reader-role`, { metadata: reader.clusterRole.metadata, rules: reader.clusterRole.rules }, child);
    new k8s.rbac.v1.ClusterRoleBinding(
        `${name}-reader-binding`,
        { metadata: reader.clusterRoleBinding.metadata, roleRef: reader.clusterRoleBinding.roleRef, subjects: reader.clusterRoleBinding.subjects },
        child,
    );
    // A collector that reads Secrets with rights of its own needs no Role for this one.
    if (reader.secretRoleBinding.subjects.length > 0) {
        new k8s.rbac.v1.Role(`${name}-token-read-role`, { metadata: reader.secretRole.metadata, rules: reader.secretRole.rules }, child);
        new k8s.rbac.v1.RoleBinding(
            `${name}-token-read-binding`,
            { metadata: reader.secretRoleBinding.metadata, roleRef: reader.secretRoleBinding.roleRef, subjects: reader.secretRoleBinding.subjects },
            child,
        );
    }
    return tokenSecret;
}

/** A monitor for every serving pod, and the reader the EPP and BBR scrapes authenticate as. */
export class MetricsCollection extends pulumi.ComponentResource {
    /** The `job` label of each monitor's series. */
    public readonly jobs: string[];

    constructor(name: string, args: MetricsCollectionArgs, opts?: pulumi.ComponentResourceOptions) {
        if (args.reader === false && args.targets.some((t) => t.authenticated)) {
            throw new Error("MetricsCollection: an authenticated target needs the metrics reader (reader: true)");
        }
        super("multi-model-inference:index:MetricsCollection", name, {}, opts);
        const child = childOptions(this, opts);
        const tokenSecret = args.reader === false ? undefined : metricsReader(name, args, this, opts);
        for (const target of args.targets) {
            new k8s.apiextensions.CustomResource(
                `${name}-${target.name}`,
                monitorManifest(args.collector, target, args.namespace, args.interval),
                target.authenticated && tokenSecret !== undefined ? childOptions(this, opts, tokenSecret) : child,
            );
        }
        this.jobs = args.targets.map((t) => METRICS_COLLECTORS[args.collector].job(args.namespace, t.name));
        this.registerOutputs({ jobs: this.jobs });
    }
}
