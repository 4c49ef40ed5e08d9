/**
 * The llm-d router at tag `v0.10.0` (llm-d/llm-d-router, commit
 * 71f4f0999f95b96c49a9d0c4afbd18dfdb943c26, 2026-08-17), the Endpoint Picker's home since the
 * inference extension deleted its charts at v1.6.0: read at the tag, not yet a release line the
 * program serves with. What keeps it out of `RELEASE_LINES` is upstream, not shape: its other
 * half, the payload processor (llm-d/llm-d-inference-payload-processor, BBR's successor), has no
 * tag we can read, so no pinned chart or image of it exists for the line to name (see
 * docs/release-lines.md, "The llm-d line"). Each fact names the file and lines it was read from,
 * and a text the file holds there; `test/llmdRouterLine.test.ts` re-reads them at the tag.
 *
 * The gateway chart is `config/charts/llm-d-router-gateway` plus the library chart
 * `config/charts/routerlib` (Chart.yaml: `repository: file://../routerlib`, alias `router`), so
 * every EPP value sits under `router.*`; files under `../routerlib/` are that chart's.
 */
import { z } from "zod";
import type { ResourceRequests, UpstreamSource } from "./releaseLine";
import {
    destinationRule,
    endpointPickerTracing,
    envVar,
    metricsDataSource,
    passedWhole,
    passedWholeList,
    port,
    predictionProbe,
    prometheusMonitoring,
    registryImage,
} from "./valuesShapes";

/** Where in the repository, at the tag, a fact was read. */
export interface ReadAt {
    /** File in the repository. */
    file: string;
    /** Line numbers, `a` or `a-b`. */
    lines: string;
    /** Text the file holds on those lines, so that a re-read at the tag can find it. */
    text: string;
}

/** One fact read at a tag, with where it was read. */
export interface SourcedFact {
    /** The fact, in a sentence. */
    fact: string;
    /** Where it was read. */
    readAt: ReadAt;
}

/** The llm-d router's gateway chart and its EPP, as read at one tag. */
export interface LlmdRouterRead {
    /** Repository, tag and commit. */
    source: UpstreamSource;
    /** OCI reference of the published chart (the release script pushes to
     * `oci://${IMAGE_REGISTRY}/charts`). */
    chart: string;
    /** The chart's version as published: the tag itself, with its `v`. */
    chartVersion: string;
    /** The chart's directory in the repository. */
    chartDir: string;
    /** File under `facts/` listing every `.Values` path the chart's templates
     * (with routerlib's) read at the tag, extracted with `tools/chartValuesRead.ts`. */
    valuesReadFile: string;
    /** What the values may hold: exactly the paths the templates read. */
    valuesSchema: z.ZodType;
    /** Paths the templates read only to refuse them or in a branch the program would never take,
     * with the reason. */
    unreachablePaths: Record<string, string>;
    /** The EPP image the published chart names: the release script writes the tag into values. */
    endpointPickerImage: { registry: string; repository: string; tag: string };
    /** What the EPP requests by default, and the values path that overrides it. */
    endpointPickerResources: { requests: ResourceRequests; valuesPath: string };
    /** Values paths the program would set, by what they mean. */
    paths: { matchLabels: string; targetPorts: string; flags: string; replicas: string; provider: string };
    /** Everything else read at the tag, each with its place. */
    facts: SourcedFact[];
}

const PUSH = "hack/push-chart.sh";
const LIB = "config/charts/routerlib";
const GW = "config/charts/llm-d-router-gateway";

const cpu = z.union([z.string(), z.number()]);
const resources = z.strictObject({ requests: z.strictObject({ cpu, memory: z.string() }).partial(), limits: passedWhole }).partial();
/** A latency-predictor server's image and settings (routerlib/templates/_latency-predictor.tpl). */
const predictorServer = {
    image: registryImage,
    resources: passedWhole,
    volumeSize: z.string(),
    config: z.record(z.string(), z.string()),
};

