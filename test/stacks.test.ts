/**
 * Each stack file through the whole program under Pulumi's mock runtime: the complete set of
 * resources, their key inputs, schema validation of every Kubernetes object, and the secrets
 * (HF token, API keys).
 */
import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import * as path from "node:path";
import test from "node:test";
import { INFERENCE_CHARTS } from "../components";
import { poolReleaseName } from "../components/names";
import { MOCK_SECRET_VALUE, ProgramRun, REPO_ROOT, RecordedResource, isSecretValue, runProgram } from "../tools/mockRuntime";
import { isKubernetesObject } from "../tools/renderFiles";
import { validateKubernetesObject } from "./helpers/kubernetesSchemas";
import { configKey, stackVariant } from "./helpers/stackConfigs";
import { curlArgv } from "./helpers/stubCurl";

const MODELS = [
    // The contexts an L4 holds by vLLM v0.11.0's rule (the native 131,072 fits neither).
    { key: "llama-3-1-8b-instruct", name: "meta-llama/Llama-3.1-8B-Instruct", contextArgs: ["--max-model-len", "25248"], extraArgs: [] as string[] },
    {
        key: "phi-4-mini-instruct",
        name: "microsoft/Phi-4-mini-instruct",
        contextArgs: ["--max-model-len", "82784"],
        extraArgs: ["--trust-remote-code", "--enable-chunked-prefill"],
    },
];

const STACKS = [
    {
        stack: "gke",
        gatewayClass: "gke-l7-regional-external-managed",
        bbrProvider: "gke",
        poolProvider: "gke",
        destinationRules: false,
        // GKE rejects a route with timeouts (Accepted=False, UnsupportedValue: GKE "GatewayClass
        // capabilities", kserve/kserve#5311); the chart's GCPBackendPolicy carries `timeoutSec: 300`
        // (config/charts/inferencepool/templates/gke.yaml at v1.0.0).
        routeTimeouts: undefined,
        // templates/gke.yaml at v1.0.0 always renders a ClusterPodMonitoring for the EPP.
        programScrapesEpps: false,
        // Google's health checkers, then the proxy-only subnet from the stack file.
        gatewayPeers: ["35.191.0.0/16", "130.211.0.0/22", "10.129.0.0/23"].map((cidr) => ({ ipBlock: { cidr } })),
    },
    {
        stack: "istio",
        gatewayClass: "istio",
        bbrProvider: "istio",
        poolProvider: "none",
        destinationRules: true,
        // Istio implements route timeouts; upstream's Istio route at v1.0.0 sets 300s
        // (config/manifests/gateway/istio/httproute.yaml).
        routeTimeouts: { request: "300s" },
        // The inferencepool chart renders no monitor for provider none.
        programScrapesEpps: true,
        gatewayPeers: [{ podSelector: { matchLabels: { "gateway.networking.k8s.io/gateway-name": "inference-gateway" } } }],
    },
];

