/**
 * Release v1.0.0 of kubernetes-sigs/gateway-api-inference-extension (tag `v1.0.0`, commit
 * ffea26329a16922bb3b2cf37a383417c511227d5), read at the tag. Files are relative to the chart's
 * directory unless they start with the repository root. The values schemas accept exactly the
 * `.Values` paths listed in the values-read files beside this one (checked by
 * test/releaseLines.test.ts).
 */
import { z } from "zod";
import { baseModelRoutingAt } from "./bodyBasedRouterFacts";
import type { ReleaseLine } from "./releaseLine";
import { endpointPickerCommon, flagsList, hubImage as image, pluginsFileHeld, poolSettingsV1_0, port } from "./valuesShapes";

/** templates/epp-deployment.yaml's own EPP flags (the Triton metric flags only for Triton). */
const EPP_CHART_FLAGS = ["pool-name", "pool-namespace", "zap-encoder", "config-file"];

const inferencePoolValues = z
    .strictObject({
        inferenceExtension: z
            .strictObject({
                ...endpointPickerCommon,
                image,
                // A list of {name, value}: each becomes `--<name> "<value>"` after the flags the
                // template sets itself (templates/epp-deployment.yaml).
                flags: flagsList(EPP_CHART_FLAGS),
                enableLeaderElection: z.boolean(),
                failureMode: z.enum(["FailOpen", "FailClose"]),
            })
            .partial()
            .superRefine(pluginsFileHeld),
        inferencePool: poolSettingsV1_0,
        // templates/gke.yaml renders for `gke` only; any other name renders nothing.
        provider: z.strictObject({ name: z.enum(["none", "gke"]) }).partial(),
        gke: z.strictObject({ monitoringSecret: z.strictObject({ name: z.string(), namespace: z.string() }).partial() }).partial(),
    })
    .partial();

/** The body-based-routing chart's values at v1.0.0, read the same at v1.0.2 (both values-read lists). */
export const BODY_BASED_ROUTING_VALUES_V1_0 = z
    .strictObject({
        bbr: z
            .strictObject({
                name: z.string(),
                replicas: z.number().int().min(1),
                image,
                port,
                healthCheckPort: port,
            })
            .partial(),
        provider: z.strictObject({ name: z.enum(["none", "gke", "istio"]) }).partial(),
        inferenceGateway: z.strictObject({ name: z.string() }).partial(),
    })
    .partial();