/** Everything the gateway chart's templates read at v0.10.0 (llm-d-router-gateway@v0.10.0.json). */
const gatewayValues = z
    .strictObject({
        router: z
            .strictObject({
                clusterDomain: z.string(),
                metricsPort: port,
                extraServicePorts: passedWholeList,
                epp: z
                    .strictObject({
                        replicas: z.number().int().min(1),
                        image: registryImage,
                        extProcPort: port,
                        grpcHealthPort: port,
                        parsers: z.array(z.string()),
                        metricsDataSource,
                        // A map rendered `--<key>=<value>`, one argument (_deployment.yaml:119), so a
                        // boolean flag can be switched off here, unlike v1.5.0's two arguments.
                        flags: z.record(z.string(), z.union([z.string(), z.number(), z.boolean()])),
                        env: z.array(envVar),
                        pluginsConfigFile: z.string(),
                        pluginsCustomConfig: z.record(z.string(), z.string()),
                        extraContainerPorts: passedWholeList,
                        resources,
                        affinity: passedWhole,
                        tolerations: passedWholeList,
                        podAnnotations: z.record(z.string(), z.string()),
                        volumes: passedWholeList,
                        volumeMounts: passedWholeList,
                    })
                    .partial(),
                proxy: passedWhole,
                tokenizer: z
                    .strictObject({
                        enabled: z.boolean(),
                        modelName: z.string(),
                        image: registryImage,
                        port,
                        command: z.array(z.string()),
                        args: z.array(z.string()),
                        extraArgs: z.array(z.string()),
                        initContainers: passedWholeList,
                        volumes: passedWholeList,
                        volumeMounts: passedWholeList,
                        env: z.array(envVar),
                        resources: passedWhole,
                        readinessProbe: passedWhole,
                    })
                    .partial(),
                monitoring: z
                    .strictObject({
                        interval: z.string(),
                        provider: z
                            .strictObject({ name: z.enum(["", "gmp", "prometheusoperator"]), gmp: passedWhole, prometheusoperator: passedWhole })
                            .partial(),
                        prometheus: prometheusMonitoring,
                    })
                    .partial(),
                tracing: endpointPickerTracing,
                inferencePool: z.strictObject({ create: z.boolean(), failureMode: z.enum(["FailOpen", "FailClose"]) }).partial(),
                inferenceObjectives: z.array(z.strictObject({ name: z.string(), priority: z.number().int() })),
                modelServers: z
                    .strictObject({
                        type: z.enum(["vllm", "sglang", "triton-tensorrt-llm", "trtllm-serve", "triton"]),
                        protocol: z.enum(["http", "grpc"]),
                        targetPorts: z.array(z.strictObject({ number: port })).min(1),
                        targetPortNumber: port,
                        matchLabels: z.record(z.string(), z.string()),
                    })
                    .partial(),
                latencyPredictor: z
                    .strictObject({
                        enabled: z.boolean(),
                        eppEnv: z.record(z.string(), z.string()),
                        trainingServer: z.strictObject({ ...predictorServer, port, livenessProbe: passedWhole, readinessProbe: passedWhole }).partial(),
                        predictionServers: z
                            .strictObject({
                                ...predictorServer,
                                startPort: port,
                                count: z.number().int().min(1),
                                livenessProbe: predictionProbe(false),
                                readinessProbe: predictionProbe(true),
                            })
                            .partial(),
                    })
                    .partial(),
            })
            .partial(),
        provider: z
            .strictObject({
                name: z.enum(["none", "gke", "istio"]),
                gke: z.strictObject({ preferredBackends: passedWhole }).partial(),
                istio: z.strictObject({ destinationRule }).partial(),
            })
            .partial(),
        httpRoute: z
            .strictObject({
                create: z.boolean(),
                inferenceGatewayName: z.string(),
                inferenceGatewayNamespace: z.string(),
                requestTimeout: z.string(),
                baseModel: z.string(),
                headerMatches: z.record(z.string(), z.string()),
            })
            .partial(),
        // Read only to refuse them (routerlib/templates/_helpers.tpl:500-516).
        inferenceExtension: z.unknown(),
        inferencePool: z.unknown(),
        experimentalHttpRoute: z.unknown(),
        inferenceObjectives: z.unknown(),
    })
    .partial();

const LEGACY =
    "fails the install at v0.10.0 (routerlib/templates/_helpers.tpl:500-516, `llm-d-router.validations.deprecations`): the v1.x key moved under router.* (config/charts/README.md:85-92)";