function expectedResources({ destinationRules, programScrapesEpps }: { destinationRules: boolean; programScrapesEpps: boolean }): string[] {
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
        ...(programScrapesEpps ? [`kubernetes:monitoring.googleapis.com/v1:PodMonitoring inference-metrics-${key}-epp`] : []),
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
        "kubernetes:core/v1:Secret inference-api-keys",
        "multi-model-inference:index:ModelCatalog inference-models",
        "kubernetes:core/v1:ConfigMap inference-models-configmap",
        "kubernetes:apps/v1:Deployment inference-models-deployment",
        "kubernetes:core/v1:Service inference-models-service",
        "kubernetes:policy/v1:PodDisruptionBudget inference-models-pdb",
        "kubernetes:networking.k8s.io/v1:NetworkPolicy inference-models-network-policy",
        "kubernetes:gateway.networking.k8s.io/v1:HTTPRoute inference-models-httproute",
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
            assert.deepEqual(run.resources.map((r) => `${r.type} ${r.name}`).sort(), expectedResources(expected));
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
            assert.deepEqual(pool.nodeConfig.guestAccelerators, [{ type: "nvidia-l4", count: 1, gpuDriverInstallationConfig: { gpuDriverVersion: "LATEST" } }]);
        });

        await t.test("charts at v1.0.0 with the provider, per-model selectors and what each template reads", () => {
            const bbr = find(run, "kubernetes:helm.sh/v4:Chart", "inference-bbr-chart").inputs as any;
            assert.equal(bbr.chart, INFERENCE_CHARTS.bodyBasedRouting.chart);
            assert.equal(bbr.version, "v1.0.0");
            assert.equal(bbr.namespace, "default");
            // inferenceGateway.name only where the chart reads it at v1.0.0: templates/gke.yaml.
            assert.deepEqual(bbr.values, {
                bbr: { name: "body-based-router" },
                provider: { name: expected.bbrProvider },
                ...(expected.bbrProvider === "gke" ? { inferenceGateway: { name: "inference-gateway" } } : {}),
            });
            for (const model of MODELS) {
                const pool = find(run, "kubernetes:helm.sh/v4:Chart", `inference-${model.key}-chart`).inputs as any;
                assert.equal(pool.chart, INFERENCE_CHARTS.inferencePool.chart);
                assert.equal(pool.version, "v1.0.0");
                // Namespace default: the release is the model's key, as before.
                assert.equal(pool.name, model.key);
                assert.deepEqual(pool.values.inferencePool.modelServers, { matchLabels: { app: `vllm-${model.key}` } });
                assert.deepEqual(pool.values.provider, { name: expected.poolProvider });
                // A v1 pool's ports: `range .Values.inferencePool.targetPorts` (templates/inferencepool.yaml).
                assert.deepEqual(pool.values.inferencePool.targetPorts, [{ number: 8000 }]);
                if (expected.poolProvider === "gke") {
                    // The HealthCheckPolicy's port, and the Secret of the chart's EPP monitor
                    // (templates/gke.yaml): the program's metrics reader token in its namespace.
                    assert.equal(pool.values.inferencePool.targetPortNumber, 8000);
                    assert.deepEqual(pool.values.gke, { monitoringSecret: { name: "inference-metrics-reader-token", namespace: "default" } });
                } else {
                    assert.deepEqual(Object.keys(pool.values).sort(), ["inferencePool", "provider"]);
                    assert.deepEqual(Object.keys(pool.values.inferencePool).sort(), ["modelServers", "targetPorts"]);
                }
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
                    "--config",
                    "/etc/vllm/api-keys/api-keys.yaml",
                    "--model",
                    model.name,
                    "--served-model-name",
                    model.name,
                    "--port",
                    "8000",
                    "--tensor-parallel-size",
                    "1",
                    "--dtype",
                    "bfloat16",
                    ...model.contextArgs,
                    // The v1.0.0 line's EPP scrapes vllm:gpu_cache_usage_perc, which v0.11.0 hides.
                    "--show-hidden-metrics-for-version",
                    "0.10",
                    ...model.extraArgs,
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
                assert.deepEqual(writable, [
                    "/dev/shm",
                    "/etc/vllm/api-keys",
                    "/root/.cache",
                    "/root/.cache/huggingface",
                    "/root/.config",
                    "/root/.triton",
                    "/tmp",
                ]);
                assert.equal(pod.containers[0].volumeMounts.find((m: any) => m.mountPath === "/etc/vllm/api-keys").readOnly, true);
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
            assert.deepEqual(
                gateway.spec.listeners.map((l: any) => [l.protocol, l.port]),
                [["HTTP", 80]],
            );
            for (const model of MODELS) {
                const route = find(run, "kubernetes:gateway.networking.k8s.io/v1:HTTPRoute", `inference-${model.key}-httproute`).inputs as any;
                const rule = route.spec.rules[0];
                assert.deepEqual(route.spec.parentRefs, [{ group: "gateway.networking.k8s.io", kind: "Gateway", name: "inference-gateway" }]);
                assert.deepEqual(rule.matches, [
                    { path: { type: "Exact", value: "/v1/chat/completions" }, headers: [{ type: "Exact", name: "X-Gateway-Model-Name", value: model.name }] },
                    { path: { type: "Exact", value: "/v1/completions" }, headers: [{ type: "Exact", name: "X-Gateway-Model-Name", value: model.name }] },
                ]);
                assert.deepEqual(rule.backendRefs, [{ group: "inference.networking.k8s.io", kind: "InferencePool", name: model.key }]);
                assert.deepEqual(rule.timeouts, expected.routeTimeouts);
            }
        });

        await t.test("the Istio side lets the gateway reach each EPP over TLS", { skip: !expected.destinationRules }, () => {
            for (const model of MODELS) {
                const rule = find(run, "kubernetes:networking.istio.io/v1beta1:DestinationRule", `inference-${model.key}-epp-tls`).inputs as any;
                assert.equal(rule.spec.host, `${model.key}-epp.default.svc.cluster.local`);
                assert.deepEqual(rule.spec.trafficPolicy.tls, { mode: "SIMPLE", insecureSkipVerify: true });
            }
        });

        await t.test("Managed Prometheus scrapes every model server and, unless the chart does, each EPP; the dashboard URL is an output", () => {
            const endpoint = (name: string) => {
                const monitoring = find(run, "kubernetes:monitoring.googleapis.com/v1:PodMonitoring", `inference-metrics-${name}`).inputs as any;
                return { selector: monitoring.spec.selector.matchLabels, ...monitoring.spec.endpoints[0] };
            };
            const bearer = { type: "Bearer", credentials: { secret: { name: "inference-metrics-reader-token", key: "token" } } };
            for (const model of MODELS) {
                assert.deepEqual(endpoint(`vllm-${model.key}`), {
                    selector: { app: `vllm-${model.key}` },
                    port: 8000,
                    path: "/metrics",
                    scheme: "http",
                    interval: "15s",
                });
                if (expected.programScrapesEpps) {
                    assert.deepEqual(endpoint(`${model.key}-epp`), {
                        selector: { inferencepool: `${model.key}-epp` },
                        port: 9090,
                        path: "/metrics",
                        scheme: "http",
                        interval: "15s",
                        authorization: bearer,
                    });
                }
            }
            // BBR runs as the namespace's default account at v1.0.0, which cannot review the
            // scrape's token: no monitor that cannot succeed.
            assert.equal(run.resources.filter((r) => r.name === "inference-metrics-body-based-router").length, 0);
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

        await t.test("API keys: a secret in the api-keys Secret, vLLM reads them from a file, the model servers roll when they change", () => {
            const secret = find(run, "kubernetes:core/v1:Secret", "inference-api-keys").inputs as any;
            assert.equal(secret.metadata.name, "api-keys");
            assert.ok(isSecretValue(secret.stringData));
            const data = (secret.stringData as { value: Record<string, string> }).value;
            assert.deepEqual(JSON.parse(data["vllm-api-keys.yaml"]), { "api-key": [MOCK_SECRET_VALUE] });
            assert.deepEqual(data["sha256"].trim().split("\n"), [createHash("sha256").update(MOCK_SECRET_VALUE).digest("hex")]);
            for (const model of MODELS) {
                const pod = (find(run, "kubernetes:apps/v1:Deployment", `inference-${model.key}-deployment`).inputs as any).spec.template;
                const volume = pod.spec.volumes.find((v: any) => v.name === "api-keys");
                assert.deepEqual(volume.secret, { secretName: "api-keys", items: [{ key: "vllm-api-keys.yaml", path: "api-keys.yaml" }] });
                assert.match(pod.metadata.annotations["multi-model-inference/api-keys-version"], /^[0-9a-f]{16}$/);
                assert.ok(!JSON.stringify(pod).includes(MOCK_SECRET_VALUE));
            }
        });

        await t.test("the model list: a pinned, hardened nginx reading a ConfigMap, on its own route", () => {
            const deployment = find(run, "kubernetes:apps/v1:Deployment", "inference-models-deployment").inputs as any;
            const pod = deployment.spec.template.spec;
            const [nginx] = pod.containers;
            assert.match(nginx.image, /^nginxinc\/nginx-unprivileged:1\.30\.4-alpine@sha256:[0-9a-f]{64}$/);
            assert.equal(pod.automountServiceAccountToken, false);
            assert.deepEqual(pod.securityContext, { runAsNonRoot: true, runAsUser: 101, runAsGroup: 101, seccompProfile: { type: "RuntimeDefault" } });
            assert.deepEqual(nginx.securityContext, {
                allowPrivilegeEscalation: false,
                privileged: false,
                capabilities: { drop: ["ALL"] },
                readOnlyRootFilesystem: true,
            });
            assert.ok(nginx.resources.requests.cpu && nginx.resources.limits.memory);
            assert.deepEqual(pod.volumes.find((v: any) => v.name === "keys").secret, { secretName: "api-keys", items: [{ key: "sha256", path: "sha256" }] });
            const configMap = find(run, "kubernetes:core/v1:ConfigMap", "inference-models-configmap").inputs as any;
            assert.match(configMap.data["nginx.conf"], /set \$api_key_digests "\/etc\/openai-models\/keys\/sha256";/);
            assert.deepEqual(JSON.parse(configMap.data["models.json"]), {
                object: "list",
                data: MODELS.map((m) => ({ id: m.name, object: "model", created: 0, owned_by: "vllm" })),
            });
            const policy = find(run, "kubernetes:networking.k8s.io/v1:NetworkPolicy", "inference-models-network-policy").inputs as any;
            assert.deepEqual(policy.spec.ingress, [{ from: expected.gatewayPeers, ports: [{ protocol: "TCP", port: 8080 }] }]);
            const route = find(run, "kubernetes:gateway.networking.k8s.io/v1:HTTPRoute", "inference-models-httproute").inputs as any;
            assert.deepEqual(route.spec.rules, [
                { matches: [{ path: { type: "PathPrefix", value: "/v1" } }], backendRefs: [{ group: "", kind: "Service", name: "openai-models", port: 80 }] },
            ]);
        });

        await t.test("the HF token and the API keys are secrets wherever they flow and never plain text", () => {
            const secret = find(run, "kubernetes:core/v1:Secret", "inference-hf-token").inputs;
            assert.ok(isSecretValue(secret["stringData"]));
            assert.deepEqual((secret["stringData"] as { value: unknown }).value, { token: MOCK_SECRET_VALUE });
            for (const r of run.resources) {
                assert.ok(!plainStrings(r.inputs).some((s) => s.includes(MOCK_SECRET_VALUE)), `${r.type} ${r.name} has the token in plain text`);
            }
            assert.ok(!JSON.stringify(run.outputs).includes(MOCK_SECRET_VALUE));
        });

        await t.test("outputs: gateway address and curl commands per model, each with the key's placeholder", () => {
            assert.equal(run.outputs["gatewayAddress"], "<gateway-address>");
            assert.equal(run.outputs["apiKeysRequired"], true);
            assert.equal(run.outputs["listModels"], "curl -X GET 'http://<gateway-address>/v1/models' -H 'Authorization: Bearer <api-key>'");
            assert.equal(run.outputs["certificateDnsRecord"], undefined);
            const models = run.outputs["models"] as { name: string; try: { chatCompletions: string; completions: string } }[];
            assert.deepEqual(
                models.map((m) => m.name),
                MODELS.map((m) => m.name),
            );
            for (const model of models) {
                // What bash hands curl when the command is pasted: the key as a placeholder, never the key.
                for (const command of [model.try.chatCompletions, model.try.completions]) {
                    const argv = curlArgv("bash", command);
                    const [flag, method, url, ...rest] = argv;
                    assert.deepEqual([flag, method], ["-X", "POST"]);
                    assert.match(url, /^http:\/\/<gateway-address>\/v1\/(chat\/)?completions$/);
                    assert.deepEqual(rest.slice(0, 5), ["-H", "Authorization: Bearer <api-key>", "-H", "Content-Type: application/json", "-d"]);
                    assert.equal(JSON.parse(rest[5]).model, model.name);
                }
            }
        });
    });
}

