/**
 * Release v1.5.0 of kubernetes-sigs/gateway-api-inference-extension (tag `v1.5.0`, commit
 * df9f8909fe06fe2dfd4a6fc0bd0c01a0acabf849, 2026-04-18), the last that publishes both charts,
 * read at the tag. The inferencepool chart is `config/charts/inferencepool` plus the library chart
 * `config/charts/epplib` (Chart.yaml: `repository: file://../epplib`, alias `inferenceExtension`),
 * whose helpers run with the parent's values; files under `../epplib/` are that chart's. Its EPP
 * requests 4 CPU and 8 GiB, takes flags as a map, serves an authenticated `/metrics`, and its pool
 * fails open; the v1alpha2 pool and the LoRA syncer are gone; BBR maps adapters to base models.
 */
import { z } from "zod";
import { baseModelRoutingAt } from "./bodyBasedRouterFacts";
import type { ReleaseLine } from "./releaseLine";
import {
    destinationRule,
    endpointPickerCommon,
    endpointPickerTracing,
    flagsMap,
    gkeProvider,
    metricsDataSource,
    passedWhole,
    passedWholeList,
    pluginsFileHeld,
    port,
    predictionProbe,
    prometheusMonitoring,
    registryImage,
} from "./valuesShapes";

/** The latency predictor (epplib/templates/_latency-predictor.tpl and _config.yaml). */
const latencyPredictor = z
    .strictObject({
        enabled: z.boolean(),
        eppEnv: z.record(z.string(), z.string()),
        trainingServer: z
            .strictObject({
                image: registryImage,
                port,
                resources: passedWhole,
                livenessProbe: passedWhole,
                readinessProbe: passedWhole,
                config: z.record(z.string(), z.string()),
                volumeSize: z.string(),
            })
            .partial(),
        predictionServers: z
            .strictObject({
                image: registryImage,
                startPort: port,
                count: z.number().int().min(1),
                resources: passedWhole,
                livenessProbe: predictionProbe(false),
                readinessProbe: predictionProbe(true),
                config: z.record(z.string(), z.string()),
                volumeSize: z.string(),
            })
            .partial(),
    })
    .partial();

/** epplib/templates/_deployment.yaml's own EPP flags (endpoint-* in the pool-less mode; the
 * metric flags of other model server types only for them). */
const EPP_CHART_FLAGS = [
    "pool-name",
    "pool-namespace",
    "pool-group",
    "endpoint-selector",
    "endpoint-target-ports",
    "zap-encoder",
    "config-file",
    "ha-enable-leader-election",
    "tracing",
    "metrics-endpoint-auth",
];

/** templates/bbr.yaml's own flags: --streaming, one --plugin per bbr.plugins entry, --tracing. */
const BBR_CHART_FLAGS = ["streaming", "plugin", "tracing"];

const inferencePoolValues = z
    .strictObject({
        inferenceExtension: z
            .strictObject({
                ...endpointPickerCommon,
                image: registryImage,
                // A map: each entry `--<key>` then `"<value>"` (epplib/templates/_deployment.yaml).
                flags: flagsMap(EPP_CHART_FLAGS),
                // templates/inferencepool.yaml: `endpointPickerRef.failureMode`, default FailOpen.
                failureMode: z.enum(["FailOpen", "FailClose"]),
                affinity: passedWhole,
                tolerations: passedWholeList,
                resources: z
                    .strictObject({
                        requests: z.strictObject({ cpu: z.union([z.string(), z.number()]), memory: z.string() }).partial(),
                        limits: z.strictObject({ cpu: z.union([z.string(), z.number()]), memory: z.string() }).partial(),
                    })
                    .partial(),
                volumes: passedWholeList,
                volumeMounts: passedWholeList,
                monitoring: z
                    .strictObject({
                        interval: z.string(),
                        prometheus: prometheusMonitoring,
                    })
                    .partial(),
                tracing: endpointPickerTracing,
                metricsDataSource,
                endpointsServer: z
                    .strictObject({
                        createInferencePool: z.boolean(),
                        endpointSelector: z.string(),
                        modelServerProtocol: z.string(),
                        modelServerType: z.string(),
                        targetPorts: z.string(),
                    })
                    .partial(),
                sidecar: z
                    .strictObject({
                        enabled: z.boolean(),
                        name: z.string(),
                        image: z.string(),
                        imagePullPolicy: z.string(),
                        command: z.string(),
                        args: z.array(z.string()),
                        env: passedWholeList,
                        ports: passedWholeList,
                        resources: passedWhole,
                        livenessProbe: passedWhole,
                        readinessProbe: passedWhole,
                        volumes: passedWholeList,
                        volumeMounts: passedWholeList,
                        configMap: z.strictObject({ name: z.string(), data: passedWhole }).partial(),
                    })
                    .partial(),
                latencyPredictor,
            })
            .partial()
            .superRefine(pluginsFileHeld),
        inferencePool: z
            .strictObject({
                targetPorts: z.array(z.strictObject({ number: port })).min(1),
                targetPortNumber: port,
                modelServerType: z.enum(["vllm", "sglang", "triton-tensorrt-llm", "trtllm-serve"]),
                modelServerProtocol: z.enum(["http", "grpc"]),
                parser: z.string(),
                modelServers: z.strictObject({ matchLabels: z.record(z.string(), z.string()) }),
            })
            .partial(),
        // templates/gke.yaml tests `lower provider.name` "gke"; templates/istio.yaml exactly "istio".
        provider: z.strictObject({ name: z.enum(["none", "gke", "istio"]), gke: gkeProvider, istio: z.strictObject({ destinationRule }).partial() }).partial(),
        experimentalHttpRoute: z
            .strictObject({ enabled: z.boolean(), inferenceGatewayName: z.string(), baseModel: z.string(), requestTimeout: z.string() })
            .partial(),
        inferenceObjectives: z.array(
            z.strictObject({
                name: z.string(),
                priority: z.number().int(),
                Values: z.strictObject({ inferenceExtension: z.strictObject({ apiVersion: z.string() }) }),
            }),
        ),
    })
    .partial();

