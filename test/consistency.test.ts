/**
 * The consistency check (tools/consistency) and its policy pack (policy/) on what the program
 * renders: both stack files and a three-model stack with adapters and an autoscaled model pass,
 * one mocked run each; renders broken by hand, one fault each, are reported with the objects
 * involved, and fail the policy on the resource at fault.
 */
import assert from "node:assert/strict";
import * as path from "node:path";
import test from "node:test";
import { StackResource, checkConsistency, stackOf } from "../tools/consistency";
import { REPO_ROOT, ProgramRun, runProgram } from "../tools/mockRuntime";
import {
    Break,
    CHARTS_MISSING,
    findingsOf,
    policyResources,
    props,
    reported,
    runPolicy,
    stackEnvironment,
    stackResources,
    violationFor,
} from "./helpers/consistencyCheck";
import { sharedBy } from "./helpers/sharedRuns";
import { ONE_ADAPTER_EACH, configKey, stackVariant } from "./helpers/stackConfigs";

/** The gke stack with an adapter on each model and a third model that autoscales. */
function threeModels(): string {
    return stackVariant("gke", "consistency-three-models", (config) => {
        const models = config[configKey("models")] as Record<string, unknown>[];
        models.forEach((model, i) => (model["adapters"] = ONE_ADAPTER_EACH[i]));
        models.push({ name: "Qwen/Qwen2.5-1.5B-Instruct", autoscaling: { minReplicas: 1, maxReplicas: 2 }, weightCache: { accessMode: "ReadWriteMany" } });
        config[configKey("nodePools")] = { "nvidia-l4": { zones: ["us-central1-a"], autoscaling: { minNodes: 1, maxNodes: 4 } } };
    });
}

const STACKS: Record<string, { stack: string; file: () => string }> = {
    gke: { stack: "gke", file: () => path.join(REPO_ROOT, "Pulumi.gke.yaml") },
    istio: { stack: "istio", file: () => path.join(REPO_ROOT, "Pulumi.istio.yaml") },
    "three models": { stack: "gke", file: threeModels },
};

// One mocked run per stack, in sequence (the mock runtime is global), shared by every test.
let last: Promise<unknown> = Promise.resolve();
const runOf = sharedBy((variant: string): Promise<ProgramRun> => {
    const { stack, file } = STACKS[variant];
    const run = last.then(() => runProgram(stack, file()));
    // The next run waits for this one to end, not to succeed: one failing run fails only its tests.
    last = run.catch(() => undefined);
    return run;
});

/** The resources as the check reads them, secrets redacted. */
const resourcesOf = async (variant: string): Promise<StackResource[]> => stackResources(await runOf(variant));
const environmentOf = (variant: string) => stackEnvironment(STACKS[variant].stack);

for (const variant of Object.keys(STACKS)) {
    test(`the consistency check passes on ${variant}, with the charts' own objects`, { skip: CHARTS_MISSING }, async () => {
        const resources = await resourcesOf(variant);
        const { stack, unmodelled } = stackOf(resources);
        assert.deepEqual(unmodelled, []);
        const models = variant === "three models" ? 3 : 2;
        // The charts' InferencePools, EPP Services and BBR, as the templates render them at the tag.
        assert.equal(stack.objects.filter((o) => o.kind === "InferencePool").length, models);
        assert.equal(stack.objects.filter((o) => o.kind === "Service" && o.metadata.name.endsWith("-epp")).length, models);
        assert.equal(stack.objects.filter((o) => o.kind === "Deployment" && o.metadata.name === "body-based-router").length, 1);
        assert.deepEqual(checkConsistency(stack, environmentOf(variant)), { findings: [], unverified: [] });
    });
}

const LLAMA = "inference-llama-3-1-8b-instruct";

