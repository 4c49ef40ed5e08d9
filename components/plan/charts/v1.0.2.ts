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
import { destinationRule, envVar, flagsList, gkeProvider, hubImage, passedWholeList, port } from "./valuesShapes";

const inferencePoolValues = z
    .strictObject({
        inferenceExtension: z
            .strictObject({
                // templates/epp-deployment.yaml: replicas > 1 adds --ha-enable-leader-election.
                replicas: z.number().int().min(1),
                image: hubImage,
                extProcPort: port,
                // Only the EPP Service's port: the container serves metrics on 9090 whatever this says.
                metricsPort: port,
                env: z.array(envVar),
                pluginsConfigFile: z.string(),
                pluginsCustomConfig: z.record(z.string(), z.string()),
                extraContainerPorts: passedWholeList,
                extraServicePorts: passedWholeList,
                flags: flagsList,
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
            .partial(),
        inferencePool: z
            .strictObject({
                targetPorts: z.array(z.strictObject({ number: port })).min(1),
                targetPortNumber: port,
                modelServerType: z.enum(["vllm", "triton-tensorrt-llm"]),
                // The program's routes and CRDs are v1; a v1alpha2 pool is in another API group.
                apiVersion: z.literal("inference.networking.k8s.io/v1"),
                modelServers: z.strictObject({ matchLabels: z.record(z.string(), z.string()) }),
            })
            .partial(),
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
        chart: RELEASE_V1_0_0.inferencePool.chart,
        chartDir: "config/charts/inferencepool",
        valuesReadFile: "inferencepool@v1.0.2.json",
        valuesSchema: inferencePoolValues,
        unreachablePaths: {
            "inferenceExtension.failureMode":
                "is read only for a v1alpha2 pool (templates/inferencepool.yaml at v1.0.2); a v1 pool has no failure mode in this chart version, so Helm would ignore it",
            "inferenceExtension.monitoring.prometheus.enabled":
                "renders a Prometheus Operator ServiceMonitor and a token Secret (templates/epp-servicemonitor.yaml, epp-sa-token-secret.yaml at v1.0.2): a second monitor beside the one the program sets up for each EPP",
        },
        targetPortsPath: "inferencePool.targetPorts",
        // templates/_helpers.tpl: `.Release.Name | ... | trunc 40` then `-epp`.
        endpointPickerNameLimit: 40,
        flagsShape: "list",
        // templates/epp-deployment.yaml sets no resources.
        endpointPickerResources: undefined,
        providers: {
            // templates/rbac.yaml: ClusterRole `<release>-<namespace>-epp` always lets the EPP create
            // tokenreviews and subjectaccessreviews.
            none: { endpointPickerMetrics: { values: {}, monitor: "program", authenticated: true } },
            gke: {
                // templates/gke.yaml: HealthCheckPolicy `port: {{ .Values.inferencePool.targetPortNumber }}`.
                healthCheckPortPath: "inferencePool.targetPortNumber",
                // templates/gke.yaml: GCPBackendPolicy `timeoutSec: 300`.
                backendTimeoutSeconds: 300,
                // templates/gke.yaml: with inferenceExtension.monitoring.gke.enabled, a PodMonitoring
                // `<release>` every monitoring.interval with the token of the chart's own reader
                // (ServiceAccount `<release>-metrics-reader-sa`, its token Secret, ClusterRole
                // `<namespace>-<release>-metrics-reader` and the collector's Role and RoleBinding).
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
};
