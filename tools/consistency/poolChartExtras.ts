/**
 * What the inferencepool chart renders beside the pool and its EPP, as far as the consistency
 * rules read it: the EPP's own RBAC (the rights its authenticated `/metrics` needs), its monitor on
 * GKE with the reader the monitor scrapes as, and the Istio DestinationRule to the EPP. Each tag's
 * facts are in `chartObjects.ts`, read from kubernetes-sigs/gateway-api-inference-extension at the
 * tag: templates/rbac.yaml and templates/gke.yaml up to v1.0.2, epplib/templates/_rbac.yaml and
 * _gke.yaml at v1.5.0, templates/istio.yaml from v1.0.1.
 */
import { HelmRelease, KubeObject } from "./objects";

/** A boolean value the templates read, with its default in values.yaml at the tag. */
export interface Switch {
    path: string;
    default: boolean;
}

/** How one tag's inferencepool chart renders the objects below. */
export interface PoolChartExtras {
    /** The EPP's ClusterRole and binding (create TokenReviews and SubjectAccessReviews): named
     * `<release>-epp` (v1.0.0) or `<release>-<namespace>-epp` (from v1.0.1); rendered only with
     * `onlyWith` on where given (v1.5.0), and granting `get /metrics` too with `metricsWith` on. */
    clusterRole: { name: "release" | "release-namespace"; onlyWith?: Switch; metricsWith?: Switch };
    /** Provider gke: the EPP's monitor. v1.0.0 always renders a ClusterPodMonitoring with the
     * token of a Secret the values name; later tags a PodMonitoring `<release>`, with a reader of
     * the chart's own, only when every switch in `when` is on. */
    gkeMonitor:
        | { kind: "ClusterPodMonitoring"; secret: { namePath: string; namespacePath: string; name: string; namespace: string }; interval: string }
        | { kind: "PodMonitoring"; when: Switch[]; intervalPath: string; interval: string };
    /** The EPP runs with `--metrics-endpoint-auth=false` when this switch is off (v1.5.0). */
    metricsAuthOffWhen?: Switch;
    /** Provider istio (exactly `istio`): DestinationRule `<release>-epp`, TLS SIMPLE, with its host
     * from this path or `<release>-epp.<namespace>.svc.cluster.local`. */
    istioDestinationRule?: { hostPath: string };
}

/** The value at a dotted path, or undefined. */
export function valueAt(values: unknown, path: string): unknown {
    return path.split(".").reduce<unknown>((value, key) => (typeof value === "object" && value !== null ? (value as Record<string, unknown>)[key] : undefined), values);
}

/** Whether a switch is on in a release's values (Helm's truthiness of the value, or the default). */
function isOn(values: unknown, which: Switch): boolean {
    const value = valueAt(values, which.path);
    return value === undefined || value === null ? which.default : Boolean(value);
}

const RBAC = "rbac.authorization.k8s.io/v1";

/** The EPP's ClusterRole and ClusterRoleBinding, if the tag renders them for these values. */
function endpointPickerRbac(release: HelmRelease, extras: PoolChartExtras, epp: string): KubeObject[] {
    const { clusterRole } = extras;
    if (clusterRole.onlyWith !== undefined && !isOn(release.values, clusterRole.onlyWith)) return [];
    const name = clusterRole.name === "release" ? epp : `${release.name}-${release.namespace}-epp`;
    const metrics = clusterRole.metricsWith !== undefined && isOn(release.values, clusterRole.metricsWith);
    return [
        {
            apiVersion: RBAC,
            kind: "ClusterRole",
            metadata: { name },
            rules: [
                { apiGroups: ["authentication.k8s.io"], resources: ["tokenreviews"], verbs: ["create"] },
                { apiGroups: ["authorization.k8s.io"], resources: ["subjectaccessreviews"], verbs: ["create"] },
                ...(metrics ? [{ nonResourceURLs: ["/metrics"], verbs: ["get"] }] : []),
            ],
        },
        {
            apiVersion: RBAC,
            kind: "ClusterRoleBinding",
            metadata: { name },
            subjects: [{ kind: "ServiceAccount", name: epp, namespace: release.namespace }],
            roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "ClusterRole", name },
        },
    ];
}

const bearer = (secret: Record<string, unknown>) => ({ type: "Bearer", credentials: { secret: { ...secret, key: "token" } } });

/** The EPP's monitor on GKE, and from v1.0.1 the reader it scrapes as: a ServiceAccount, its token
 * Secret, `get /metrics` for it, and the managed collector's right to read that Secret (in
 * `gke-gmp-system` with `provider.gke.autopilot`). */
