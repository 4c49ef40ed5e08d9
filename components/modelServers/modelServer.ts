import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { childOptions } from "../childOptions";
import { loraPodParts, loraVllmArgs } from "../adapters/loraAdapters";
import { RESTRICTED_CONTAINER_SECURITY_CONTEXT, modelNetworkPolicy, podDisruptionBudget, secretEnv } from "./modelServerPolicies";
import { API_KEYS_SECRET } from "../routing/apiKeysPlan";
import type { PlannedNetworkPolicy } from "../routing/gatewayPlan";
import type { PlannedModel } from "./modelPlan";
import { VLLM_PORT } from "./modelPlan";
import { AUTOSCALING_SIGNALS, adapterMetricName } from "../monitoring/servingMetrics";
import { modelLocation, weightCachePodParts } from "../weightCache/weightCache";

/** The Secret and key that hold the Hugging Face token, as the upstream manifests expect. */
export const HF_TOKEN_SECRET = { name: "hf-token", key: "token" } as const;

/** Seconds vLLM keeps serving after the pod is told to stop, so the gateway stops sending it
 * requests before it closes. */
const PRE_STOP_SLEEP_SECONDS = 30;
/** Seconds in-flight requests get to finish; long generations take minutes. */
const TERMINATION_GRACE_SECONDS = 130;
/** Seconds between startup probes; the allowance is the model's ready timeout. */
const STARTUP_PERIOD_SECONDS = 10;

/** Writable paths under the read-only root file system: Python, Torch, Triton and vLLM write
 * temporary files and compile caches there. */
const SCRATCH_PATHS = { tmp: "/tmp", cache: "/root/.cache", config: "/root/.config", triton: "/root/.triton" } as const;

/** Where vLLM reads its API keys: a `--config` file from the `api-keys` Secret, so no key is in
 * the pod spec or the process's arguments. vLLM (`FlexibleArgumentParser.load_config_file`, in
 * `vllm/utils/__init__.py` at v0.11.0 and `vllm/utils/argparse_utils.py` at v0.20.2) turns a YAML
 * list into `--api-key k1 k2`; the file must end in `.yaml`, and only one `--config` is allowed. */
const API_KEYS_FILE = { dir: "/etc/vllm/api-keys", file: "api-keys.yaml" } as const;

/** The pod-template annotation that changes with the set of API keys: vLLM reads its keys only
 * at start, so a rotation rolls the model servers. */
export const API_KEYS_VERSION_ANNOTATION = "multi-model-inference/api-keys-version";

/** How a model server requires API keys. */
export interface ModelServerApiKeys {
    /** Changes whenever the keys do (see {@link API_KEYS_VERSION_ANNOTATION}); the keys come from
     * the `api-keys` Secret in the namespace. */
    version: pulumi.Input<string>;
}

/** Arguments of {@link ModelServer}. */
export interface ModelServerArgs {
    /** The resolved model (see `planServing`). */
    model: PlannedModel;
    /** Namespace of the Deployment; the `hf-token` Secret must be there. */
    namespace: string;
    /** vLLM image, pinned. */
    image: string;
    /** Peers the model's NetworkPolicy admits; no policy when undefined. */
    networkPolicy?: PlannedNetworkPolicy;
    /** Require an API key on vLLM's `/v1` paths; none when undefined. */
    apiKeys?: ModelServerApiKeys;
}

const DTYPE_FLAGS: Record<PlannedModel["precision"], string[]> = {
    bfloat16: ["--dtype", "bfloat16"],
    float16: ["--dtype", "float16"],
    float32: ["--dtype", "float32"],
    fp8: ["--quantization", "fp8"],
    // Pre-quantized checkpoints (AWQ, GPTQ) carry their method; vLLM reads it from the model.
    int8: [],
    int4: [],
};

/** The `vllm serve` arguments of a model; with `apiKeys`, the config file holding the keys. */
export function vllmArgs(model: PlannedModel, apiKeys = false): string[] {
    return [
        ...(apiKeys ? ["--config", `${API_KEYS_FILE.dir}/${API_KEYS_FILE.file}`] : []),
        "--model",
        modelLocation(model),
        "--served-model-name",
        model.name,
        "--port",
        String(VLLM_PORT),
        "--tensor-parallel-size",
        String(model.gpu.count),
        ...DTYPE_FLAGS[model.precision],
        ...(model.context.maxModelLenFlag === undefined ? [] : ["--max-model-len", String(model.context.maxModelLenFlag)]),
        ...loraVllmArgs(model),
        ...model.metricArgs,
        ...model.vllmArgs,
    ];
}

