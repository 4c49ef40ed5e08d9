/**
 * What the Gateway API Inference Extension's charts render for a release, as far as the
 * consistency rules read it: the objects, their names, selectors, labels and ports, built from
 * the release's values over the chart's defaults exactly as the templates do at each tag (read
 * with `git show <tag>:config/charts/...` in kubernetes-sigs/gateway-api-inference-extension).
 * A real `pulumi preview` expands the charts itself; offline (under mocks) a chart renders no
 * children, so the check adds these in their place. Objects the stack already holds (a preview's
 * own expansion) are kept as they are.
 */
import { HelmRelease, KubeObject, find, namespaceOf } from "./objects";
import { PoolChartExtras, endpointPickerArgs, poolChartExtras, valueAt } from "./poolChartExtras";

/** One tag of the charts: where it was read, and the defaults of the values the model reads. */
interface ChartTag {
    /** The commit the tag names. */
    commit: string;
    /** inferencepool `values.yaml` at the tag: the values below are read by the model. */
    poolDefaults: { targetPorts: { number: number }[]; targetPortNumber?: number; extProcPort: number };
    /** Which value the GKE HealthCheckPolicy's port comes from (templates/gke.yaml). */
    healthCheckPort: "targetPortNumber" | "firstTargetPort";
    /** The EPP's RBAC, its monitor on GKE and the Istio DestinationRule (poolChartExtras.ts). */
    extras: PoolChartExtras;
    /** How both charts' templates build an image from `image.*` values, and the defaults in
     * their `values.yaml`: `{hub}/{name}:{tag}` up to v1.0.2, `{registry}/{repository}:{tag}` at
     * v1.5.0; the tag defaults to the chart's own. */
    imageKeys: { registry: string; repository: string };
    eppImage: Record<string, string>;
    bbrImage: Record<string, string>;
    /** body-based-routing: the `--plugin` arguments its Deployment gets by default (from v1.5.0,
     * `bbr.plugins` rendered as `type:name:json`, templates/bbr.yaml). */
    bbrPluginArgs: string[];
}

/** The tags read. v1.0.0 and v1.0.2: templates `inferencepool.yaml`, `epp-service.yaml`,
 * `epp-deployment.yaml`, `gke.yaml`, `rbac.yaml`, `istio.yaml` (from v1.0.1), `_helpers.tpl`;
 * v1.5.0: the same objects from the `epplib` library chart (`_service.yaml`, `_deployment.yaml`,
 * `_rbac.yaml`, `_gke.yaml`, `_helpers.tpl`). BBR: `bbr.yaml`, `gke.yaml`. */
/** v1.0.0 and v1.0.2 render these objects alike: images `{hub}/{name}:{tag}`, the GKE health check
 * on `targetPortNumber` (default 8000); they differ in the EPP's RBAC, monitor and DestinationRule. */
function v1_0(tag: string, commit: string, extras: PoolChartExtras): ChartTag {
    const image = (name: string) => ({ hub: "registry.k8s.io/gateway-api-inference-extension", name, tag });
    return {
        commit,
        poolDefaults: { targetPorts: [{ number: 8000 }], targetPortNumber: 8000, extProcPort: 9002 },
        healthCheckPort: "targetPortNumber",
        extras,
        imageKeys: { registry: "hub", repository: "name" },
        eppImage: image("epp"),
        bbrImage: image("bbr"),
        bbrPluginArgs: [],
    };
}

/** `inferenceExtension.monitoring.prometheus.enabled`: false in values.yaml at v1.0.2 and v1.5.0. */
const PROMETHEUS: PoolChartExtras["clusterRole"]["metricsWith"] = { path: "inferenceExtension.monitoring.prometheus.enabled", default: false };

