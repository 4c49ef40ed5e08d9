/**
 * Each stack file through the whole program under Pulumi's mock runtime: the complete set of
 * resources, their key inputs, schema validation of every Kubernetes object, and the HF token.
 */
import assert from "node:assert/strict";
import * as path from "node:path";
import test from "node:test";
import { INFERENCE_CHARTS } from "../components";
import { MOCK_SECRET_VALUE, ProgramRun, REPO_ROOT, RecordedResource, isSecretValue, runProgram } from "../tools/mockRuntime";
import { isKubernetesObject } from "../tools/renderFiles";
import { validateKubernetesObject } from "./helpers/kubernetesSchemas";
import { curlArgv } from "./helpers/stubCurl";

const MODELS = [
    { key: "llama-3-1-8b-instruct", name: "meta-llama/Llama-3.1-8B-Instruct", extraArgs: [] as string[] },
    { key: "phi-4-mini-instruct", name: "microsoft/Phi-4-mini-instruct", extraArgs: ["--trust-remote-code", "--enable-chunked-prefill"] },
];

const STACKS = [
    {
        stack: "gke",
        gatewayClass: "gke-l7-regional-external-managed",
        bbrProvider: "gke",
        poolProvider: "gke",
        destinationRules: false,
        // Google's health checkers, then the proxy-only subnet from the stack file.
        gatewayPeers: ["35.191.0.0/16", "130.211.0.0/22", "10.129.0.0/23"].map((cidr) => ({ ipBlock: { cidr } })),
    },
    {
        stack: "istio",
        gatewayClass: "istio",
        bbrProvider: "istio",
        poolProvider: "none",
        destinationRules: true,
        gatewayPeers: [{ podSelector: { matchLabels: { "gateway.networking.k8s.io/gateway-name": "inference-gateway" } } }],
    },
];

function expectedResources(destinationRules: boolean): string[] {
    const perModel = MODELS.flatMap(({ key }) => [
        `multi-model-inference:index:ModelServer inference-${key}`,
        `kubernetes:apps/v1:Deployment inference-${key}-deployment`,
        `kubernetes:networking.k8s.io/v1:NetworkPolicy inference-${key}-network-policy`,
        `multi-model-inference:index:WeightCache inference-${key}`,
        `kubernetes:core/v1:PersistentVolumeClaim inference-${key}-hf-cache`,
        `multi-model-inference:index:InferencePool inference-${key}`,
        `kubernetes:helm.sh/v4:Chart inference-${key}-chart`,
        ...(destinationRules ? [`kubernetes:networking.istio.io/v1beta1:DestinationRule inference-${key}-epp-tls`] : []),
        `multi-model-inference:index:ModelRoute inference-${key}`,
        `kubernetes:gateway.networking.k8s.io/v1:HTTPRoute inference-${key}-httproute`,
        `kubernetes:monitoring.googleapis.com/v1:PodMonitoring inference-metrics-vllm-${key}`,
        `kubernetes:monitoring.googleapis.com/v1:PodMonitoring inference-metrics-${key}-epp`,
    ]);
    return [
        "pulumi:providers:kubernetes gke",
        "multi-model-inference:index:MultiModelInference inference",
        "multi-model-inference:index:NodeServiceAccount inference-gpu-nodes",
        "gcp:serviceaccount/account:Account inference-gpu-nodes-account",
        "gcp:projects/iAMMember:IAMMember inference-gpu-nodes-container-defaultNodeServiceAccount",
        "gcp:projects/iAMMember:IAMMember inference-gpu-nodes-artifactregistry-reader",
        "gcp:projects/iAMMember:IAMMember inference-gpu-nodes-serviceusage-serviceUsageConsumer",
        "multi-model-inference:index:GpuNodePool inference-gpu-nvidia-l4",
        "gcp:container/nodePool:NodePool inference-gpu-nvidia-l4-pool",
        "kubernetes:core/v1:Secret inference-hf-token",
        "multi-model-inference:index:InferenceGateway inference-gateway",
        "kubernetes:yaml/v2:ConfigFile inference-gateway-inference-crds",
        "kubernetes:gateway.networking.k8s.io/v1:Gateway inference-gateway-gateway",
        "multi-model-inference:index:BodyBasedRouter inference-bbr",
        "kubernetes:helm.sh/v4:Chart inference-bbr-chart",
        "multi-model-inference:index:MetricsCollection inference-metrics",
        "kubernetes:core/v1:ServiceAccount inference-metrics-reader",
        "kubernetes:core/v1:Secret inference-metrics-reader-token",
        "kubernetes:rbac.authorization.k8s.io/v1:ClusterRole inference-metrics-reader-role",
        "kubernetes:rbac.authorization.k8s.io/v1:ClusterRoleBinding inference-metrics-reader-binding",
        "kubernetes:rbac.authorization.k8s.io/v1:Role inference-metrics-token-read-role",
        "kubernetes:rbac.authorization.k8s.io/v1:RoleBinding inference-metrics-token-read-binding",
        "kubernetes:monitoring.googleapis.com/v1:PodMonitoring inference-metrics-body-based-router",
        "multi-model-inference:index:ServingDashboard inference-dashboard",
        "gcp:monitoring/dashboard:Dashboard inference-dashboard-dashboard",
        ...perModel,
    ].sort();
}