const bodyBasedRoutingValues = z
    .strictObject({
        bbr: z
            .strictObject({
                name: z.string(),
                replicas: z.number().int().min(1),
                image: registryImage,
                port,
                healthCheckPort: port,
                // templates/bbr.yaml: without it, env NAMESPACE limits BBR to its own namespace.
                multiNamespace: z.boolean(),
                flags: flagsMap(BBR_CHART_FLAGS),
                plugins: z.array(z.strictObject({ type: z.string(), name: z.string(), json: passedWhole })),
                tracing: z
                    .strictObject({
                        enabled: z.boolean(),
                        otelServiceName: z.string(),
                        otelExporterEndpoint: z.string(),
                        sampling: z.strictObject({ sampler: z.string(), samplerArg: z.string() }).partial(),
                    })
                    .partial(),
            })
            .partial(),
        provider: z
            .strictObject({
                name: z.enum(["none", "gke", "istio"]),
                istio: z.strictObject({ envoyFilter: z.strictObject({ operation: z.string(), anchorSubFilter: z.string() }).partial() }).partial(),
            })
            .partial(),
        inferenceGateway: z.strictObject({ name: z.string() }).partial(),
    })
    .partial();

/** The EPP's metrics with no monitor of the chart's: its authentication off through the chart's
 * own key (epplib/templates/_deployment.yaml: `--metrics-endpoint-auth=false` when
 * `monitoring.prometheus.auth.enabled` is false), because the chart grants the EPP the right to
 * review tokens only with `monitoring.prometheus.enabled` (epplib/templates/_rbac.yaml), which
 * off GKE renders a Prometheus Operator ServiceMonitor instead (epplib/templates/_servicemonitor.yaml). */
const PROGRAM_SCRAPES_OPEN_METRICS = {
    values: { "inferenceExtension.monitoring.prometheus.auth.enabled": false },
    monitor: "program",
    authenticated: false,
} as const;