const CHART_TAGS: Record<string, ChartTag> = {
    "v1.0.0": v1_0("v1.0.0", "ffea26329a16922bb3b2cf37a383417c511227d5", {
        // templates/rbac.yaml: ClusterRole `<release>-epp`, always.
        clusterRole: { name: "release" },
        // templates/gke.yaml: always, every 5 s; values.yaml: gke.monitoringSecret defaults.
        gkeMonitor: {
            kind: "ClusterPodMonitoring",
            secret: { namePath: "gke.monitoringSecret.name", namespacePath: "gke.monitoringSecret.namespace", name: "inference-gateway-sa-metrics-reader-secret", namespace: "default" },
            interval: "5s",
        },
    }),
    "v1.0.2": v1_0("v1.0.2", "cd03ff7d8a22712119c2b96df6749d6279d776b5", {
        // templates/rbac.yaml: `cluster-rbac-name`, always; `/metrics` with prometheus.enabled.
        clusterRole: { name: "release-namespace", metricsWith: PROMETHEUS },
        // templates/gke.yaml: with monitoring.gke.enabled (values.yaml: false, interval "10s").
        gkeMonitor: { kind: "PodMonitoring", when: [{ path: "inferenceExtension.monitoring.gke.enabled", default: false }], intervalPath: "inferenceExtension.monitoring.interval", interval: "10s" },
        istioDestinationRule: { hostPath: "istio.destinationRule.host" },
    }),
    "v1.5.0": {
        commit: "df9f8909fe06fe2dfd4a6fc0bd0c01a0acabf849",
        poolDefaults: { targetPorts: [{ number: 8000 }], extProcPort: 9002 },
        healthCheckPort: "firstTargetPort",
        extras: {
            // epplib/templates/_rbac.yaml: only with prometheus.enabled, `/metrics` included.
            clusterRole: { name: "release-namespace", onlyWith: PROMETHEUS, metricsWith: PROMETHEUS },
            // epplib/templates/_gke.yaml: with prometheus.enabled and prometheus.auth.enabled (values.yaml: false, true; interval "10s").
            gkeMonitor: {
                kind: "PodMonitoring",
                when: [PROMETHEUS, { path: "inferenceExtension.monitoring.prometheus.auth.enabled", default: true }],
                intervalPath: "inferenceExtension.monitoring.interval",
                interval: "10s",
            },
            // epplib/templates/_deployment.yaml:143-144.
            metricsAuthOffWhen: { path: "inferenceExtension.monitoring.prometheus.auth.enabled", default: true },
            istioDestinationRule: { hostPath: "provider.istio.destinationRule.host" },
        },
        imageKeys: { registry: "registry", repository: "repository" },
        eppImage: { registry: "registry.k8s.io", repository: "gateway-api-inference-extension/epp", tag: "v1.5.0" },
        bbrImage: { registry: "registry.k8s.io", repository: "gateway-api-inference-extension/bbr", tag: "v1.5.0" },
        bbrPluginArgs: [
            "--plugin",
            'body-field-to-header:model-extractor:{"fieldName":"model","headerName":"X-Gateway-Model-Name"}',
            "--plugin",
            "base-model-to-header:base-model-mapper",
        ],
    },
};

/** The chart tags the model knows, with the commit each names. */
export const MODELLED_CHART_TAGS: Readonly<Record<string, string>> = Object.fromEntries(Object.entries(CHART_TAGS).map(([tag, facts]) => [tag, facts.commit]));

/** The image a template renders from `<path>.image.*` over the defaults. */
function imageFrom(values: unknown, path: string, tag: ChartTag, defaults: Record<string, string>): string {
    const value = (key: string) => String(valueAt(values, `${path}.image.${key}`) ?? defaults[key]);
    return `${value(tag.imageKeys.registry)}/${value(tag.imageKeys.repository)}:${value("tag")}`;
}

const CHART_NAMES = ["inferencepool", "body-based-routing"] as const;
type ChartName = (typeof CHART_NAMES)[number];

/** Which of the two charts a reference names (its last path segment), if either. */
export function chartName(release: HelmRelease): ChartName | undefined {
    const last = release.chart.split("/").pop();
    return CHART_NAMES.find((name) => name === last);
}

/** `<release>-epp`, the release name lower-cased, trimmed and cut to 40 characters
 * (`gateway-api-inference-extension.name`, templates/_helpers.tpl). */
export function endpointPickerName(release: string): string {
    return `${release.toLowerCase().trim().slice(0, 40)}-epp`;
}

function inferencePoolObjects(release: HelmRelease, tag: ChartTag): KubeObject[] {
    const { name, namespace, values } = release;
    const epp = endpointPickerName(name);
    const targetPorts = (valueAt(values, "inferencePool.targetPorts") as { number: number }[] | undefined) ?? tag.poolDefaults.targetPorts;
    const extProcPort = (valueAt(values, "inferenceExtension.extProcPort") as number | undefined) ?? tag.poolDefaults.extProcPort;
    const metricsPort = (valueAt(values, "inferenceExtension.metricsPort") as number | undefined) ?? 9090;
    const eppLabels = { inferencepool: epp };
    const eppArgs = endpointPickerArgs(release, tag.extras);
    const objects: KubeObject[] = [
        {
            apiVersion: "inference.networking.k8s.io/v1",
            kind: "InferencePool",
            metadata: { name, namespace },
            spec: {
                targetPorts: targetPorts.map((p) => ({ number: p.number })),
                selector: { matchLabels: valueAt(values, "inferencePool.modelServers.matchLabels") ?? {} },
                endpointPickerRef: { name: epp, port: { number: extProcPort } },
            },
        },
        {
            apiVersion: "v1",
            kind: "Service",
            metadata: { name: epp, namespace },
            spec: {
                selector: eppLabels,
                ports: [
                    { name: "grpc-ext-proc", protocol: "TCP", port: extProcPort },
                    { name: "http-metrics", protocol: "TCP", port: metricsPort },
                ],
            },
        },
        { apiVersion: "v1", kind: "ServiceAccount", metadata: { name: epp, namespace } },
        {
            apiVersion: "apps/v1",
            kind: "Deployment",
            metadata: { name: epp, namespace },
            spec: {
                selector: { matchLabels: eppLabels },
                template: {
                    metadata: { labels: eppLabels },
                    spec: {
                        serviceAccountName: epp,
                        containers: [
                            {
                                name: "epp",
                                image: imageFrom(values, "inferenceExtension", tag, tag.eppImage),
                                ...(eppArgs.length === 0 ? {} : { args: eppArgs }),
                                // Hard-coded in the template, whatever extProcPort says.
                                ports: [
                                    { name: "grpc", containerPort: 9002 },
                                    { name: "grpc-health", containerPort: 9003 },
                                    { name: "metrics", containerPort: 9090 },
                                ],
                            },
                        ],
                    },
                },
            },
        },
    ];
    if (String(valueAt(values, "provider.name") ?? "none").toLowerCase() === "gke") {
        const healthCheckPort = tag.healthCheckPort === "firstTargetPort" && targetPorts.length > 0
            ? targetPorts[0].number
            : ((valueAt(values, "inferencePool.targetPortNumber") as number | undefined) ?? tag.poolDefaults.targetPortNumber);
        const targetRef = { group: "inference.networking.k8s.io", kind: "InferencePool", name };
        objects.push({
            apiVersion: "networking.gke.io/v1",
            kind: "HealthCheckPolicy",
            metadata: { name, namespace },
            spec: { targetRef, default: { config: { type: "HTTP", httpHealthCheck: { requestPath: "/health", port: healthCheckPort } } } },
        });
    }
    objects.push(...poolChartExtras(release, tag.extras, epp, eppLabels));
    return objects;
}

