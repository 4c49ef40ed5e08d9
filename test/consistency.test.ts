/**
 * The consistency check (tools/consistency) and its policy pack (policy/) on what the program
 * renders: both stack files and a three-model stack with adapters and an autoscaled model pass,
 * one mocked run each; renders broken by hand, one fault each, are reported with the objects
 * involved, and fail the policy on the resource at fault.
 */
import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import test from "node:test";
import type { PolicyResource } from "@pulumi/policy";
import { parse as parseYaml } from "yaml";
import { validateConsistency } from "../policy/consistencyPolicy";
import { Environment, Finding, StackResource, checkConsistency, stackOf } from "../tools/consistency";
import { chartObjects } from "../tools/consistency/chartObjects";
import { HelmRelease } from "../tools/consistency/objects";
import { REPO_ROOT, ProgramRun, redactSecrets, runProgram } from "../tools/mockRuntime";
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
const runs = new Map<string, Promise<ProgramRun>>();
let last: Promise<unknown> = Promise.resolve();
function runOf(variant: string): Promise<ProgramRun> {
    if (!runs.has(variant)) {
        const { stack, file } = STACKS[variant];
        const run = last.then(() => runProgram(stack, file()));
        last = run;
        runs.set(variant, run);
    }
    return runs.get(variant) as Promise<ProgramRun>;
}

/** The resources as the check reads them, secrets redacted. */
async function resourcesOf(variant: string): Promise<StackResource[]> {
    const run = await runOf(variant);
    return run.resources.map((r) => ({ type: r.type, name: r.name, props: redactSecrets(r.inputs) as Record<string, unknown> }));
}

/** What the user states about the cluster's surroundings: the proxy-only subnet of the stack file. */
function environmentOf(variant: string): Environment {
    const file = parseYaml(fs.readFileSync(path.join(REPO_ROOT, `Pulumi.${STACKS[variant].stack}.yaml`), "utf8")) as { config: Record<string, { gatewaySourceRanges?: string[] }> };
    const ranges = file.config[configKey("networkPolicy")]?.gatewaySourceRanges;
    return ranges === undefined ? {} : { proxyOnlySubnetRanges: ranges };
}

function check(resources: StackResource[], variant: string) {
    return checkConsistency(stackOf(resources).stack, environmentOf(variant));
}

