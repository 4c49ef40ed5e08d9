/**
 * The real engine's wait for a model no node can hold: on a cluster of its own (so that its
 * minutes of waiting run beside the other real-engine tests rather than after them), the
 * scheduler leaves the pods Pending and `pulumi up` gives up at the model's readyTimeoutMinutes.
 * Skipped, with the reason, where the tools are not built.
 */
import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { localConfig, localModel, localSecrets, pulumi } from "../tools/local/e2e";
import { down as clusterDown, kubectlOn, localCluster, up as clusterUp } from "../tools/local/cluster";
import { toolsMissing } from "../tools/local/toolchain";

const missing = toolsMissing();
// Its own cluster: stopped after, even one a killed run left up.
const cluster = localCluster("cluster-unschedulable", 1);
before(async () => {
    if (missing === undefined) await clusterUp(cluster);
});
after(() => {
    if (missing === undefined) clusterDown(cluster);
});

test(
    "a model that asks more GPUs than a node has stays Pending, and pulumi up reports it within readyTimeoutMinutes",
    { skip: missing, timeout: 12 * 60_000 },
    async () => {
        const model = localModel("meta-llama/Llama-3.1-8B-Instruct", { gpu: { type: "nvidia-l4", count: 2 } });
        const config = localConfig("v1.0.0", [model], cluster);
        const secrets = localSecrets();
        const since = Date.now();
        await pulumi({ op: "destroy", stack: "local-pending", config, secrets, removeStack: true });
        const result = await pulumi({ op: "up", stack: "local-pending", config, secrets });
        assert.equal(result.ok, false);
        // readyTimeoutMinutes is 5 (localModel): the engine gives up then, not 40 minutes later.
        assert.ok(Date.now() - since < 7 * 60_000, "reported within the model's wait");
        // The engine says the pods never became ready; the scheduler's reason is on the pod.
        assert.match(result.output, /vllm-llama-3-1-8b-instruct' timed out waiting to be Ready/);
        const selector = "app=vllm-llama-3-1-8b-instruct";
        const condition = "jsonpath={.items[0].status.conditions[?(@.type=='PodScheduled')].message}";
        assert.match(kubectlOn(cluster, ["get", "pods", "-n", "default", "-l", selector, "-o", condition]), /Insufficient nvidia\.com\/gpu/);
        const cleaned = await pulumi({ op: "destroy", stack: "local-pending", config, secrets, removeStack: true });
        assert.ok(cleaned.ok, cleaned.error);
    },
);