function bodyBasedRoutingObjects(release: HelmRelease, tag: ChartTag): KubeObject[] {
    const { namespace, values } = release;
    // values.yaml at every tag: bbr.name body-based-router, port 9004, inferenceGateway.name inference-gateway.
    const bbr = String(valueAt(values, "bbr.name") ?? "body-based-router");
    const port = (valueAt(values, "bbr.port") as number | undefined) ?? 9004;
    const objects: KubeObject[] = [
        {
            apiVersion: "apps/v1",
            kind: "Deployment",
            metadata: { name: bbr, namespace },
            spec: {
                selector: { matchLabels: { app: bbr } },
                template: {
                    metadata: { labels: { app: bbr } },
                    spec: { containers: [{ name: "bbr", image: imageFrom(values, "bbr", tag, tag.bbrImage), args: ["--streaming", ...tag.bbrPluginArgs], ports: [{ containerPort: port }] }] },
                },
            },
        },
        { apiVersion: "v1", kind: "Service", metadata: { name: bbr, namespace }, spec: { selector: { app: bbr }, ports: [{ protocol: "TCP", port, targetPort: port }] } },
    ];
    const provider = String(valueAt(values, "provider.name") ?? "none");
    if (provider === "gke") {
        objects.push({
            apiVersion: "networking.gke.io/v1",
            kind: "GCPRoutingExtension",
            metadata: { name: bbr, namespace },
            spec: {
                targetRefs: [{ group: "gateway.networking.k8s.io", kind: "Gateway", name: String(valueAt(values, "inferenceGateway.name") ?? "inference-gateway") }],
                extensionChains: [{ name: "chain1", extensions: [{ name: "ext1", backendRef: { group: "", kind: "Service", name: bbr, port } }] }],
            },
        });
    } else if (provider === "istio") {
        // templates/istio.yaml: no workload selector, so it applies to every proxy in the namespace.
        objects.push({
            apiVersion: "networking.istio.io/v1alpha3",
            kind: "EnvoyFilter",
            metadata: { name: bbr, namespace },
            spec: { configPatches: [{ patch: { value: { typed_config: { grpc_service: { envoy_grpc: { cluster_name: `outbound|${port}||${bbr}.${namespace}.svc.cluster.local` } } } } } }] },
        });
    }
    return objects;
}

/** The objects a release renders, or undefined for a chart or tag the model does not know. */
export function chartObjects(release: HelmRelease): KubeObject[] | undefined {
    const tag = Object.hasOwn(CHART_TAGS, release.version) ? CHART_TAGS[release.version] : undefined;
    const chart = chartName(release);
    if (tag === undefined || chart === undefined) return undefined;
    return chart === "inferencepool" ? inferencePoolObjects(release, tag) : bodyBasedRoutingObjects(release, tag);
}

/** `objects` with what each release of the two charts renders added, unless the chart was
 * expanded already (a preview's own children: its InferencePool or BBR Deployment is there), and
 * then every object of it, so that one the program makes too shows twice; `unmodelled` lists their
 * releases at a tag the model does not know. */
export function withChartObjects(objects: readonly KubeObject[], releases: readonly HelmRelease[]): { objects: KubeObject[]; unmodelled: HelmRelease[] } {
    const all = [...objects];
    const unmodelled: HelmRelease[] = [];
    for (const release of releases) {
        if (chartName(release) === undefined) continue;
        const rendered = chartObjects(release);
        if (rendered === undefined) {
            unmodelled.push(release);
            continue;
        }
        // The first object is the chart's own: the InferencePool, or BBR's Deployment.
        const [own] = rendered;
        const expanded = find({ objects: all, dashboards: [] }, own.kind, namespaceOf(own), own.metadata.name) !== undefined;
        if (!expanded) all.push(...rendered);
    }
    return { objects: all, unmodelled };
}