function gkeMonitor(release: HelmRelease, extras: PoolChartExtras, eppLabels: Record<string, string>): KubeObject[] {
    const { name, namespace, values } = release;
    const monitor = extras.gkeMonitor;
    const endpoint = { port: "metrics", scheme: "http", path: "/metrics" };
    if (monitor.kind === "ClusterPodMonitoring") {
        const secret = { name: valueAt(values, monitor.secret.namePath) ?? monitor.secret.name, namespace: valueAt(values, monitor.secret.namespacePath) ?? monitor.secret.namespace };
        return [
            {
                apiVersion: "monitoring.googleapis.com/v1",
                kind: "ClusterPodMonitoring",
                metadata: { name: `${namespace}-${name}` },
                spec: { selector: { matchLabels: eppLabels }, endpoints: [{ ...endpoint, interval: monitor.interval, authorization: bearer(secret) }] },
            },
        ];
    }
    if (!monitor.when.every((which) => isOn(values, which))) return [];
    const reader = `${name}-metrics-reader-sa`;
    const secret = `${name}-metrics-reader-secret`;
    const role = `${namespace}-${name}-metrics-reader`;
    const secretRole = `${name}-metrics-reader-secret-read`;
    const collectors = valueAt(values, "provider.gke.autopilot") === true ? "gke-gmp-system" : "gmp-system";
    return [
        { apiVersion: "v1", kind: "ServiceAccount", metadata: { name: reader, namespace } },
        { apiVersion: "v1", kind: "Secret", metadata: { name: secret, namespace, annotations: { "kubernetes.io/service-account.name": reader } }, type: "kubernetes.io/service-account-token" },
        {
            apiVersion: "monitoring.googleapis.com/v1",
            kind: "PodMonitoring",
            metadata: { name, namespace },
            spec: { selector: { matchLabels: eppLabels }, endpoints: [{ ...endpoint, interval: String(valueAt(values, monitor.intervalPath) ?? monitor.interval), authorization: bearer({ name: secret }) }] },
        },
        { apiVersion: RBAC, kind: "ClusterRole", metadata: { name: role }, rules: [{ nonResourceURLs: ["/metrics"], verbs: ["get"] }] },
        {
            apiVersion: RBAC,
            kind: "ClusterRoleBinding",
            metadata: { name: `${role}-role-binding` },
            subjects: [{ kind: "ServiceAccount", name: reader, namespace }],
            roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "ClusterRole", name: role },
        },
        // No metadata.namespace in the template: the release's.
        { apiVersion: RBAC, kind: "Role", metadata: { name: secretRole, namespace }, rules: [{ resources: ["secrets"], apiGroups: [""], verbs: ["get", "list", "watch"], resourceNames: [secret] }] },
        {
            apiVersion: RBAC,
            kind: "RoleBinding",
            metadata: { name: `${collectors}:collector:${namespace}-${name}-metrics-reader-secret-read`, namespace },
            roleRef: { name: secretRole, kind: "Role", apiGroup: "rbac.authorization.k8s.io" },
            subjects: [{ name: "collector", namespace: collectors, kind: "ServiceAccount" }],
        },
    ];
}

/** The DestinationRule `<release>-epp` of templates/istio.yaml (no metadata.namespace: the
 * release's), which originates TLS to the EPP. */
function istioDestinationRule(release: HelmRelease, hostPath: string, epp: string): KubeObject {
    const host = String(valueAt(release.values, hostPath) || `${epp}.${release.namespace}.svc.cluster.local`);
    return {
        apiVersion: "networking.istio.io/v1beta1",
        kind: "DestinationRule",
        metadata: { name: epp, namespace: release.namespace },
        spec: { host, trafficPolicy: { tls: { mode: "SIMPLE", insecureSkipVerify: true } } },
    };
}

/** What a release of the inferencepool chart renders beside the pool and EPP, for its provider. */
export function poolChartExtras(release: HelmRelease, extras: PoolChartExtras, epp: string, eppLabels: Record<string, string>): KubeObject[] {
    const provider = String(valueAt(release.values, "provider.name") ?? "none");
    return [
        ...endpointPickerRbac(release, extras, epp),
        ...(provider.toLowerCase() === "gke" ? gkeMonitor(release, extras, eppLabels) : []),
        ...(provider === "istio" && extras.istioDestinationRule !== undefined ? [istioDestinationRule(release, extras.istioDestinationRule.hostPath, epp)] : []),
    ];
}

/** The EPP's arguments the rules read: `--metrics-endpoint-auth=false` where the tag renders it. */
export function endpointPickerArgs(release: HelmRelease, extras: PoolChartExtras): string[] {
    return extras.metricsAuthOffWhen !== undefined && !isOn(release.values, extras.metricsAuthOffWhen) ? ["--metrics-endpoint-auth=false"] : [];
}
