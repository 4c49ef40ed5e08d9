import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { childOptions } from "./childOptions";
import { RESTRICTED_CONTAINER_SECURITY_CONTEXT } from "./modelServerPolicies";
import type { PlannedModel } from "./plan/modelPlan";
import { VLLM_PORT } from "./plan/modelPlan";

/**
 * The upstream adapter syncer (gateway-api-inference-extension `tools/dynamic-lora-sidecar`):
 * it watches a mounted ConfigMap and calls vLLM's `/v1/load_lora_adapter` and
 * `/v1/unload_lora_adapter`. Pinned to the v1.0 patch line of the charts in use.
 */
export const LORA_SYNCER_IMAGE = "registry.k8s.io/gateway-api-inference-extension/lora-syncer:v1.0.2";

/** Where the syncer reads its config: the ConfigMap's key, mounted as a whole directory (a
 * `subPath` mount would never see updates). */
const SYNCER_CONFIG_DIR = "/config";
const SYNCER_CONFIG_KEY = "configmap.yaml";
const SYNCER_VOLUME = "lora-adapters";

/** The name of a model's adapter ConfigMap; stable, so the pod template never changes with it. */
export function adapterConfigMapName(model: PlannedModel): string {
    return `${model.names.deployment}-adapters`;
}

/**
 * The syncer's desired state: active adapters under `ensureExist`, retired ones under
 * `ensureNotExist` (the syncer only unloads what is listed there). An empty list is left out:
 * the syncer treats a missing list as empty, and its schema check drops the whole file when it
 * fails, so the file carries nothing it does not need.
 */
export function loraSyncerConfig(model: PlannedModel) {
    const list = (key: string, retired: boolean) => {
        const models = model.adapters.filter((a) => a.retired === retired).map((a) => ({ id: a.name, source: a.source }));
        return models.length === 0 ? {} : { [key]: { models } };
    };
    return {
        vLLMLoRAConfig: {
            name: adapterConfigMapName(model),
            port: VLLM_PORT,
            defaultBaseModel: model.name,
            ...list("ensureExist", false),
            ...list("ensureNotExist", true),
        },
    };
}

/** The ConfigMap the syncer reads. JSON is YAML, so the syncer's YAML parser reads it as is. */
export function adapterConfigMap(model: PlannedModel, namespace: string) {
    return {
        apiVersion: "v1",
        kind: "ConfigMap",
        metadata: { name: adapterConfigMapName(model), namespace, labels: model.podLabels },
        // Updated in place (the provider needs enableConfigMapMutable): a replaced ConfigMap
        // would briefly be missing from the running pods.
        immutable: false,
        data: { [SYNCER_CONFIG_KEY]: `${JSON.stringify(loraSyncerConfig(model), null, 2)}\n` },
    };
}

/** vLLM's LoRA flags; none when LoRA is off. */
export function loraVllmArgs(model: PlannedModel): string[] {
    if (model.lora === undefined) return [];
    return [
        "--enable-lora",
        "--max-loras",
        String(model.lora.maxLoras),
        "--max-lora-rank",
        String(model.lora.maxLoraRank),
        ...(model.lora.maxCpuLoras === undefined ? [] : ["--max-cpu-loras", String(model.lora.maxCpuLoras)]),
    ];
}

/** What LoRA adds to a model server's pod: the runtime-loading switch, the syncer as a native
 * sidecar (an init container that keeps running) and its ConfigMap volume. Empty when LoRA is
 * off. Nothing here depends on the adapter list. */
export function loraPodParts(model: PlannedModel) {
    if (model.lora === undefined) return { env: [], initContainers: [], volumes: [] };
    return {
        env: [{ name: "VLLM_ALLOW_RUNTIME_LORA_UPDATING", value: "true" }],
        initContainers: [
            {
                name: "lora-adapter-syncer",
                image: LORA_SYNCER_IMAGE,
                restartPolicy: "Always",
                env: [{ name: "DYNAMIC_LORA_ROLLOUT_CONFIG", value: `${SYNCER_CONFIG_DIR}/${SYNCER_CONFIG_KEY}` }],
                resources: { requests: { cpu: "50m", memory: "128Mi" }, limits: { memory: "256Mi" } },
                // It only reads its ConfigMap and calls vLLM on localhost.
                securityContext: RESTRICTED_CONTAINER_SECURITY_CONTEXT,
                volumeMounts: [{ name: SYNCER_VOLUME, mountPath: SYNCER_CONFIG_DIR, readOnly: true }],
            },
        ],
        volumes: [{ name: SYNCER_VOLUME, configMap: { name: adapterConfigMapName(model) } }],
    };
}

/** Arguments of {@link LoraAdapters}. */
export interface LoraAdaptersArgs {
    /** The resolved model (see `planServing`); its LoRA must be on. */
    model: PlannedModel;
    /** Namespace of the model's pods. */
    namespace: string;
}

/** The adapters one model's pods serve, as the ConfigMap their syncer sidecar reads. */
export class LoraAdapters extends pulumi.ComponentResource {
    /** The syncer's ConfigMap. */
    public readonly configMap: k8s.core.v1.ConfigMap;

    constructor(name: string, args: LoraAdaptersArgs, opts?: pulumi.ComponentResourceOptions) {
        super("multi-model-inference:index:LoraAdapters", name, {}, opts);
        const manifest = adapterConfigMap(args.model, args.namespace);
        this.configMap = new k8s.core.v1.ConfigMap(
            `${name}-configmap`,
            { metadata: manifest.metadata, immutable: manifest.immutable, data: manifest.data },
            childOptions(this, opts),
        );
        this.registerOutputs({});
    }
}