function find(run: ProgramRun, type: string, name: string): RecordedResource {
    const found = run.resources.find((r) => r.type === type && r.name === name);
    assert.ok(found, `no ${type} ${name}`);
    return found;
}

/** Every string anywhere in `value`, outside secret markers. */
function plainStrings(value: unknown): string[] {
    if (isSecretValue(value)) return [];
    if (typeof value === "string") return [value];
    if (Array.isArray(value)) return value.flatMap(plainStrings);
    if (typeof value === "object" && value !== null) return Object.values(value).flatMap(plainStrings);
    return [];
}

for (const expected of STACKS) {
    test(`Pulumi.${expected.stack}.yaml`, async (t) => {
        const run = await runProgram(expected.stack, path.join(REPO_ROOT, `Pulumi.${expected.stack}.yaml`));

        await t.test("creates exactly the expected resources", () => {
            assert.deepEqual(run.resources.map((r) => `${r.type} ${r.name}`).sort(), expectedResources(expected.destinationRules));
        });

        await t.test("every Kubernetes resource uses the cluster's provider", () => {
            for (const r of run.resources.filter((r) => r.type.startsWith("kubernetes:"))) {
                assert.match(r.provider ?? "", /::pulumi:providers:kubernetes::gke::/, `${r.type} ${r.name}`);
            }
        });

        await t.test("one L4 node pool with a GPU for each model", () => {
            const pool = find(run, "gcp:container/nodePool:NodePool", "inference-gpu-nvidia-l4-pool").inputs as any;
            assert.equal(pool.cluster, "inference-cluster");
            assert.equal(pool.project, "my-gcp-project");
            assert.deepEqual(pool.nodeLocations, ["us-central1-a"]);
            assert.equal(pool.nodeCount, 2);
            assert.equal(pool.nodeConfig.machineType, "g2-standard-8");
            assert.deepEqual(pool.nodeConfig.guestAccelerators, [
                { type: "nvidia-l4", count: 1, gpuDriverInstallationConfig: { gpuDriverVersion: "LATEST" } },
            ]);
        });

        await t.test("charts at v1.0.0 with the provider and per-model selectors", () => {
            const bbr = find(run, "kubernetes:helm.sh/v4:Chart", "inference-bbr-chart").inputs as any;
            assert.equal(bbr.chart, INFERENCE_CHARTS.bodyBasedRouting.chart);
            assert.equal(bbr.version, "v1.0.0");
            assert.equal(bbr.namespace, "default");
            assert.deepEqual(bbr.values, {
                bbr: { name: "body-based-router" },
                provider: { name: expected.bbrProvider },
                inferenceGateway: { name: "inference-gateway" },
            });
            for (const model of MODELS) {
                const pool = find(run, "kubernetes:helm.sh/v4:Chart", `inference-${model.key}-chart`).inputs as any;
                assert.equal(pool.chart, INFERENCE_CHARTS.inferencePool.chart);
                assert.equal(pool.version, "v1.0.0");
                assert.equal(pool.name, model.key);
                assert.deepEqual(pool.values, {
                    inferencePool: { modelServers: { matchLabels: { app: `vllm-${model.key}` } }, targetPortNumber: 8000 },
                    provider: { name: expected.poolProvider },
                });
                // Every value set exists in the chart at v1.0.0.
                INFERENCE_CHARTS.inferencePool.valuesSchemas["v1.0.0"].parse(pool.values);
            }
            INFERENCE_CHARTS.bodyBasedRouting.valuesSchemas["v1.0.0"].parse(bbr.values);
        });

        await t.test("one vLLM Deployment per model, one GPU each", () => {
            for (const model of MODELS) {
                const deployment = find(run, "kubernetes:apps/v1:Deployment", `inference-${model.key}-deployment`).inputs as any;
                const pod = deployment.spec.template.spec;
                const container = pod.containers[0];
                assert.equal(container.image, "vllm/vllm-openai:v0.11.0");
                assert.deepEqual(container.args, [
                    "--model", model.name, "--served-model-name", model.name, "--port", "8000",
                    "--tensor-parallel-size", "1", "--dtype", "bfloat16", ...model.extraArgs,
                ]);
                assert.deepEqual(container.resources.limits, { "nvidia.com/gpu": "1" });
                assert.deepEqual(deployment.spec.selector.matchLabels, { app: `vllm-${model.key}` });
                assert.equal(pod.nodeSelector["cloud.google.com/gke-accelerator"], "nvidia-l4");
                assert.deepEqual(container.env, [
                    { name: "HF_TOKEN", valueFrom: { secretKeyRef: { name: "hf-token", key: "token" } } },
                    { name: "VLLM_NO_USAGE_STATS", value: "1" },
                ]);
                assert.equal(container.startupProbe.httpGet.path, "/health");
                assert.ok(container.startupProbe.periodSeconds * container.startupProbe.failureThreshold >= 1200);
                assert.deepEqual(container.lifecycle.preStop.exec.command, ["sleep", "30"]);
                assert.ok(pod.terminationGracePeriodSeconds > 30);
            }
        });

        await t.test("up waits for each model server, route and the Gateway, with timeouts that fit GPUs", () => {
            for (const model of MODELS) {
                const deployment = find(run, "kubernetes:apps/v1:Deployment", `inference-${model.key}-deployment`);
                assert.deepEqual(deployment.options.customTimeouts, { create: "40m", update: "40m" });
                const probe = (deployment.inputs as any).spec.template.spec.containers[0].startupProbe;
                assert.equal(probe.periodSeconds * probe.failureThreshold, 40 * 60);
                // Single replicas on a full fixed pool: no surge pod that could never schedule.
                assert.deepEqual((deployment.inputs as any).spec.strategy.rollingUpdate, { maxSurge: 0, maxUnavailable: 1 });
                const route = find(run, "kubernetes:gateway.networking.k8s.io/v1:HTTPRoute", `inference-${model.key}-httproute`);
                assert.deepEqual(JSON.parse((route.inputs as any).metadata.annotations["pulumi.com/waitFor"]), [
                    'jsonpath={.status.parents[0].conditions[?(@.type=="Accepted")].status}=True',
                    'jsonpath={.status.parents[0].conditions[?(@.type=="ResolvedRefs")].status}=True',
                ]);
                assert.deepEqual(route.options.customTimeouts, { create: "20m", update: "20m" });
            }
            const gateway = find(run, "kubernetes:gateway.networking.k8s.io/v1:Gateway", "inference-gateway-gateway").inputs as any;
            assert.equal(gateway.metadata.annotations["pulumi.com/waitFor"], "jsonpath={.status.addresses[0].value}");
        });

        await t.test("GPU nodes run as a dedicated service account with only node roles, hardened", () => {
            const account = find(run, "gcp:serviceaccount/account:Account", "inference-gpu-nodes-account").inputs as any;
            assert.match(account.accountId, /^gpu-nodes-[0-9a-f]{8}$/);
            const email = `${account.accountId}@my-gcp-project.iam.gserviceaccount.com`;
            const bindings = run.resources.filter((r) => r.type === "gcp:projects/iAMMember:IAMMember").map((r) => r.inputs as any);
            assert.deepEqual(bindings.map((b) => b.role).sort(), [
                "roles/artifactregistry.reader",
                "roles/container.defaultNodeServiceAccount",
                "roles/serviceusage.serviceUsageConsumer",
            ]);
            for (const binding of bindings) assert.equal(binding.member, `serviceAccount:${email}`);
            const pool = find(run, "gcp:container/nodePool:NodePool", "inference-gpu-nvidia-l4-pool");
            const config = (pool.inputs as any).nodeConfig;
            assert.equal(config.serviceAccount, email);
            assert.deepEqual(config.workloadMetadataConfig, { mode: "GKE_METADATA" });
            assert.deepEqual(config.shieldedInstanceConfig, { enableSecureBoot: true, enableIntegrityMonitoring: true });
            assert.deepEqual(config.metadata, { "disable-legacy-endpoints": "true" });
            const identity = run.resources.filter((r) => /^gcp:(serviceaccount|projects)\//.test(r.type)).map((r) => r.urn);
            assert.equal(identity.length, 4);
            for (const urn of identity) assert.ok(pool.options.dependsOn.includes(urn), `the pool waits for ${urn}`);
            assert.equal(pool.options.protect, false);
        });

        await t.test("model server pods: no token, no privilege escalation, no capabilities, read-only root", () => {
            for (const model of MODELS) {
                const pod = (find(run, "kubernetes:apps/v1:Deployment", `inference-${model.key}-deployment`).inputs as any).spec.template.spec;
                assert.equal(pod.automountServiceAccountToken, false);
                assert.deepEqual(pod.securityContext, { seccompProfile: { type: "RuntimeDefault" } });
                assert.deepEqual(pod.containers[0].securityContext, {
                    allowPrivilegeEscalation: false,
                    privileged: false,
                    capabilities: { drop: ["ALL"] },
                    readOnlyRootFilesystem: true,
                });
                const writable = pod.containers[0].volumeMounts.map((m: any) => m.mountPath).sort();
                assert.deepEqual(writable, ["/dev/shm", "/root/.cache", "/root/.cache/huggingface", "/root/.config", "/root/.triton", "/tmp"]);
            }
        });

        await t.test("a NetworkPolicy per model admits only the gateway, its EPP and Managed Prometheus", () => {
            for (const model of MODELS) {
                const policy = find(run, "kubernetes:networking.k8s.io/v1:NetworkPolicy", `inference-${model.key}-network-policy`).inputs as any;
                assert.deepEqual(policy.spec.podSelector, { matchLabels: { app: `vllm-${model.key}` } });
                assert.deepEqual(policy.spec.policyTypes, ["Ingress"]);
                assert.equal(policy.spec.ingress.length, 1);
                const [rule] = policy.spec.ingress;
                assert.deepEqual(rule.ports, [{ protocol: "TCP", port: 8000 }]);
                assert.deepEqual(rule.from[0], { podSelector: { matchLabels: { inferencepool: `${model.key}-epp` } } });
                assert.deepEqual(rule.from[1].namespaceSelector.matchExpressions[0].values, ["gmp-system", "gke-gmp-system"]);
                assert.deepEqual(rule.from.slice(2), expected.gatewayPeers);
            }
        });

        await t.test("the Gateway and one header-matched HTTPRoute per model", () => {
            const gateway = find(run, "kubernetes:gateway.networking.k8s.io/v1:Gateway", "inference-gateway-gateway").inputs as any;
            assert.equal(gateway.metadata.name, "inference-gateway");
            assert.equal(gateway.spec.gatewayClassName, expected.gatewayClass);
            assert.deepEqual(gateway.spec.listeners.map((l: any) => [l.protocol, l.port]), [["HTTP", 80]]);
            for (const model of MODELS) {
                const route = find(run, "kubernetes:gateway.networking.k8s.io/v1:HTTPRoute", `inference-${model.key}-httproute`).inputs as any;
                const rule = route.spec.rules[0];
                assert.deepEqual(route.spec.parentRefs, [{ group: "gateway.networking.k8s.io", kind: "Gateway", name: "inference-gateway" }]);
                assert.deepEqual(rule.matches, [
                    { path: { type: "PathPrefix", value: "/" }, headers: [{ type: "Exact", name: "X-Gateway-Model-Name", value: model.name }] },
                ]);
                assert.deepEqual(rule.backendRefs, [{ group: "inference.networking.k8s.io", kind: "InferencePool", name: model.key }]);
                assert.deepEqual(rule.timeouts, { request: "300s" });
            }
        });

        await t.test("the Istio side lets the gateway reach each EPP over TLS", { skip: !expected.destinationRules }, () => {
            for (const model of MODELS) {
                const rule = find(run, "kubernetes:networking.istio.io/v1beta1:DestinationRule", `inference-${model.key}-epp-tls`).inputs as any;
                assert.equal(rule.spec.host, `${model.key}-epp.default.svc.cluster.local`);
                assert.deepEqual(rule.spec.trafficPolicy.tls, { mode: "SIMPLE", insecureSkipVerify: true });
            }
        });

        await t.test("Managed Prometheus scrapes every model server, EPP and the BBR; the dashboard URL is an output", () => {
            const endpoint = (name: string) => {
                const monitoring = find(run, "kubernetes:monitoring.googleapis.com/v1:PodMonitoring", `inference-metrics-${name}`).inputs as any;
                return { selector: monitoring.spec.selector.matchLabels, ...monitoring.spec.endpoints[0] };
            };
            const bearer = { type: "Bearer", credentials: { secret: { name: "inference-metrics-reader-token", key: "token" } } };
            for (const model of MODELS) {
                assert.deepEqual(endpoint(`vllm-${model.key}`), { selector: { app: `vllm-${model.key}` }, port: 8000, path: "/metrics", scheme: "http", interval: "15s" });
                assert.deepEqual(endpoint(`${model.key}-epp`), {
                    selector: { inferencepool: `${model.key}-epp` }, port: 9090, path: "/metrics", scheme: "http", interval: "15s", authorization: bearer,
                });
            }
            assert.deepEqual(endpoint("body-based-router"), {
                selector: { app: "body-based-router" }, port: 9090, path: "/metrics", scheme: "http", interval: "15s", authorization: bearer,
            });
            assert.equal(
                run.outputs["dashboardUrl"],
                "https://console.cloud.google.com/monitoring/dashboards/builder/inference-dashboard-dashboard-id?project=my-gcp-project",
            );
        });

        await t.test("every Kubernetes object validates against its published schema", () => {
            const objects = run.resources.filter(isKubernetesObject);
            assert.ok(objects.length >= 6);
            for (const object of objects) {
                // The Secret's data is a secret marker here; validate it with a stand-in value.
                const inputs = isSecretValue(object.inputs["stringData"]) ? { ...object.inputs, stringData: { token: "x" } } : object.inputs;
                assert.doesNotThrow(() => validateKubernetesObject(inputs), `${object.type} ${object.name}`);
            }
        });

        await t.test("the HF token is a secret wherever it flows and never plain text", () => {
            const secret = find(run, "kubernetes:core/v1:Secret", "inference-hf-token").inputs;
            assert.ok(isSecretValue(secret["stringData"]));
            assert.deepEqual((secret["stringData"] as { value: unknown }).value, { token: MOCK_SECRET_VALUE });
            for (const r of run.resources) {
                assert.ok(!plainStrings(r.inputs).some((s) => s.includes(MOCK_SECRET_VALUE)), `${r.type} ${r.name} has the token in plain text`);
            }
            assert.ok(!JSON.stringify(run.outputs).includes(MOCK_SECRET_VALUE));
        });

        await t.test("outputs: gateway address and curl commands per model", () => {
            assert.equal(run.outputs["gatewayAddress"], "<gateway-address>");
            const models = run.outputs["models"] as { name: string; try: { chatCompletions: string; completions: string } }[];
            assert.deepEqual(models.map((m) => m.name), MODELS.map((m) => m.name));
            for (const model of models) {
                // What bash hands curl when the command is pasted.
                const argv = curlArgv("bash", model.try.chatCompletions);
                assert.deepEqual(argv.slice(0, 6), ["-X", "POST", "http://<gateway-address>/v1/chat/completions", "-H", "Content-Type: application/json", "-d"]);
                assert.equal(JSON.parse(argv[6]).model, model.name);
                assert.equal(JSON.parse(curlArgv("bash", model.try.completions)[6]).model, model.name);
            }
        });
    });
}
