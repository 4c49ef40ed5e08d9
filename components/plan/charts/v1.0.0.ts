/**
 * Release v1.0.0 of kubernetes-sigs/gateway-api-inference-extension (tag `v1.0.0`, commit
 * ffea26329a16922bb3b2cf37a383417c511227d5), read at the tag. Files are relative to the chart's
 * directory unless they start with the repository root. The values schemas accept exactly the
 * `.Values` paths listed in the values-read files beside this one (checked by
 * test/releaseLines.test.ts).
 */
import { z } from "zod";
import type { ReleaseLine } from "./releaseLine";

const port = z.number().int().min(1).max(65535);

const image = z
    .strictObject({
        name: z.string(),
        hub: z.string(),
        tag: z.string(),
        pullPolicy: z.enum(["Always", "IfNotPresent", "Never"]),
    })
    .partial();

/** A Kubernetes EnvVar: the chart passes `inferenceExtension.env` to the container whole
 * (`toYaml`, templates/epp-deployment.yaml), so `valueFrom` works as it does in any pod. */
const envVar = z
    .strictObject({
        name: z.string().min(1),
        value: z.string().optional(),
        valueFrom: z
            .strictObject({
                secretKeyRef: z.record(z.string(), z.unknown()),
                configMapKeyRef: z.record(z.string(), z.unknown()),
                fieldRef: z.record(z.string(), z.unknown()),
                resourceFieldRef: z.record(z.string(), z.unknown()),
            })
            .partial()
            .optional(),
    })
    .refine((e) => e.value === undefined || e.valueFrom === undefined, "set value or valueFrom, not both");

const inferencePoolValues = z
    .strictObject({
        inferenceExtension: z
            .strictObject({
                replicas: z.number().int().min(1),
                image,
                extProcPort: port,
                // Only the EPP Service's port: the container serves metrics on 9090 whatever this says.
                metricsPort: port,
                env: z.array(envVar),
                pluginsConfigFile: z.string(),
                pluginsCustomConfig: z.record(z.string(), z.string()),
                extraContainerPorts: z.array(z.record(z.string(), z.unknown())),
                extraServicePorts: z.array(z.record(z.string(), z.unknown())),
                // A list of {name, value}: each becomes `--<name> "<value>"` (templates/epp-deployment.yaml).
                flags: z.array(z.strictObject({ name: z.string(), value: z.union([z.string(), z.number(), z.boolean()]) })),
                enableLeaderElection: z.boolean(),
                failureMode: z.enum(["FailOpen", "FailClose"]),
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
        // templates/gke.yaml renders for `gke` only; any other name renders nothing.
        provider: z.strictObject({ name: z.enum(["none", "gke"]) }).partial(),
        gke: z.strictObject({ monitoringSecret: z.strictObject({ name: z.string(), namespace: z.string() }).partial() }).partial(),
    })
    .partial();

const bodyBasedRoutingValues = z
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
    inferencePool: {
        chartDir: "config/charts/inferencepool",
        valuesReadFile: "inferencepool@v1.0.0.json",
        valuesSchema: inferencePoolValues,
        unreachablePaths: {
            "inferenceExtension.failureMode":
                "is read only for a v1alpha2 pool (templates/inferencepool.yaml at v1.0.0); a v1 pool has no failure mode in this chart version, so Helm would ignore it",
        },
        // templates/rbac.yaml: ClusterRole `<release>-epp` may create tokenreviews and
        // subjectaccessreviews, bound to the EPP's own ServiceAccount.
        metricsAuthorizedByChart: true,
        // templates/inferencepool.yaml: `range .Values.inferencePool.targetPorts` → `- number:`;
        // values.yaml defaults it to [{number: 8000}].
        targetPortsPath: "inferencePool.targetPorts",
        // templates/_helpers.tpl: `.Release.Name | ... | trunc 40` then `-epp`.
        endpointPickerNameLimit: 40,
        providers: {
            none: {},
            gke: {
                // templates/gke.yaml: HealthCheckPolicy `port: {{ .Values.inferencePool.targetPortNumber }}`.
                healthCheckPortPath: "inferencePool.targetPortNumber",
                // templates/gke.yaml: GCPBackendPolicy `timeoutSec: 300`.
                backendTimeoutSeconds: 300,
                // templates/gke.yaml: a ClusterPodMonitoring `<namespace>-<release>` on port `metrics`
                // every 5s, always, with the token of Secret gke.monitoringSecret.{name,namespace}
                // (values.yaml: inference-gateway-sa-metrics-reader-secret in default).
                endpointPickerMonitor: {
                    secretNamePath: "gke.monitoringSecret.name",
                    secretNamespacePath: "gke.monitoringSecret.namespace",
                },
            },
        },
    },
    bodyBasedRouting: {
        chartDir: "config/charts/body-based-routing",
        valuesReadFile: "body-based-routing@v1.0.0.json",
        valuesSchema: bodyBasedRoutingValues,
        unreachablePaths: {},
        // templates/bbr.yaml sets no serviceAccountName and the chart has no RBAC, so BBR runs as
        // the namespace's `default` account; its /metrics sits behind controller-runtime's
        // WithAuthenticationAndAuthorization filter (cmd/bbr/main.go), which must create
        // TokenReviews and SubjectAccessReviews.
        metricsAuthorizedByChart: false,
    },
};
