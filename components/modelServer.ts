import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { vllmPodAutoscaler } from "./podAutoscaler";
import type { PlannedModel } from "./servingPlan";
import { VLLM_PORT } from "./servingPlan";

/** The Secret and key that hold the Hugging Face token, as the upstream manifests expect. */
export const HF_TOKEN_SECRET = { name: "hf-token", key: "token" } as const;

/** Seconds vLLM keeps serving after the pod is told to stop, so the gateway stops sending it
 * requests before it closes. */
const PRE_STOP_SLEEP_SECONDS = 30;
/** Seconds in-flight requests get to finish; long generations take minutes. */
const TERMINATION_GRACE_SECONDS = 130;
/** Startup allowance: downloading and loading the weights takes minutes (30 here). */
const STARTUP_PERIOD_SECONDS = 10;
const STARTUP_FAILURE_THRESHOLD = 180;

/** Arguments of {@link ModelServer}. */
export interface ModelServerArgs {
    /** The resolved model (see `planServing`). */
    model: PlannedModel;
    /** Namespace of the Deployment; the `hf-token` Secret must be there. */
    namespace: string;
    /** vLLM image, pinned. */
    image: string;
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

/** The `vllm serve` arguments of a model. */
export function vllmArgs(model: PlannedModel): string[] {
    return [
        "--model",
        model.huggingFaceId,
        "--served-model-name",
        model.name,
        "--port",
        String(VLLM_PORT),
        "--tensor-parallel-size",
        String(model.gpu.count),
        ...DTYPE_FLAGS[model.precision],
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
    return {
        apiVersion: "apps/v1",
        kind: "Deployment",
        metadata: { name: model.names.deployment, namespace: args.namespace, labels: model.podLabels },
        spec: {
            // With autoscaling the HPA owns the count: a replicas here would be reset on every `up`.
            replicas: model.autoscaling === undefined ? model.replicas : undefined,
            selector: { matchLabels: model.matchLabels },
            // GPUs are scarce: replace pods one at a time instead of surging onto GPUs that may not exist.
            strategy: { type: "RollingUpdate", rollingUpdate: { maxSurge: 0, maxUnavailable: 1 } },
            template: {
                metadata: { labels: model.podLabels },
                spec: {
                    terminationGracePeriodSeconds: TERMINATION_GRACE_SECONDS,
                    enableServiceLinks: false,
                    nodeSelector: { "cloud.google.com/gke-accelerator": model.gpu.type },
                    tolerations: [{ key: "nvidia.com/gpu", operator: "Exists", effect: "NoSchedule" }],
                    containers: [
                        {
                            name: "vllm",
                            image: args.image,
                            command: ["python3", "-m", "vllm.entrypoints.openai.api_server"],
                            args: vllmArgs(model),
                            ports: [{ name: "http", containerPort: VLLM_PORT, protocol: "TCP" }],
                            env: [
                                {
                                    name: "HF_TOKEN",
                                    valueFrom: { secretKeyRef: { name: HF_TOKEN_SECRET.name, key: HF_TOKEN_SECRET.key } },
                                },
                            ],
                            resources: {
                                requests: { cpu: "2", memory: "12Gi", "nvidia.com/gpu": gpus },
                                limits: { "nvidia.com/gpu": gpus },
                            },
                            startupProbe: probe(STARTUP_PERIOD_SECONDS, STARTUP_FAILURE_THRESHOLD),
                            readinessProbe: probe(5, 1),
                            livenessProbe: probe(10, 5),
                            lifecycle: { preStop: { exec: { command: ["sleep", String(PRE_STOP_SLEEP_SECONDS)] } } },
                            volumeMounts: [
                                { name: "shm", mountPath: "/dev/shm" },
                                { name: "hf-cache", mountPath: "/root/.cache/huggingface" },
                            ],
                        },
                    ],
                    volumes: [
                        // Tensor-parallel workers exchange data through shared memory; the
                        // container default of 64 MiB is far too small.
                        { name: "shm", emptyDir: { medium: "Memory", sizeLimit: `${2 * model.gpu.count}Gi` } },
                        { name: "hf-cache", emptyDir: {} },
                    ],
                },
            },
        },
    };
}

/** One vLLM model server: a Deployment whose pods only this model's pool selects, and its
 * HorizontalPodAutoscaler when the model autoscales. */
export class ModelServer extends pulumi.ComponentResource {
    /** The vLLM Deployment. */
    public readonly deployment: k8s.apps.v1.Deployment;
    /** The Deployment's name. */
    public readonly deploymentName: pulumi.Output<string>;

    constructor(name: string, args: ModelServerArgs, opts?: pulumi.ComponentResourceOptions) {
        super("multi-model-inference:index:ModelServer", name, {}, opts);
        const spec = vllmDeployment(args);
        this.deployment = new k8s.apps.v1.Deployment(`${name}-deployment`, { metadata: spec.metadata, spec: spec.spec }, { parent: this });
        this.deploymentName = this.deployment.metadata.name;
        const autoscaler = vllmPodAutoscaler(args.model, args.namespace);
        if (autoscaler !== undefined) {
            new k8s.autoscaling.v2.HorizontalPodAutoscaler(
                `${name}-hpa`,
                { metadata: autoscaler.metadata, spec: autoscaler.spec },
                { parent: this, dependsOn: [this.deployment] },
            );
        }
        this.registerOutputs({ deploymentName: this.deploymentName });
    }
}