for (const variant of Object.keys(STACKS)) {
    test(`the consistency check passes on ${variant}, with the charts' own objects`, async () => {
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

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Props = any;
const props = (resources: StackResource[], type: string, name: string): Props => {
    const found = resources.find((r) => r.type.endsWith(`:${type}`) && r.name === name);
    assert.ok(found, `no ${type} ${name}`);
    return found.props;
};
const LLAMA = "inference-llama-3-1-8b-instruct";

/** One fault, made by hand, and what the check must say about it. */
interface Break {
    what: string;
    variant: string;
    apply: (resources: StackResource[]) => void;
    /** A finding of this rule, matching this message, naming these objects (`kind/name#path`). */
    rule: string;
    message: RegExp;
    objects: string[];
}

const BREAKS: Break[] = [
    {
        what: "a container port off by one",
        variant: "gke",
        apply: (r) => (props(r, "Deployment", `${LLAMA}-deployment`).spec.template.spec.containers[0].ports[0].containerPort = 8001),
        rule: "ports",
        message: /InferencePool default\/llama-3-1-8b-instruct sends to port 8000, which no container of Deployment default\/vllm-llama-3-1-8b-instruct declares \(its ports: http=8001\)/,
        objects: ["InferencePool/llama-3-1-8b-instruct#spec.targetPorts[0].number", "Deployment/vllm-llama-3-1-8b-instruct#spec.template.spec.containers"],
    },
    {
        what: "probes that follow the moved port",
        variant: "istio",
        apply: (r) => (props(r, "Deployment", `${LLAMA}-deployment`).spec.template.spec.containers[0].ports[0].containerPort = 8001),
        rule: "ports",
        message: /the readinessProbe of vLLM in Deployment default\/vllm-llama-3-1-8b-instruct checks port http \(8001\), but vLLM listens on 8000/,
        objects: ["Deployment/vllm-llama-3-1-8b-instruct#spec.template.spec.containers[0].readinessProbe", "InferencePool/llama-3-1-8b-instruct#spec.targetPorts[0].number"],
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
        message: /NetworkPolicy default\/vllm-llama-3-1-8b-instruct lets any pod in another namespace reach Deployment default\/vllm-llama-3-1-8b-instruct on port 8000/,
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
        message: /for model meta-llama\/Llama-3\.1-8B-Instruct reaches HTTPRoute default\/llama-3-1-8b-instruct, which sends it to InferencePool default\/phi-4-mini-instruct, whose pods serve microsoft\/Phi-4-mini-instruct/,
        objects: ["HTTPRoute/llama-3-1-8b-instruct#spec.rules[0].backendRefs[0]", "InferencePool/phi-4-mini-instruct#spec.selector"],
    },
    {
        what: "a wrong routing header name",
        variant: "istio",
        apply: (r) => (props(r, "HTTPRoute", `${LLAMA}-httproute`).spec.rules[0].matches[0].headers[0].name = "X-Model-Name"),
        rule: "request-path",
        message: /HTTPRoute default\/llama-3-1-8b-instruct matches header X-Model-Name, which nothing sets on Gateway default\/inference-gateway: Deployment default\/body-based-router \(bbr:v1\.0\.0\) sets X-Gateway-Model-Name \(pkg\/bbr\/handlers\/request\.go:31 at v1\.0\.0\)/,
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
        what: "a removed vLLM metric back on the dashboard",
        variant: "three models",
        apply: (r) => {
            const dashboard = props(r, "Dashboard", "inference-dashboard-dashboard");
            dashboard.dashboardJson = dashboard.dashboardJson.replace("vllm:kv_cache_usage_perc", "vllm:gpu_cache_usage_perc");
        },
        rule: "metrics",
        message: /dashboard inference-dashboard-dashboard queries vllm:gpu_cache_usage_perc, which nothing in the stack exports/,
        objects: ["Dashboard/inference-dashboard-dashboard#mosaicLayout.tiles[5].widget.xyChart.dataSets[0].timeSeriesQuery.prometheusQuery"],
    },
    {
        what: "an autoscaler on a metric vLLM does not export",
        variant: "three models",
        apply: (r) => (props(r, "HorizontalPodAutoscaler", "inference-qwen2-5-1-5b-instruct-hpa").spec.metrics[0].pods.metric.name = "prometheus.googleapis.com|vllm:num_requests_queued|gauge"),
        rule: "metrics",
        message: /scales on prometheus\.googleapis\.com\|vllm:num_requests_queued\|gauge, which the pods of Deployment default\/vllm-qwen2-5-1-5b-instruct do not export \(read: vllm-project\/vllm@v0\.11\.0\)/,
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

const at = (o: { kind: string; name: string; path?: string }) => `${o.kind}/${o.name}${o.path === undefined ? "" : `#${o.path}`}`;

function reported(findings: Finding[], fault: Break): Finding {
    const finding = findings.find((f) => f.rule === fault.rule && fault.message.test(f.message));
    assert.ok(finding, `${fault.what}: not reported; found:\n${findings.map((f) => `${f.rule}: ${f.message}`).join("\n")}`);
    for (const object of fault.objects) assert.ok(finding.objects.map(at).includes(object), `${fault.what}: ${object} not among ${finding.objects.map(at).join(", ")}`);
    return finding;
}

test("each hand-broken render is reported, with the objects and fields involved", async () => {
    for (const fault of BREAKS) {
        const resources = structuredClone(await resourcesOf(fault.variant));
        fault.apply(resources);
        reported(check(resources, fault.variant).findings, fault);
    }
});

/** The resources a `validateStack` policy sees in a real preview: each chart's objects as the
 * provider registers them, children of the chart. */
async function policyResources(variant: string, resources?: StackResource[]): Promise<PolicyResource[]> {
    const run = await runOf(variant);
    const listed = resources ?? (await resourcesOf(variant));
    const out: PolicyResource[] = [];
    run.resources.forEach((recorded, i) => {
        const resource = { type: recorded.type, name: recorded.name, urn: recorded.urn, props: listed[i].props } as unknown as PolicyResource;
        out.push(resource);
        if (recorded.type !== "kubernetes:helm.sh/v4:Chart") return;
        for (const object of chartObjects(listed[i].props as unknown as HelmRelease) ?? []) {
            const group = object.apiVersion.includes("/") ? object.apiVersion : `core/${object.apiVersion}`;
            const type = `kubernetes:${group}:${object.kind}`;
            out.push({ type, name: object.metadata.name, urn: `${recorded.urn}$${type}::${object.metadata.name}`, props: object, parent: resource } as unknown as PolicyResource);
        }
    });
    return out;
}

function runPolicy(resources: PolicyResource[], variant: string): { message: string; urn?: string }[] {
    const violations: { message: string; urn?: string }[] = [];
    const config = environmentOf(variant);
    validateConsistency(
        {
            resources,
            getConfig: <T extends object>() => config as T,
            notApplicable: (reason?: string): never => {
                throw new Error(`not applicable: ${reason}`);
            },
        },
        (message, urn) => violations.push({ message, ...(urn === undefined ? {} : { urn }) }),
    );
    return violations;
}

test("the policy pack's rule passes on the default renders and fails on the broken ones, on the resource at fault", async () => {
    for (const variant of Object.keys(STACKS)) assert.deepEqual(runPolicy(await policyResources(variant), variant), [], variant);
    for (const fault of BREAKS) {
        const resources = structuredClone(await resourcesOf(fault.variant));
        fault.apply(resources);
        const seen = await policyResources(fault.variant, resources);
        const violations = runPolicy(seen, fault.variant);
        const violation = violations.find((v) => v.message.startsWith(`${fault.rule}: `) && fault.message.test(v.message));
        assert.ok(violation, `${fault.what}: no violation among ${violations.map((v) => v.message).join("\n")}`);
        const names = fault.objects.map((o) => o.split(/[/#]/)[1]);
        for (const name of names) assert.ok(violation.message.includes(name), `${fault.what}: ${violation.message}`);
        // On the resource of one of the objects involved (a dashboard is no Kubernetes object).
        if (fault.rule !== "metrics" || !fault.objects[0].startsWith("Dashboard/")) {
            const resource = seen.find((r) => r.urn === violation.urn);
            assert.ok(resource !== undefined && names.includes(resource.props.metadata?.name), `${fault.what}: reported on ${String(violation.urn)}`);
        }
    }
    // A chart the provider could not expand in a preview leaves its objects unseen: not applicable.
    const unexpanded = (await policyResources("gke")).filter((r) => r.parent === undefined);
    assert.throws(() => runPolicy(unexpanded, "gke"), /not applicable: the provider did not expand inference-bbr-chart, /);
});
