/**
 * Release v1.0.2 of kubernetes-sigs/gateway-api-inference-extension (tag `v1.0.2`, commit
 * cd03ff7d8a22712119c2b96df6749d6279d776b5), the v1.0 line's newest patch, read at the tag. Files
 * are relative to the chart's directory. From v1.0.1 the inferencepool chart renders an Istio
 * DestinationRule for its EPP, opt-in GKE monitoring with its own reader, and names its
 * cluster-scoped RBAC `<release>-<namespace>-epp`; the body-based-routing chart reads the same
 * values as at v1.0.0.
 */
import { z } from "zod";
import { RELEASE_V1_0_0, BODY_BASED_ROUTING_VALUES_V1_0 } from "./v1.0.0";
import type { ReleaseLine } from "./releaseLine";
import { destinationRule, endpointPickerCommon, flagsList, gkeProvider, hubImage, pluginsFileHeld, poolSettingsV1_0 } from "./valuesShapes";

/** templates/epp-deployment.yaml's own EPP flags (pool-group for a v1alpha2 pool,
 * ha-enable-leader-election with several replicas; the Triton metric flags only for Triton). */
const EPP_CHART_FLAGS = ["pool-name", "pool-namespace", "pool-group", "zap-encoder", "config-file", "ha-enable-leader-election"];

const inferencePoolValues = z
    .strictObject({
        inferenceExtension: z
            .strictObject({
                ...endpointPickerCommon,
                image: hubImage,
                flags: flagsList(EPP_CHART_FLAGS),
                failureMode: z.enum(["FailOpen", "FailClose"]),
                monitoring: z
                    .strictObject({
                        interval: z.string(),
                        secret: z.strictObject({ name: z.string() }).partial(),
                        prometheus: z.strictObject({ enabled: z.boolean() }).partial(),
                        gke: z.strictObject({ enabled: z.boolean() }).partial(),
                    })
                    .partial(),
            })
            .partial()
            .superRefine(pluginsFileHeld),
        inferencePool: poolSettingsV1_0,
        // templates/gke.yaml tests `lower provider.name` "gke"; templates/istio.yaml exactly "istio".
        provider: z.strictObject({ name: z.enum(["none", "gke", "istio"]), gke: gkeProvider }).partial(),
        istio: z.strictObject({ destinationRule }).partial(),
    })
    .partial();

/** Release v1.0.2. */
export const RELEASE_V1_0_2: ReleaseLine = {
    version: "v1.0.2",
    source: {
        repository: "kubernetes-sigs/gateway-api-inference-extension",
        tag: "v1.0.2",
        commit: "cd03ff7d8a22712119c2b96df6749d6279d776b5",
    },
    // Makefile `artifacts` as at v1.0.0: `manifests.yaml` only.
    crdAsset: "manifests.yaml",
    poolApiVersions: RELEASE_V1_0_0.poolApiVersions,
    inferencePool: {
        // The same target ports, EPP name limit (templates/_helpers.tpl), flags list and no
        // resources (templates/epp-deployment.yaml) as at v1.0.0.
        ...RELEASE_V1_0_0.inferencePool,
        valuesReadFile: "inferencepool@v1.0.2.json",
        valuesSchema: inferencePoolValues,
        chartFlags: EPP_CHART_FLAGS,
        unreachablePaths: {
            ...RELEASE_V1_0_0.inferencePool.unreachablePaths,
            "inferenceExtension.monitoring.prometheus.enabled":
                "renders a Prometheus Operator ServiceMonitor and a token Secret (templates/epp-servicemonitor.yaml, epp-sa-token-secret.yaml at v1.0.2): a second monitor beside the one the program sets up for each EPP",
        },
        providers: {
            // templates/rbac.yaml: ClusterRole `<release>-<namespace>-epp` (renamed from v1.0.0's
            // `<release>-epp`) still always lets the EPP create tokenreviews and subjectaccessreviews.
            none: RELEASE_V1_0_0.inferencePool.providers.none,
            gke: {
                // templates/gke.yaml: the same HealthCheckPolicy port and GCPBackendPolicy timeout;
                // with inferenceExtension.monitoring.gke.enabled, a PodMonitoring `<release>` every
                // monitoring.interval with the token of the chart's own reader (ServiceAccount
                // `<release>-metrics-reader-sa`, its token Secret, ClusterRole
                // `<namespace>-<release>-metrics-reader` and the collector's Role and RoleBinding).
                ...RELEASE_V1_0_0.inferencePool.providers.gke,
                endpointPickerMetrics: {
                    values: { "inferenceExtension.monitoring.gke.enabled": true },
                    monitor: "chart",
                    intervalPath: "inferenceExtension.monitoring.interval",
                },
            },
            // templates/istio.yaml (exactly "istio"): DestinationRule `<release>-epp`
            // (networking.istio.io/v1beta1, no metadata.namespace: the release's), host
            // `<release>-epp.<namespace>.svc.cluster.local`, TLS SIMPLE with insecureSkipVerify.
            istio: {
                endpointPickerMetrics: { values: {}, monitor: "program", authenticated: true },
                endpointPickerDestinationRule: true,
            },
        },
    },
    bodyBasedRouting: {
        ...RELEASE_V1_0_0.bodyBasedRouting,
        valuesReadFile: "body-based-routing@v1.0.2.json",
        valuesSchema: BODY_BASED_ROUTING_VALUES_V1_0,
    },
    adapterLoading: RELEASE_V1_0_0.adapterLoading,
    vllmTag: "v0.11.0",
    vllmMetricArgs: RELEASE_V1_0_0.vllmMetricArgs,
};