/** The llm-d router at v0.10.0. */
export const LLM_D_ROUTER_V0_10_0: LlmdRouterRead = {
    source: { repository: "llm-d/llm-d-router", tag: "v0.10.0", commit: "71f4f0999f95b96c49a9d0c4afbd18dfdb943c26" },
    chart: "oci://ghcr.io/llm-d/charts/llm-d-router-gateway",
    chartVersion: "v0.10.0",
    chartDir: GW,
    valuesReadFile: "llm-d-router-gateway@v0.10.0.json",
    valuesSchema: gatewayValues,
    unreachablePaths: {
        inferenceExtension: LEGACY,
        inferencePool: LEGACY,
        experimentalHttpRoute: LEGACY,
        inferenceObjectives: LEGACY,
        "httpRoute.create": "renders a second HTTPRoute for the pool (templates/httproute.yaml); the program makes each model's route",
        "router.inferencePool.create":
            "false runs the EPP without an InferencePool (standalone mode, routerlib/templates/_deployment.yaml:79-97); the program's routes send to the pool",
        "router.latencyPredictor.enabled":
            "adds latency-predictor containers to each EPP pod, with images the release script pins only when it is given a semver LATENCY_PREDICTOR_TAG (hack/push-chart.sh:48-61)",
        "router.tokenizer.enabled":
            "adds a vLLM render sidecar requesting 4 CPU and 8 GiB (routerlib/values.yaml:83-109) that the system pool sizing does not count",
        "router.proxy": 'only the standalone chart renders a proxy (routerlib/templates/_helpers.tpl:338, `hasPrefix "llm-d-router-standalone" .Chart.Name`)',
    },
    // hack/push-chart.sh:25,28,43-46: on a semver tag the registry, repository and tag are written.
    endpointPickerImage: { registry: "ghcr.io/llm-d", repository: "llm-d-router-endpoint-picker", tag: "v0.10.0" },
    // routerlib/values.yaml:60-65; routerlib/templates/_helpers.tpl:432-441 fails without requests.
    endpointPickerResources: { requests: { cpu: 8, memoryGiB: 8 }, valuesPath: "router.epp.resources" },
    paths: {
        matchLabels: "router.modelServers.matchLabels",
        targetPorts: "router.modelServers.targetPorts",
        flags: "router.epp.flags",
        replicas: "router.epp.replicas",
        provider: "provider.name",
    },
    facts: [
        {
            fact: "The published chart's version is the tag, `v` included: on a semver EXTRA_TAG the script packages with --version and --app-version set to it (in git Chart.yaml says 0.0.0).",
            readAt: { file: PUSH, lines: "67", text: "chart_version=${EXTRA_TAG}" },
        },
        {
            fact: "Charts are pushed to oci://ghcr.io/llm-d/charts.",
            readAt: { file: PUSH, lines: "32", text: "HELM_CHART_REPO=${HELM_CHART_REPO:-${IMAGE_REGISTRY}/charts}" },
        },
        {
            fact: "In git the EPP image tag is `main`; only the release script pins it, so a chart from git (not the published one) runs an unpinned image.",
            readAt: { file: `${LIB}/values.yaml`, lines: "11", text: "tag: main" },
        },
        {
            fact: "The release script writes the tag into the EPP image.",
            readAt: { file: PUSH, lines: "45", text: ".router.epp.image.tag=strenv(EXTRA_TAG)" },
        },
        {
            fact: "The EPP requests 8 CPU by default (v1.5.0's inferencepool: 4): more than an e2-standard-4 or e2-standard-8 node allocates.",
            readAt: { file: `${LIB}/values.yaml`, lines: "62", text: 'cpu: "8"' },
        },
        {
            fact: "EPP flags are rendered `--<key>=<value>` as one argument.",
            readAt: { file: `${LIB}/templates/_deployment.yaml`, lines: "119", text: 'printf "--%s=%v" $key $value' },
        },
        {
            fact: "The EPP watches a v1 pool: --pool-name, --pool-namespace and --pool-group inference.networking.k8s.io.",
            readAt: { file: `${LIB}/templates/_deployment.yaml`, lines: "103", text: '"inference.networking.k8s.io"' },
        },
        {
            fact: "The EPP's /metrics authentication is off only with router.monitoring.prometheus.auth.enabled false.",
            readAt: { file: `${LIB}/templates/_deployment.yaml`, lines: "127", text: "--metrics-endpoint-auth=false" },
        },
        {
            fact: "The chart's InferencePool is inference.networking.k8s.io/v1.",
            readAt: { file: `${LIB}/templates/_inferencepool.yaml`, lines: "2", text: 'apiVersion: "inference.networking.k8s.io/v1"' },
        },
        {
            fact: "InferenceObjective moved to the group llm-d.ai (v1alpha2), its CRD in this repository.",
            readAt: { file: `${LIB}/templates/_inferenceobjective.yaml`, lines: "3", text: "apiVersion: llm-d.ai/v1alpha2" },
        },
        {
            fact: "The repository's CRDs are InferenceModelRewrite and InferenceObjective only: InferencePool comes from the inference extension.",
            readAt: { file: "config/crd/kustomization.yaml", lines: "6", text: "bases/llm-d.ai_inferenceobjectives.yaml" },
        },
        {
            fact: "GKE: a GCPBackendPolicy on the pool with timeoutSec 300 (when preferredBackends is off).",
            readAt: { file: `${GW}/templates/gke.yaml`, lines: "112", text: "timeoutSec: 300    # 5-minute timeout" },
        },
        {
            fact: "GKE: a HealthCheckPolicy on the pool probing /health on the first target port.",
            readAt: { file: `${GW}/templates/gke.yaml`, lines: "3", text: "kind: HealthCheckPolicy" },
        },
        {
            fact: "Istio: a DestinationRule `<release>-epp` originating TLS SIMPLE to the EPP.",
            readAt: { file: `${GW}/templates/istio.yaml`, lines: "13", text: "mode: SIMPLE" },
        },
        {
            fact: "The chart's own HTTPRoute matches the base model on X-Gateway-Base-Model-Name and sets no timeouts on GKE.",
            readAt: { file: `${GW}/templates/httproute.yaml`, lines: "29", text: "name: X-Gateway-Base-Model-Name" },
        },
        {
            fact: "v1.x top-level keys fail the install.",
            readAt: { file: `${LIB}/templates/_helpers.tpl`, lines: "503", text: "Top-level 'inferenceExtension' is deprecated" },
        },
        {
            fact: "router.modelServers.matchLabels is required.",
            readAt: { file: `${GW}/templates/_validations.tpl`, lines: "6", text: ".Values.router.modelServers.matchLabels is required" },
        },
        {
            fact: "The EPP's name is the release cut to 40 characters, then `-epp`, as at v1.5.0.",
            readAt: { file: `${LIB}/templates/_helpers.tpl`, lines: "15", text: '| default "default-pool" | lower | trim | trunc 40' },
        },
    ],
};