/** The vLLM Deployment of a model: GPUs, token, shared memory, probes and graceful shutdown. */
export function vllmDeployment(args: ModelServerArgs): k8s.types.input.apps.v1.Deployment {
    const { model } = args;
    const gpus = String(model.gpu.count);
    const probe = (periodSeconds: number, failureThreshold: number) => ({
        httpGet: { path: "/health", port: "http" },
        periodSeconds,
        failureThreshold,
        timeoutSeconds: 5,
    });
    const keys = args.apiKeys !== undefined;
    const lora = loraPodParts(model, { image: args.image, baseModel: modelLocation(model), hfTokenSecret: HF_TOKEN_SECRET, apiKeysRequired: keys });
    const cache = weightCachePodParts(model);
    const podAnnotations = { ...cache.annotations, ...(args.apiKeys === undefined ? {} : { [API_KEYS_VERSION_ANNOTATION]: args.apiKeys.version }) };
    const annotations = Object.keys(podAnnotations).length > 0 ? { annotations: podAnnotations } : {};
    return {
        apiVersion: "apps/v1",
        kind: "Deployment",
        metadata: { name: model.names.deployment, namespace: args.namespace, labels: model.podLabels },
        spec: {
            // With autoscaling the HPA owns the count: a replicas here would be reset on every `up`.
            replicas: model.autoscaling === undefined ? model.replicas : undefined,
            selector: { matchLabels: model.matchLabels },
            // GPUs are scarce: start a new pod first only where the pool has a GPU for it;
            // otherwise replace pods one at a time rather than wait for a GPU that never comes.
            strategy: {
                type: "RollingUpdate",
                rollingUpdate: model.canSurge ? { maxSurge: 1, maxUnavailable: 0 } : { maxSurge: 0, maxUnavailable: 1 },
            },
            template: {
                metadata: { labels: model.podLabels, ...annotations },
                spec: {
                    ...(cache.serviceAccountName === undefined ? {} : { serviceAccountName: cache.serviceAccountName }),
                    terminationGracePeriodSeconds: TERMINATION_GRACE_SECONDS,
                    enableServiceLinks: false,
                    // vLLM never calls the Kubernetes API.
                    automountServiceAccountToken: false,
                    securityContext: { seccompProfile: { type: "RuntimeDefault" } },
                    nodeSelector: model.nodeSelector,
                    tolerations: [{ key: "nvidia.com/gpu", operator: "Exists", effect: "NoSchedule" }],
                    ...(lora.initContainers.length === 0 ? {} : { initContainers: lora.initContainers }),
                    containers: [
                        {
                            name: "vllm",
                            image: args.image,
                            command: ["python3", "-m", "vllm.entrypoints.openai.api_server"],
                            args: vllmArgs(model, keys),
                            ports: [{ name: "http", containerPort: VLLM_PORT, protocol: "TCP" }],
                            env: [
                                secretEnv("HF_TOKEN", HF_TOKEN_SECRET),
                                // Nothing phones home from a locked-down pod.
                                { name: "VLLM_NO_USAGE_STATS", value: "1" },
                                ...lora.env,
                            ],
                            securityContext: RESTRICTED_CONTAINER_SECURITY_CONTEXT,
                            resources: {
                                requests: { cpu: "2", memory: "12Gi", "nvidia.com/gpu": gpus },
                                limits: { "nvidia.com/gpu": gpus },
                            },
                            startupProbe: probe(STARTUP_PERIOD_SECONDS, (model.readyTimeoutMinutes * 60) / STARTUP_PERIOD_SECONDS),
                            readinessProbe: probe(5, 1),
                            livenessProbe: probe(10, 5),
                            lifecycle: { preStop: { exec: { command: ["sleep", String(PRE_STOP_SLEEP_SECONDS)] } } },
                            volumeMounts: [
                                { name: "shm", mountPath: "/dev/shm" },
                                ...Object.entries(SCRATCH_PATHS).map(([subPath, mountPath]) => ({ name: "scratch", mountPath, subPath })),
                                ...cache.volumeMounts,
                                ...(keys ? [{ name: "api-keys", mountPath: API_KEYS_FILE.dir, readOnly: true }] : []),
                                ...lora.volumeMounts,
                            ],
                        },
                    ],
                    volumes: [
                        // Tensor-parallel workers exchange data through shared memory; the
                        // container default of 64 MiB is far too small.
                        { name: "shm", emptyDir: { medium: "Memory", sizeLimit: `${2 * model.gpu.count}Gi` } },
                        { name: "scratch", emptyDir: {} },
                        ...cache.volumes,
                        ...lora.volumes,
                        ...(keys
                            ? [
                                  {
                                      name: "api-keys",
                                      secret: { secretName: API_KEYS_SECRET.name, items: [{ key: API_KEYS_SECRET.vllmConfig, path: API_KEYS_FILE.file }] },
                                  },
                              ]
                            : []),
                    ],
                },
            },
        },
    };
}