/** Release v1.5.0. */
export const RELEASE_V1_5_0: ReleaseLine = {
    version: "v1.5.0",
    source: {
        repository: "kubernetes-sigs/gateway-api-inference-extension",
        tag: "v1.5.0",
        commit: "df9f8909fe06fe2dfd4a6fc0bd0c01a0acabf849",
    },
    // site-src/guides/index.md applies `manifests.yaml` (Makefile `artifacts`; `v1-manifests.yaml`
    // would hold the v1 pool alone). An upgrade from v1.0.x then updates the CRDs both releases ship
    // in place and drops only the v1alpha2 InferencePool, which v1.5.0 no longer has; the EPP
    // watches InferenceObjective and InferenceModelRewrite where their CRDs exist
    // (pkg/epp/server/controller_config.go: discovery).
    crdAsset: "manifests.yaml",
    // config/crd/kustomization.yaml: the v1 InferencePool; no x-k8s v1alpha2 InferencePool any more
    // (InferenceObjective, InferenceModelRewrite v1alpha2 and InferencePoolImport v1alpha1 besides).
    poolApiVersions: ["inference.networking.k8s.io/v1"],
    inferencePool: {
        // site-src/_includes/epp.md: oci://registry.k8s.io/gateway-api-inference-extension/charts/inferencepool.
        chart: "oci://registry.k8s.io/gateway-api-inference-extension/charts/inferencepool",
        chartDir: "config/charts/inferencepool",
        valuesReadFile: "inferencepool@v1.5.0.json",
        valuesSchema: inferencePoolValues,
        chartFlags: EPP_CHART_FLAGS,
        unreachablePaths: {
            "inferencePool.targetPortNumber":
                "is read only when inferencePool.targetPorts is empty (templates/gke.yaml at v1.5.0), and the program always sets the pool's target port",
            inferenceObjectives:
                "fails the render at v1.5.0: templates/inferenceobjectives.yaml reads .Values inside its range (nil pointer evaluating .inferenceExtension); create InferenceObjectives yourself",
            "experimentalHttpRoute.enabled": "renders a second HTTPRoute for the pool (templates/httproute.yaml); the program makes each model's route",
            "inferenceExtension.endpointsServer":
                "runs the EPP without an InferencePool (standalone mode, epplib/templates/_helpers.tpl); the program's routes send to the pool",
            "inferenceExtension.latencyPredictor.enabled":
                "adds latency-predictor containers to each EPP pod (epplib/templates/_latency-predictor.tpl) whose requests the system pool sizing does not count",
            "inferenceExtension.sidecar.enabled":
                "adds a container to each EPP pod (epplib/templates/_deployment.yaml) whose requests the system pool sizing does not count",
        },
        targetPortsPath: "inferencePool.targetPorts",
        // epplib/templates/_helpers.tpl: `.Release.Name | ... | trunc 40` then `-epp`.
        endpointPickerNameLimit: 40,
        flagsShape: "map",
        // values.yaml: requests cpu "4", memory 8Gi (limits memory 16Gi, no CPU limit), passed whole
        // by epplib/templates/_deployment.yaml (`with .Values.inferenceExtension.resources`).
        endpointPickerResources: { requests: { cpu: 4, memoryGiB: 8 }, valuesPath: "inferenceExtension.resources" },
        providers: {
            none: { endpointPickerMetrics: PROGRAM_SCRAPES_OPEN_METRICS },
            gke: {
                // templates/gke.yaml: the HealthCheckPolicy probes `(index inferencePool.targetPorts 0).number`.
                healthCheckPortPath: undefined,
                // templates/gke.yaml: GCPBackendPolicy `timeoutSec: 300`.
                backendTimeoutSeconds: 300,
                // epplib/templates/_gke.yaml: with monitoring.prometheus.enabled (and auth.enabled, the
                // default) a PodMonitoring `<release>` every monitoring.interval with the chart's own
                // reader, as at v1.0.2; _rbac.yaml then lets the EPP review tokens; on GKE no
                // ServiceMonitor (_servicemonitor.yaml: `ne (lower provider.name) "gke"`).
                endpointPickerMetrics: {
                    values: { "inferenceExtension.monitoring.prometheus.enabled": true },
                    monitor: "chart",
                    intervalPath: "inferenceExtension.monitoring.interval",
                },
            },
            // templates/istio.yaml: DestinationRule `<release>-epp` (v1beta1, no metadata.namespace),
            // TLS SIMPLE with insecureSkipVerify.
            istio: { endpointPickerMetrics: PROGRAM_SCRAPES_OPEN_METRICS, endpointPickerDestinationRule: true },
        },
    },
    bodyBasedRouting: {
        chart: "oci://registry.k8s.io/gateway-api-inference-extension/charts/body-based-routing",
        chartDir: "config/charts/body-based-routing",
        valuesReadFile: "body-based-routing@v1.5.0.json",
        valuesSchema: bodyBasedRoutingValues,
        chartFlags: BBR_CHART_FLAGS,
        unreachablePaths: {
            "bbr.plugins":
                "replaces BBR's plugins (templates/bbr.yaml); the routes rely on the default body-field-to-header and base-model-to-header (values.yaml)",
        },
        // The chart grants BBR only configmaps get/list/watch (templates/rbac.yaml); BBR's
        // `/metrics` requires a token by default (pkg/bbr/server/options.go MetricsEndpointAuth).
        metricsAuthorizedByChart: false,
        // templates/gke.yaml and templates/istio.yaml read it (body-based-routing@v1.5.0.json).
        gatewayNameProviders: ["gke", "istio"],
        // pkg/bbr/plugins/basemodelextractor at the tag (facts/bbr-model-header.json).
        baseModelRouting: baseModelRoutingAt("v1.5.0"),
    },
    // tools/dynamic-lora-sidecar removed "in favor of native resolver" (#2744); the guide
    // (site-src/guides/adapter-rollout.md) uses vLLM's lora_filesystem_resolver on /adapters.
    adapterLoading: { kind: "resolver" },
    vllmTag: "v0.20.2",
    // Its EPP's defaults name metrics vLLM v0.20.2 registers as it starts (pkg/epp/server/options.go:105-109).
    vllmMetricArgs: [],
};
