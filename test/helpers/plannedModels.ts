/** One planned model and its Deployment, for builder tests without Pulumi. */
import { PlannedModel, ServingConfig, planServing, vllmDeployment } from "../../components";

/** The model every builder test starts from. */
export const LLAMA = "meta-llama/Llama-3.1-8B-Instruct";

/** What every GKE config needs besides its cluster and models: the proxy-only subnet its
 * NetworkPolicies admit. */
export const NETWORK_POLICY = { gatewaySourceRanges: ["10.129.0.0/23"] };

/** Llama-3.1-8B with `extra` settings, planned on a zonal cluster with room for 4 replicas (on
 * `line`'s charts, the default line's without). */
export function plannedLlama(extra: Partial<ServingConfig["models"][number]>, line?: string): PlannedModel {
    return planServing({
        cluster: { project: "my-gcp-project", location: "us-central1-a", name: "inference-cluster" },
        models: [{ name: LLAMA, ...extra }],
        nodePools: { "nvidia-l4": { nodeCount: 4 } },
        networkPolicy: NETWORK_POLICY,
        ...(line === undefined ? {} : { charts: { inferencePool: { version: line } } }),
    }).models[0];
}

/** A container's environment variables that have a literal value, by name. */
export function literalEnv(container: { env: { name: string; value?: string }[] }): Record<string, string> {
    return Object.fromEntries(container.env.filter((e) => e.value !== undefined).map((e) => [e.name, e.value as string]));
}

/** The model's vLLM Deployment, loosely typed for assertions. */

export function deploymentOf(model: PlannedModel): any {
    return vllmDeployment({ model, namespace: "ns", image: "vllm/vllm-openai:v0.11.0" });
}