/** Release v1.0.0. */
export const RELEASE_V1_0_0: ReleaseLine = {
    version: "v1.0.0",
    source: {
        repository: "kubernetes-sigs/gateway-api-inference-extension",
        tag: "v1.0.0",
        commit: "ffea26329a16922bb3b2cf37a383417c511227d5",
    },
    // Makefile (`kustomize build config/crd -o artifacts/manifests.yaml`) and
    // hack/release-quickstart.sh; `v1-manifests.yaml` appears only at v1.1.0.
    crdAsset: "manifests.yaml",
    // config/crd/kustomization.yaml: the v1 pool and the experimental v1alpha2 one.
    poolApiVersions: ["inference.networking.k8s.io/v1", "inference.networking.x-k8s.io/v1alpha2"],
    inferencePool: {
        // site-src/guides/index.md: `helm install ... oci://registry.k8s.io/gateway-api-inference-extension/charts/inferencepool`.
        chart: "oci://registry.k8s.io/gateway-api-inference-extension/charts/inferencepool",
        chartDir: "config/charts/inferencepool",
        valuesReadFile: "inferencepool@v1.0.0.json",
        valuesSchema: inferencePoolValues,
        unreachablePaths: {
            "inferenceExtension.failureMode":
                "is read only for a v1alpha2 pool (templates/inferencepool.yaml at v1.0.0); a v1 pool has no failure mode in this chart version, so Helm would ignore it",
        },
        chartFlags: EPP_CHART_FLAGS,
        // templates/inferencepool.yaml: `range .Values.inferencePool.targetPorts` → `- number:`;
        // values.yaml defaults it to [{number: 8000}].
        targetPortsPath: "inferencePool.targetPorts",
        // templates/_helpers.tpl: `.Release.Name | ... | trunc 40` then `-epp`.
        endpointPickerNameLimit: 40,
        // templates/epp-deployment.yaml: `range .Values.inferenceExtension.flags` → `--{{ .name }}`, `{{ .value }}`.
        flagsShape: "list",
        // templates/epp-deployment.yaml sets no resources.
        endpointPickerResources: undefined,
        providers: {
            // templates/rbac.yaml: ClusterRole `<release>-epp` may create tokenreviews and
            // subjectaccessreviews, bound to the EPP's own ServiceAccount: the program's
            // PodMonitoring scrapes with the metrics reader's token.
            none: { endpointPickerMetrics: { values: {}, monitor: "program", authenticated: true } },
            gke: {
                // templates/gke.yaml: HealthCheckPolicy `port: {{ .Values.inferencePool.targetPortNumber }}`.
                healthCheckPortPath: "inferencePool.targetPortNumber",
                // templates/gke.yaml: GCPBackendPolicy `timeoutSec: 300`.
                backendTimeoutSeconds: 300,
                // templates/gke.yaml: a ClusterPodMonitoring `<namespace>-<release>` on port `metrics`
                // every 5s, always, with the token of Secret gke.monitoringSecret.{name,namespace}
                // (values.yaml: inference-gateway-sa-metrics-reader-secret in default).
                endpointPickerMetrics: {
                    values: {},
                    monitor: "chart",
                    tokenSecret: { namePath: "gke.monitoringSecret.name", namespacePath: "gke.monitoringSecret.namespace" },
                },
            },
        },
    },
    bodyBasedRouting: {
        // site-src/guides/serving-multiple-inference-pools-latest.md names the staging registry; the
        // release script pushes both charts to the same production path (hack/push-chart.sh).
        chart: "oci://registry.k8s.io/gateway-api-inference-extension/charts/body-based-routing",
        chartDir: "config/charts/body-based-routing",
        valuesReadFile: "body-based-routing@v1.0.0.json",
        valuesSchema: BODY_BASED_ROUTING_VALUES_V1_0,
        unreachablePaths: {},
        // templates/bbr.yaml: `--streaming`, `--v 3`; the chart takes no flags value at v1.0.x.
        chartFlags: ["streaming", "v"],
        // templates/bbr.yaml sets no serviceAccountName and the chart has no RBAC, so BBR runs as
        // the namespace's `default` account; its /metrics sits behind controller-runtime's
        // WithAuthenticationAndAuthorization filter (cmd/bbr/main.go), which must create
        // TokenReviews and SubjectAccessReviews.
        metricsAuthorizedByChart: false,
        // pkg/bbr/handlers/request.go sets only the model header (facts/bbr-model-header.json).
        baseModelRouting: baseModelRoutingAt("v1.0.0"),
        // Only templates/gke.yaml reads it; templates/istio.yaml's EnvoyFilter names no Gateway.
        gatewayNameProviders: ["gke"],
    },
    // The adapter syncer of the v1.0 line (tools/dynamic-lora-sidecar, image pushed by the
    // release); its v1.0.2 build is the line's newest.
    adapterLoading: { kind: "syncer", syncerImage: "registry.k8s.io/gateway-api-inference-extension/lora-syncer:v1.0.2" },
    vllmTag: "v0.11.0",
    // The EPP's KV-cache metric defaults to vllm:gpu_cache_usage_perc (pkg/epp/server/runserver.go:80),
    // which vLLM v0.11.0 registers only with this flag (vllm/v1/metrics/loggers.py:208-215: "renamed
    // as vllm:kv_cache_usage_perc", "with 0.11.x you can enable with --show-hidden-metrics-for-version=0.10").
    vllmMetricArgs: ["--show-hidden-metrics-for-version", "0.10"],
};