/** What the inference extension keeps once the router moved out: read at its tag v1.6.0, the
 * release the llm-d line takes its InferencePool CRD from. */
export const INFERENCE_EXTENSION_V1_6_0 = {
    /** Repository, tag and commit. */
    source: { repository: "kubernetes-sigs/gateway-api-inference-extension", tag: "v1.6.0", commit: "992e5c292afb248801ce8d9234eb5b9d28eea231" },
    /** Directories v1.5.0 had and v1.6.0 has not: the charts, the EPP and BBR (only `cmd/lwepp`,
     * a lightweight EPP, is left under `cmd/`). */
    removed: ["config/charts", "cmd/epp", "cmd/bbr"],
    /** What it keeps, each with its place. */
    facts: [
        {
            fact: "The CRDs left are InferencePoolImport and InferencePool (no InferenceObjective: that moved to llm-d.ai).",
            readAt: { file: "config/crd/kustomization.yaml", lines: "5-6", text: "bases/inference.networking.k8s.io_inferencepools.yaml" },
        },
        {
            fact: "A v1 pool requires only selector and targetPorts: endpointPickerRef is optional.",
            readAt: {
                file: "config/crd/bases/inference.networking.k8s.io_inferencepools.yaml",
                lines: "197-199",
                text: "required:\n            - selector\n            - targetPorts",
            },
        },
    ] satisfies SourcedFact[],
} as const;

/** The payload processor, BBR's successor, as far as it can be read: its repository has no tag,
 * so nothing of its chart or image is encoded (its `main` is not a pin). When a clone shows a tag,
 * `test/llmdRouterLine.test.ts` fails: read the chart at it and make the llm-d line. */
export const PAYLOAD_PROCESSOR = {
    /** The repository. */
    repository: "llm-d/llm-d-inference-payload-processor",
    /** Its tags, as read (fetched snapshot, newest commit of `main` 2026-05-05). */
    tags: [] as string[],
} as const;