const BREAKS: Break[] = [
    {
        what: "a container port off by one",
        variant: "gke",
        apply: (r) => (props(r, "Deployment", `${LLAMA}-deployment`).spec.template.spec.containers[0].ports[0].containerPort = 8001),
        rule: "ports",
        message:
            /InferencePool default\/llama-3-1-8b-instruct sends to port 8000, which no container of Deployment default\/vllm-llama-3-1-8b-instruct declares \(its ports: http=8001\)/,
        objects: ["InferencePool/llama-3-1-8b-instruct#spec.targetPorts[0].number", "Deployment/vllm-llama-3-1-8b-instruct#spec.template.spec.containers"],
    },
    {
        what: "probes that follow the moved port",
        variant: "istio",
        apply: (r) => (props(r, "Deployment", `${LLAMA}-deployment`).spec.template.spec.containers[0].ports[0].containerPort = 8001),
        rule: "ports",
        message: /the readinessProbe of vLLM in Deployment default\/vllm-llama-3-1-8b-instruct checks port http \(8001\), but vLLM listens on 8000/,
        objects: [
            "Deployment/vllm-llama-3-1-8b-instruct#spec.template.spec.containers[0].readinessProbe",
            "InferencePool/llama-3-1-8b-instruct#spec.targetPorts[0].number",
        ],
    },
    {
        what: "the HF token Secret renamed while the Deployments still name the old one",
        variant: "gke",
        apply: (r) => (props(r, "Secret", "inference-hf-token").metadata.name = "hf-token-v2"),
        rule: "references",
        message: /Deployment default\/vllm-llama-3-1-8b-instruct names Secret default\/hf-token, which does not exist/,
        objects: ["Deployment/vllm-llama-3-1-8b-instruct#spec.template.spec.containers[0].env[0].valueFrom.secretKeyRef", "Secret/hf-token"],
    },
    {
        what: "an over-wide NetworkPolicy: the collectors' namespaces In → NotIn",
        variant: "gke",
        apply: (r) => (props(r, "NetworkPolicy", `${LLAMA}-network-policy`).spec.ingress[0].from[1].namespaceSelector.matchExpressions[0].operator = "NotIn"),
        rule: "network-policy",
        message:
            /NetworkPolicy default\/vllm-llama-3-1-8b-instruct lets any pod in another namespace reach Deployment default\/vllm-llama-3-1-8b-instruct on port 8000/,
        objects: ["Deployment/vllm-llama-3-1-8b-instruct#spec.template.spec", "NetworkPolicy/vllm-llama-3-1-8b-instruct#spec.ingress"],
    },
    {
        what: "an over-wide NetworkPolicy: every pod of the namespace",
        variant: "istio",
        apply: (r) => props(r, "NetworkPolicy", `${LLAMA}-network-policy`).spec.ingress[0].from.push({ podSelector: {} }),
        rule: "network-policy",
        message: /lets any pod in default reach Deployment default\/vllm-llama-3-1-8b-instruct on port 8000/,
        objects: ["NetworkPolicy/vllm-llama-3-1-8b-instruct#spec.ingress"],
    },
    {
        what: "a route to the wrong pool",
        variant: "gke",
        apply: (r) => (props(r, "HTTPRoute", `${LLAMA}-httproute`).spec.rules[0].backendRefs[0].name = "phi-4-mini-instruct"),
        rule: "request-path",
        message:
            /for model meta-llama\/Llama-3\.1-8B-Instruct reaches HTTPRoute default\/llama-3-1-8b-instruct, which sends it to InferencePool default\/phi-4-mini-instruct, whose pods serve microsoft\/Phi-4-mini-instruct/,
        objects: ["HTTPRoute/llama-3-1-8b-instruct#spec.rules[0].backendRefs[0]", "InferencePool/phi-4-mini-instruct#spec.selector"],
    },
    {
        what: "a model route on every path under /v1 again",
        variant: "three models",
        apply: (r) => {
            const route = props(r, "HTTPRoute", `${LLAMA}-httproute`);
            for (const match of route.spec.rules[0].matches) match.path = { type: "PathPrefix", value: "/v1" };
        },
        rule: "request-path",
        message:
            /HTTP POST \/v1\/load_lora_adapter for model meta-llama\/Llama-3\.1-8B-Instruct reaches HTTPRoute default\/llama-3-1-8b-instruct, which sends it to InferencePool llama-3-1-8b-instruct: vLLM administers adapters there \(vllm\/entrypoints\/openai\/api_server\.py:1217 at v0\.11\.0/,
        objects: ["HTTPRoute/llama-3-1-8b-instruct#spec.rules[0].matches", "HTTPRoute/llama-3-1-8b-instruct#spec.rules[0].backendRefs[0]"],
    },
    {
        what: "a wrong routing header name",
        variant: "istio",
        apply: (r) => (props(r, "HTTPRoute", `${LLAMA}-httproute`).spec.rules[0].matches[0].headers[0].name = "X-Model-Name"),
        rule: "request-path",
        message:
            /HTTPRoute default\/llama-3-1-8b-instruct matches header X-Model-Name, which nothing sets on Gateway default\/inference-gateway: Deployment default\/body-based-router \(bbr:v1\.0\.0\) sets X-Gateway-Model-Name \(pkg\/bbr\/handlers\/request\.go:31 at v1\.0\.0\)/,
        objects: ["HTTPRoute/llama-3-1-8b-instruct#spec.rules[0].matches[0].headers[0].name", "Deployment/body-based-router", "EnvoyFilter/body-based-router"],
    },
    {
        what: "a pool selecting no pods (chart values)",
        variant: "gke",
        apply: (r) => (props(r, "Chart", `${LLAMA}-chart`).values.inferencePool.modelServers.matchLabels = { app: "vllm-llama" }),
        rule: "request-path",
        message: /InferencePool default\/llama-3-1-8b-instruct, whose pods serve no model/,
        objects: ["InferencePool/llama-3-1-8b-instruct#spec.selector"],
    },
    {
        what: "a vLLM metric of the V0 engine, gone at v0.11.0, on the dashboard",
        variant: "three models",
        apply: (r) => {
            const dashboard = props(r, "Dashboard", "inference-dashboard-dashboard");
            dashboard.dashboardJson = dashboard.dashboardJson.replace("vllm:kv_cache_usage_perc", "vllm:num_requests_swapped");
        },
        rule: "metrics",
        message: /dashboard inference-dashboard-dashboard queries vllm:num_requests_swapped, which nothing in the stack exports/,
        objects: ["Dashboard/inference-dashboard-dashboard#mosaicLayout.tiles[5].widget.xyChart.dataSets[0].timeSeriesQuery.prometheusQuery"],
    },
    {
        what: "a v1.0 line's vLLM without the flag that shows the metric its EPP scrapes by default",
        variant: "gke",
        apply: (r) => {
            const container = props(r, "Deployment", `${LLAMA}-deployment`).spec.template.spec.containers[0];
            const at = container.args.indexOf("--show-hidden-metrics-for-version");
            container.args.splice(at, 2);
        },
        rule: "metrics",
        message:
            /Deployment default\/llama-3-1-8b-instruct-epp, the Endpoint Picker of InferencePool default\/llama-3-1-8b-instruct, scrapes vllm:gpu_cache_usage_perc \(--kv-cache-usage-percentage-metric, its default at v1\.0\.0\), which the pool's servers do not export/,
        objects: [
            "Deployment/llama-3-1-8b-instruct-epp#spec.template.spec.containers[0].args",
            "Deployment/vllm-llama-3-1-8b-instruct#spec.template.spec.containers",
        ],
    },
    {
        what: "an autoscaler on a metric vLLM does not export",
        variant: "three models",
        apply: (r) =>
            (props(r, "HorizontalPodAutoscaler", "inference-qwen2-5-1-5b-instruct-hpa").spec.metrics[0].pods.metric.name =
                "prometheus.googleapis.com|vllm:num_requests_queued|gauge"),
        rule: "metrics",
        message:
            /scales on prometheus\.googleapis\.com\|vllm:num_requests_queued\|gauge, which the pods of Deployment default\/vllm-qwen2-5-1-5b-instruct do not export \(read: vllm-project\/vllm@v0\.11\.0\)/,
        objects: ["HorizontalPodAutoscaler/vllm-qwen2-5-1-5b-instruct#spec.metrics[0].pods.metric.name"],
    },
    {
        what: "the LoRA syncer told another port",
        variant: "three models",
        apply: (r) => {
            const configMap = props(r, "ConfigMap", `${LLAMA}-configmap`);
            configMap.data["configmap.yaml"] = configMap.data["configmap.yaml"].replace('"port": 8000', '"port": 8080');
        },
        rule: "ports",
        message: /the LoRA syncer in Deployment default\/vllm-llama-3-1-8b-instruct loads adapters through port 8080, but vLLM listens on 8000/,
        objects: ["Deployment/vllm-llama-3-1-8b-instruct#spec.template.spec.initContainers[0]", "ConfigMap/vllm-llama-3-1-8b-instruct-adapters"],
    },
];

test("each hand-broken render is reported, with the objects and fields involved", { skip: CHARTS_MISSING }, async () => {
    for (const fault of BREAKS) {
        const resources = structuredClone(await resourcesOf(fault.variant));
        fault.apply(resources);
        reported(findingsOf(resources, environmentOf(fault.variant)), fault);
    }
});

test("the policy pack's rule passes on the default renders and fails on the broken ones, on the resource at fault", { skip: CHARTS_MISSING }, async () => {
    for (const variant of Object.keys(STACKS)) assert.deepEqual(runPolicy(policyResources(await runOf(variant)), environmentOf(variant)), [], variant);
    for (const fault of BREAKS) {
        const resources = structuredClone(await resourcesOf(fault.variant));
        fault.apply(resources);
        const seen = policyResources(await runOf(fault.variant), resources);
        const violation = violationFor(runPolicy(seen, environmentOf(fault.variant)), fault);
        const names = fault.objects.map((o) => o.split(/[/#]/)[1]);
        // On the resource of one of the objects involved (a dashboard is no Kubernetes object).
        if (fault.rule !== "metrics" || !fault.objects[0].startsWith("Dashboard/")) {
            const resource = seen.find((r) => r.urn === violation.urn);
            assert.ok(resource !== undefined && names.includes(resource.props.metadata?.name), `${fault.what}: reported on ${String(violation.urn)}`);
        }
    }
    // A chart the provider could not expand in a preview leaves its objects unseen: not applicable.
    const unexpanded = policyResources(await runOf("gke")).filter((r) => r.parent === undefined);
    assert.throws(() => runPolicy(unexpanded, environmentOf("gke")), /not applicable: the provider did not expand inference-bbr-chart, /);
});