// The HorizontalPodAutoscaler of an autoscaled model scales the model's vLLM Deployment on a
// per-pod vLLM gauge that Managed Prometheus collects and the Custom Metrics Stackdriver Adapter
// serves to the custom metrics API.

/** Seconds the metric must stay high before pods are added: one burst of long prompts should not
 * buy a GPU node. */
const SCALE_UP_STABILIZATION_SECONDS = 60;
/** A new pod needs minutes (node, image, weights) before it takes traffic; adding at most this
 * many per period keeps one spike from asking for every GPU at once. */
const SCALE_UP_PERIOD_SECONDS = 120;
/** Pods are removed one at a time, each after this long, so a falling load is followed gently. */
const SCALE_DOWN_PERIOD_SECONDS = 300;

/** A number as a Kubernetes quantity: whole numbers as they are, fractions in milli-units. */
export function toQuantity(value: number): string {
    return Number.isInteger(value) ? String(value) : `${Math.round(value * 1000)}m`;
}

/** The autoscaling/v2 HorizontalPodAutoscaler of an autoscaled model, or undefined for a model
 * with a fixed replica count. */
export function vllmPodAutoscaler(model: PlannedModel, namespace: string): k8s.types.input.autoscaling.v2.HorizontalPodAutoscaler | undefined {
    const scaling = model.autoscaling;
    if (scaling === undefined) return undefined;
    return {
        apiVersion: "autoscaling/v2",
        kind: "HorizontalPodAutoscaler",
        metadata: { name: model.names.deployment, namespace, labels: model.podLabels },
        spec: {
            scaleTargetRef: { apiVersion: "apps/v1", kind: "Deployment", name: model.names.deployment },
            minReplicas: scaling.minReplicas,
            maxReplicas: scaling.maxReplicas,
            metrics: [
                {
                    type: "Pods",
                    pods: {
                        metric: { name: adapterMetricName(AUTOSCALING_SIGNALS[scaling.metric]) },
                        target: { type: "AverageValue", averageValue: toQuantity(scaling.target) },
                    },
                },
            ],
            behavior: {
                scaleUp: {
                    stabilizationWindowSeconds: SCALE_UP_STABILIZATION_SECONDS,
                    selectPolicy: "Max",
                    policies: [
                        { type: "Pods", value: 1, periodSeconds: SCALE_UP_PERIOD_SECONDS },
                        { type: "Percent", value: 100, periodSeconds: SCALE_UP_PERIOD_SECONDS },
                    ],
                },
                scaleDown: {
                    stabilizationWindowSeconds: scaling.scaleDownStabilizationSeconds,
                    selectPolicy: "Min",
                    policies: [{ type: "Pods", value: 1, periodSeconds: SCALE_DOWN_PERIOD_SECONDS }],
                },
            },
        },
    };
}

/**
 * One vLLM model server: a Deployment whose pods only this model's pool selects, with a
 * PodDisruptionBudget when it can have several replicas, its HorizontalPodAutoscaler when it
 * autoscales, and a NetworkPolicy unless disabled. `pulumi up` waits for the Deployment's pods
 * to be ready, up to the model's ready timeout.
 */
export class ModelServer extends pulumi.ComponentResource {
    /** The vLLM Deployment. */
    public readonly deployment: k8s.apps.v1.Deployment;
    /** The Deployment's name. */
    public readonly deploymentName: pulumi.Output<string>;

    constructor(name: string, args: ModelServerArgs, opts?: pulumi.ComponentResourceOptions) {
        super("multi-model-inference:index:ModelServer", name, {}, opts);
        const { model, namespace } = args;
        const spec = vllmDeployment(args);
        const timeout = `${model.readyTimeoutMinutes}m`;
        this.deployment = new k8s.apps.v1.Deployment(
            `${name}-deployment`,
            { metadata: spec.metadata, spec: spec.spec },
            { ...childOptions(this, opts), customTimeouts: { create: timeout, update: timeout } },
        );
        // An autoscaled model gets one when it starts with several pods (minReplicas).
        if (model.replicas > 1) {
            new k8s.policy.v1.PodDisruptionBudget(`${name}-pdb`, podDisruptionBudget(model, namespace), childOptions(this, opts));
        }
        if (args.networkPolicy !== undefined) {
            new k8s.networking.v1.NetworkPolicy(`${name}-network-policy`, modelNetworkPolicy(model, namespace, args.networkPolicy), childOptions(this, opts));
        }
        const autoscaler = vllmPodAutoscaler(model, namespace);
        if (autoscaler !== undefined) {
            new k8s.autoscaling.v2.HorizontalPodAutoscaler(
                `${name}-hpa`,
                { metadata: autoscaler.metadata, spec: autoscaler.spec },
                childOptions(this, opts, this.deployment),
            );
        }
        this.deploymentName = this.deployment.metadata.name;
        this.registerOutputs({ deploymentName: this.deploymentName });
    }
}
