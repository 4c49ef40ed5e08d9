/**
 * Serves three models behind one Inference Gateway on an existing GKE cluster: two base models on
 * NVIDIA L4 GPUs and a larger one on an NVIDIA A100 (40 GB). The package creates one GPU node pool
 * per accelerator type, and per model a vLLM Deployment, an InferencePool with its Endpoint Picker
 * and an HTTPRoute matching the model's name.
 */
import * as container from "@pulumi/gcp/container";
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { MultiModelInference, MultiModelInferenceArgs, gkeKubeconfig, parseApiKeys } from "multi-model-inference";

const config = new pulumi.Config();
const cluster = {
    project: config.require("project"),
    location: config.get("location") ?? "us-central1",
    name: config.require("clusterName"),
};

// Connect to the existing cluster without writing a long-lived credential into state.
const gke = container.getClusterOutput(cluster);
const kubernetes = new k8s.Provider("gke", {
    kubeconfig: pulumi.secret(
        pulumi.all([gke.endpoint, gke.masterAuths]).apply(([endpoint, auths]) => gkeKubeconfig(cluster.name, endpoint, auths[0].clusterCaCertificate)),
    ),
    enableServerSideApply: true,
    // Adapter ConfigMaps are updated in place, so adding a LoRA adapter restarts no pod.
    enableConfigMapMutable: true,
});

const serving: MultiModelInferenceArgs = {
    cluster,
    hfToken: config.requireSecret("hfToken"),
    // The gateway is external: clients must send a key. One (pulumi config set --secret apiKeys
    // <key>) or, while rotating, a JSON list ('["<new key>","<old key>"]'), read as the stack reads it.
    apiKeys: { keys: config.requireSecret("apiKeys").apply((text) => parseApiKeys(text) as string[]) },
    // The model servers admit the gateway's proxies: GKE's come from the region's proxy-only subnet.
    networkPolicy: { gatewaySourceRanges: [config.get("proxyOnlySubnetCidr") ?? "10.129.0.0/23"] },
    // A regional cluster: say which zones offer each GPU.
    nodePools: {
        "nvidia-l4": { zones: ["us-central1-a"] },
        "nvidia-tesla-a100": { zones: ["us-central1-c"] },
    },
    models: [
        { name: "meta-llama/Llama-3.1-8B-Instruct", gpu: { type: "nvidia-l4" } },
        { name: "microsoft/Phi-4-mini-instruct", vllmArgs: ["--trust-remote-code", "--enable-chunked-prefill"] },
        // Its size comes from the package's known-model table; a model in neither the table nor
        // with a size in its ID (such as 14B) would need `parameters` for the memory check.
        { name: "Qwen/Qwen2.5-14B-Instruct", gpu: { type: "nvidia-tesla-a100" } },
    ],
};

const inference = new MultiModelInference("inference", serving, { providers: { kubernetes } });

export const gatewayAddress = inference.gatewayAddress;
export const models = inference.models;
export const nodePools = inference.nodePools;
export const estimatedGpuCost = inference.estimatedGpuCost;
export const apiKeysRequired = inference.apiKeysRequired;
