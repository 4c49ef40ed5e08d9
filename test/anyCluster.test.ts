/**
 * Any Kubernetes cluster by kubeconfig (the guide's "Other" tab): no Google Cloud resource, the
 * GPU nodes selected by the configured labels, charts and CRDs from a local directory. The real
 * engine deploys such a stack in test/e2e.test.ts; this checks the program's side offline.
 */
import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { test } from "node:test";
import { stringify } from "yaml";
import { runProgram } from "../tools/mockRuntime";

const DIRECTORY = "/srv/charts";
const SELECTOR = { "nvidia.com/gpu.product": "NVIDIA-L4" };

async function runKubeconfigStack() {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "any-cluster-"));
    const file = path.join(dir, "Pulumi.any.yaml");
    const p = (key: string) => `multi-model-inference:${key}`;
    fs.writeFileSync(
        file,
        stringify({
            config: {
                [p("hfToken")]: { secure: "v1:REPLACE-ME:token" },
                [p("apiKeys")]: { secure: "v1:REPLACE-ME:keys" },
                [p("cluster")]: { kubeconfig: "/home/me/.kube/config", context: "lab" },
                [p("provider")]: { name: "other", gatewayClassName: "my-gateway" },
                [p("networkPolicy")]: { gatewaySourceRanges: ["10.129.0.0/23"] },
                [p("charts")]: { source: { directory: DIRECTORY } },
                [p("nodePools")]: { "nvidia-l4": { nodeSelector: SELECTOR } },
                [p("models")]: [{ name: "meta-llama/Llama-3.1-8B-Instruct" }, { name: "microsoft/Phi-4-mini-instruct" }],
            },
        }),
    );
    try {
        return await runProgram("any", file);
    } finally {
        fs.rmSync(dir, { recursive: true, force: true });
    }
}

test("a cluster by kubeconfig: no Google Cloud resource, GPU nodes by the configured labels, charts and CRDs from the directory", async () => {
    const run = await runKubeconfigStack();
    const types = new Set(run.resources.map((r) => r.type));
    assert.deepEqual([...types].filter((t) => t.startsWith("gcp:")), []);
    assert.ok(!types.has("kubernetes:monitoring.googleapis.com/v1:PodMonitoring"), "Managed Prometheus monitors on a cluster without it");

    const provider = run.resources.find((r) => r.type === "pulumi:providers:kubernetes");
    assert.equal(provider?.inputs.kubeconfig, "/home/me/.kube/config");
    assert.equal(provider?.inputs.context, "lab");

    // The model servers by their Kubernetes name (`vllm-<key>`); the resources are named by role.
    const servers = run.resources.filter((r) => r.type === "kubernetes:apps/v1:Deployment" && /^vllm-/.test(String((r.inputs.metadata as { name?: unknown } | undefined)?.name)));
    assert.equal(servers.length, 2);
    for (const server of servers) {
        const spec = (server.inputs.spec as { template: { spec: { nodeSelector: unknown } } }).template.spec;
        assert.deepEqual(spec.nodeSelector, SELECTOR);
    }

    const charts = run.resources.filter((r) => r.type === "kubernetes:helm.sh/v4:Chart");
    assert.ok(charts.length >= 3);
    for (const chart of charts) {
        assert.match(String(chart.inputs.chart), /^\/srv\/charts\/(inferencepool|body-based-routing)-v1\.0\.0\.tgz$/);
        assert.equal(chart.inputs.version, undefined, "a packaged chart carries its own version");
    }
    const crds = run.resources.find((r) => r.type === "kubernetes:yaml/v2:ConfigFile");
    assert.equal(crds?.inputs.file, `${DIRECTORY}/manifests-v1.0.0.yaml`);
    assert.equal(run.outputs.dashboardUrl, undefined);
});