test("in another namespace, every reference to a pool and its EPP follows the cluster-unique release name", async () => {
    // The chart names its cluster-scoped ClusterRole and ClusterRoleBinding `<release>-epp`
    // (config/charts/inferencepool/templates/rbac.yaml at v1.0.0), so two namespaces serving one
    // model must not share a release name.
    const run = await runProgram(
        "istio",
        stackVariant("istio", "team-a", (config) => (config[configKey("namespace")] = "team-a")),
    );
    for (const model of MODELS) {
        const release = poolReleaseName("team-a", model.key);
        const inputs = (type: string, name: string) => find(run, type, name).inputs as any;
        const chart = inputs("kubernetes:helm.sh/v4:Chart", `inference-${model.key}-chart`);
        assert.deepEqual([chart.name, chart.namespace], [release, "team-a"]);
        const route = inputs("kubernetes:gateway.networking.k8s.io/v1:HTTPRoute", `inference-${model.key}-httproute`);
        assert.equal(route.spec.rules[0].backendRefs[0].name, release);
        const policy = inputs("kubernetes:networking.k8s.io/v1:NetworkPolicy", `inference-${model.key}-network-policy`);
        assert.deepEqual(policy.spec.ingress[0].from[0], { podSelector: { matchLabels: { inferencepool: `${release}-epp` } } });
        const rule = inputs("kubernetes:networking.istio.io/v1beta1:DestinationRule", `inference-${model.key}-epp-tls`);
        assert.equal(rule.spec.host, `${release}-epp.team-a.svc.cluster.local`);
        const monitoring = inputs("kubernetes:monitoring.googleapis.com/v1:PodMonitoring", `inference-metrics-${release}-epp`);
        assert.deepEqual(monitoring.spec.selector.matchLabels, { inferencepool: `${release}-epp` });
        // Namespaced objects keep their names.
        assert.equal(inputs("kubernetes:apps/v1:Deployment", `inference-${model.key}-deployment`).metadata.name, `vllm-${model.key}`);
    }
    // Our own cluster-scoped objects carry the namespace too.
    const clusterScoped = run.resources.filter((r) => /:(ClusterRole|ClusterRoleBinding)$/.test(r.type));
    assert.ok(clusterScoped.length > 0);
    for (const r of clusterScoped) assert.match((r.inputs as any).metadata.name, /^team-a-/, r.name);
});
