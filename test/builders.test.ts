/** Table-driven tests of the pure builders and the plan, without Pulumi's runtime. */
import assert from "node:assert/strict";
import test from "node:test";
import {
    ConfigError,
    ServingConfig,
    gatewayManifest,
    httpsRedirectRoute,
    gkeNodePoolName,
    modelNetworkPolicy,
    podDisruptionBudget,
    chartValues,
    deriveModelKey,
    estimateMemory,
    httpRoute,
    mergeValues,
    nodePoolSpec,
    nodesNeeded,
    planServing,
    proposeFittingGpus,
    vllmArgs,
    vllmDeployment,
} from "../components";
import { validateKubernetesObject } from "./helpers/kubernetesSchemas";
import { NETWORK_POLICY } from "./helpers/plannedModels";

const cluster = { project: "my-gcp-project", location: "us-central1-a", name: "inference-cluster" };
const base = { cluster, networkPolicy: NETWORK_POLICY };
const plan = (config: Partial<ServingConfig>) => planServing({ ...base, models: [{ name: "meta-llama/Llama-3.1-8B-Instruct" }], ...config });

test("deriveModelKey: stable DNS labels from model names", () => {
    const cases: [string, string][] = [
        ["meta-llama/Llama-3.1-8B-Instruct", "llama-3-1-8b-instruct"],
        ["microsoft/Phi-4-mini-instruct", "phi-4-mini-instruct"],
        ["Qwen/Qwen2.5-7B-Instruct", "qwen2-5-7b-instruct"],
        ["my-model", "my-model"],
        ["org/--Weird__Name--", "weird-name"],
        ["org/" + "x".repeat(60), "x".repeat(40)],
    ];
    for (const [name, key] of cases) assert.equal(deriveModelKey(name), key, name);
});

test("chartValues: program values pass the v1.0.0 schema; typos, unread keys and unknown versions fail", () => {
    const values = planServing({ ...base, models: [{ name: "meta-llama/Llama-3.1-8B-Instruct" }] }).models[0].poolValues;
    const cases: { config: Parameters<typeof chartValues>[1]; problem?: RegExp; replicas?: number }[] = [
        { config: { version: "v1.0.0" } },
        { config: { version: "v1.0.0", values: { inferenceExtension: { replicas: 2 } } }, replicas: 2 },
        {
            config: { version: "v1.0.0", values: { inferenceExtension: { replicsa: 2 } } },
            problem: /charts\.inferencePool\.values\.inferenceExtension\.replicsa: unknown key; allowed keys here: replicas,/,
        },
        { config: { version: "v1.0.0", values: { provider: { name: "istio" } } }, problem: /values\.provider\.name: is set by the program/ },
        {
            config: { version: "v1.0.0", values: { inferenceExtension: { flags: { v: 1 } } } },
            problem: /inferenceExtension\.flags: got \{"v":1\}; expected array/,
        },
        // Keys that appear at v1.0.1, which no v1.0.0 template reads.
        {
            config: { version: "v1.0.0", values: { inferenceExtension: { monitoring: { gke: { enabled: true } } } } },
            problem: /inferenceExtension\.monitoring: unknown key/,
        },
        { config: { version: "v1.0.0", values: { inferenceExtension: { tolerations: [] } } }, problem: /inferenceExtension\.tolerations: unknown key/ },
        // Keys v1.0.0 reads: an env entry from a Secret, the EPP Service's metrics port.
        {
            config: {
                version: "v1.0.0",
                values: { inferenceExtension: { env: [{ name: "X", valueFrom: { secretKeyRef: { name: "s", key: "k" } } }], metricsPort: 9091 } },
            },
        },
        {
            config: { version: "v1.0.0", values: { inferenceExtension: { env: [{ name: "X", value: "1", valueFrom: { fieldRef: {} } }] } } },
            problem: /env\[0\]: .*set value or valueFrom, not both/,
        },
        // Read only by the v1alpha2 branch of templates/inferencepool.yaml, which a v1 pool never takes.
        {
            config: { version: "v1.0.0", values: { inferenceExtension: { failureMode: "FailOpen" } } },
            problem: /inferenceExtension\.failureMode: is read only for a v1alpha2 pool/,
        },
        {
            config: { version: "v1.0.0", values: { inferencePool: { apiVersion: "inference.networking.x-k8s.io/v1alpha2" } } },
            problem: /inferencePool\.apiVersion: got "inference\.networking\.x-k8s\.io\/v1alpha2"; allowed: inference\.networking\.k8s\.io\/v1/,
        },
        { config: { version: "v9.9.9" }, problem: /no values schema for this chart version \(known: v1\.0\.0, v1\.0\.2, v1\.5\.0\).*rawValues/ },
        { config: { version: "v9.9.9", rawValues: { anything: true } } },
    ];
    for (const { config, problem, replicas } of cases) {
        const result = chartValues("inferencePool", config, values);
        if (problem === undefined) assert.deepEqual(result.problems, [], JSON.stringify(config));
        else assert.match(result.problems.map((p) => `${p.path}: ${p.message}`).join("\n"), problem);
        if (replicas !== undefined) assert.equal((result.values["inferenceExtension"] as { replicas: number }).replicas, replicas);
    }
});

test("mergeValues merges maps and replaces everything else, like Helm", () => {
    assert.deepEqual(mergeValues({ a: { b: 1, c: [1] }, d: 1 }, { a: { c: [2], e: 3 }, d: { x: 1 } }), { a: { b: 1, c: [2], e: 3 }, d: { x: 1 } });
});

test("vllmArgs: the served name, port, tensor parallelism and precision flags", () => {
    // The v1.0.0 line's EPP scrapes a metric vLLM v0.11.0 hides (RELEASE_V1_0_0.vllmMetricArgs).
    const HIDDEN = ["--show-hidden-metrics-for-version", "0.10"];
    const cases: { model: Partial<ServingConfig["models"][number]>; expected: string[] }[] = [
        // One L4 does not hold the native 131,072: the largest context that fits.
        { model: {}, expected: ["--tensor-parallel-size", "1", "--dtype", "bfloat16", "--max-model-len", "25248", ...HIDDEN] },
        // Two hold it: vLLM's default is the native length, so no flag.
        { model: { gpu: { count: 2 }, precision: "float16" }, expected: ["--tensor-parallel-size", "2", "--dtype", "float16", ...HIDDEN] },
        // A smaller length in vllmArgs is honoured, and the plan adds none of its own.
        {
            model: { precision: "fp8", vllmArgs: ["--max-model-len=8192"] },
            expected: ["--tensor-parallel-size", "1", "--quantization", "fp8", ...HIDDEN, "--max-model-len=8192"],
        },
        { model: { precision: "int4" }, expected: ["--tensor-parallel-size", "1", "--max-model-len", "107952", ...HIDDEN] },
    ];
    for (const { model, expected } of cases) {
        const planned = planServing({ ...base, models: [{ name: "meta-llama/Llama-3.1-8B-Instruct", ...model }] }).models[0];
        const args = vllmArgs(planned);
        assert.deepEqual(args.slice(0, 6), [
            "--model",
            "meta-llama/Llama-3.1-8B-Instruct",
            "--served-model-name",
            "meta-llama/Llama-3.1-8B-Instruct",
            "--port",
            "8000",
        ]);
        assert.deepEqual(args.slice(6), expected, JSON.stringify(model));
    }
});

test("vllmDeployment: GPUs, shared memory and scheduling follow the model", () => {
    const cases = [
        { gpu: { type: "nvidia-l4" as const, count: 1 }, shm: "2Gi" },
        { gpu: { type: "nvidia-l4" as const, count: 4 }, shm: "8Gi" },
        { gpu: { type: "nvidia-h100-80gb" as const, count: 8 }, shm: "16Gi" },
    ];
    for (const { gpu, shm } of cases) {
        const p = planServing({
            ...base,
            models: [{ name: "meta-llama/Llama-3.1-8B-Instruct", gpu }],
            nodePools: gpu.type === "nvidia-h100-80gb" ? { [gpu.type]: { spot: true } } : {},
        });
        const deployment = vllmDeployment({ model: p.models[0], namespace: "ns", image: "vllm/vllm-openai:v0.11.0" }) as any;
        const pod = deployment.spec.template.spec;
        assert.equal(pod.containers[0].resources.limits["nvidia.com/gpu"], String(gpu.count));
        assert.equal(pod.nodeSelector["cloud.google.com/gke-accelerator"], gpu.type);
        assert.equal(pod.volumes.find((v: any) => v.name === "shm").emptyDir.sizeLimit, shm);
        assert.deepEqual(deployment.spec.strategy.rollingUpdate, { maxSurge: 0, maxUnavailable: 1 });
    }
});

test("httpRoute: exact header match on the model name, InferencePool backend, the timeout it is given", () => {
    const cases = [
        { modelName: "meta-llama/Llama-3.1-8B-Instruct", poolName: "llama-3-1-8b-instruct", requestTimeout: "300s" },
        { modelName: "food-review", poolName: "food", requestTimeout: undefined },
    ];
    for (const c of cases) {
        const route = httpRoute({ routeName: c.poolName, namespace: "ns", gatewayName: "gw", ...c });
        assert.deepEqual(route.spec.rules[0].matches[0].headers, [{ type: "Exact", name: "X-Gateway-Model-Name", value: c.modelName }]);
        assert.deepEqual(route.spec.rules[0].backendRefs, [{ group: "inference.networking.k8s.io", kind: "InferencePool", name: c.poolName }]);
        assert.deepEqual(route.spec.rules[0].timeouts, c.requestTimeout === undefined ? undefined : { request: c.requestTimeout });
        assert.equal(route.spec.parentRefs[0].name, "gw");
    }
});

test("nodePoolSpec: fixed count or autoscaling, hardened nodes, accelerator from the plan", () => {
    const fixed = nodePoolSpec({ ...plan({}).nodePools[0], cluster }) as any;
    assert.equal(fixed.nodeCount, 1);
    assert.equal(fixed.autoscaling, undefined);
    assert.equal(fixed.nodeConfig.machineType, "g2-standard-8");
    assert.deepEqual(fixed.nodeConfig.shieldedInstanceConfig, { enableSecureBoot: true, enableIntegrityMonitoring: true });
    const scaled = nodePoolSpec({ ...plan({ nodePools: { "nvidia-l4": { autoscaling: { minNodes: 0, maxNodes: 3 } } } }).nodePools[0], cluster }) as any;
    assert.equal(scaled.nodeCount, undefined);
    assert.deepEqual(scaled.autoscaling, { totalMinNodeCount: 0, totalMaxNodeCount: 3, locationPolicy: "ANY" });
});

test("nodesNeeded: first-fit decreasing with a pod's GPUs on one node", () => {
    const cases: [number[], number, number][] = [
        [[1, 1], 1, 2],
        [[1, 1, 1], 4, 1],
        [[2, 2, 1, 1], 4, 2],
        [[4, 1, 1], 4, 2],
        [[], 8, 0],
    ];
    for (const [pods, perNode, nodes] of cases) assert.equal(nodesNeeded(pods, perNode), nodes, JSON.stringify([pods, perNode]));
});

test("memory estimate and a fitting proposal", () => {
    const llama8 = estimateMemory(8.03, "bfloat16", 2, "nvidia-l4", 1);
    assert.deepEqual(llama8, { parametersBillions: 8.03, weightsGb: 16.06, requiredGb: 18.06, usableGb: 21.6 });
    const llama70 = estimateMemory(70.6, "bfloat16", 2, "nvidia-l4", 1);
    assert.ok(llama70.requiredGb > llama70.usableGb);
    assert.match(proposeFittingGpus(llama70.requiredGb, "nvidia-l4"), /gpu: \{type: nvidia-l4, count: 8\}/);
    assert.throws(
        () => planServing({ ...base, models: [{ name: "meta-llama/Llama-3.1-70B-Instruct" }] }),
        (e: unknown) => e instanceof ConfigError && /models\[0\]\.gpu: .*needs about 143\.2 GB.*gives vLLM 21\.6 GB; .*count: 8/.test(e.message),
    );
});

test("cost: list price per GPU-hour times GPUs, monthly at 730 hours", () => {
    const p = plan({ models: [{ name: "meta-llama/Llama-3.1-8B-Instruct" }, { name: "microsoft/Phi-4-mini-instruct" }] });
    assert.deepEqual(p.cost?.min, { nodes: 2, gpus: 2, onDemandHourly: 1.12, onDemandMonthly: 817.6, spotHourly: 0.45, spotMonthly: 325.73 });
});

test("gateway exposure: internal classes and annotations per provider, HTTPS with a hostname's certificate", () => {
    const cases = [
        { provider: "gke" as const, internal: false, className: "gke-l7-regional-external-managed", annotations: {} },
        { provider: "gke" as const, internal: true, className: "gke-l7-rilb", annotations: {} },
        { provider: "istio" as const, internal: true, className: "istio", annotations: { "networking.gke.io/load-balancer-type": "Internal" } },
    ];
    for (const c of cases) {
        const p = plan({ provider: { name: c.provider }, gateway: { internal: c.internal } });
        assert.equal(p.gateway.className, c.className, JSON.stringify(c));
        assert.deepEqual(p.gateway.annotations, c.annotations);
    }
    const https = plan({ gateway: { hostname: "llm.example.com", tlsSecretName: "llm-example-com-tls" } }).gateway;
    const manifest = gatewayManifest({ gatewayName: "gw", namespace: "ns", gatewayClassName: https.className, ...https });
    validateKubernetesObject(manifest);
    const http = { name: "http", protocol: "HTTP", port: 80, hostname: "llm.example.com", allowedRoutes: { namespaces: { from: "Same" } } };
    assert.deepEqual(manifest.spec.listeners, [
        http,
        {
            name: "https",
            protocol: "HTTPS",
            port: 443,
            hostname: "llm.example.com",
            allowedRoutes: { namespaces: { from: "Same" } },
            tls: { mode: "Terminate", certificateRefs: [{ group: "", kind: "Secret", name: "llm-example-com-tls" }] },
        },
    ]);
    // HTTP only redirects: 301 to the same URL over HTTPS, on the HTTP listener alone.
    const redirect = httpsRedirectRoute({ gatewayName: "gw", namespace: "ns" });
    validateKubernetesObject(redirect);
    assert.deepEqual(redirect.spec.parentRefs, [{ group: "gateway.networking.k8s.io", kind: "Gateway", name: "gw", sectionName: "http" }]);
    assert.deepEqual(redirect.spec.rules, [{ filters: [{ type: "RequestRedirect", requestRedirect: { scheme: "https", statusCode: 301 } }] }]);

    // A hostname alone on GKE: a regional Google-managed certificate in the cluster's region.
    const managed = plan({ cluster: { ...base.cluster, location: "europe-west4-b" }, gateway: { hostname: "*.llm.example.com" } }).gateway;
    assert.equal(managed.https, true);
    assert.equal(managed.tlsSecretName, undefined);
    assert.deepEqual(
        { ...managed.managedCertificate, name: undefined },
        {
            name: undefined,
            hostname: "*.llm.example.com",
            domain: "llm.example.com",
            project: "my-gcp-project",
            location: "europe-west4",
            listenerOption: "networking.gke.io/cert-manager-certs",
        },
    );
    assert.match(managed.managedCertificate?.name ?? "", /^cert-inference-gateway-[0-9a-f]{6}$/);
    const withCertificate = gatewayManifest({
        gatewayName: "gw",
        namespace: "ns",
        gatewayClassName: managed.className,
        hostname: managed.hostname,
        certificate: { option: "networking.gke.io/cert-manager-certs", name: "c1" },
    });
    validateKubernetesObject(withCertificate);
    assert.deepEqual((withCertificate.spec.listeners[1] as { tls?: unknown }).tls, {
        mode: "Terminate",
        options: { "networking.gke.io/cert-manager-certs": "c1" },
    });
    // Istio issues no certificate: a hostname alone stays HTTP (bring a Secret, see docs/api-keys-and-https.md).
    const istio = plan({ provider: { name: "istio" }, networkPolicy: {}, gateway: { hostname: "llm.example.com" } }).gateway;
    assert.deepEqual([istio.https, istio.managedCertificate], [false, undefined]);

    assert.throws(
        () => plan({ provider: { name: "other" }, gateway: { internal: true } }),
        /provider\.gatewayClassName: is required for provider "other" with gateway\.internal/,
    );
});

test("NetworkPolicy peers follow the provider; providers with outside proxies need their ranges", () => {
    const [llama] = plan({}).models;
    const gke = modelNetworkPolicy(llama, "ns", plan({}).networkPolicy!) as any;
    validateKubernetesObject(gke);
    assert.deepEqual(
        gke.spec.ingress[0].from.slice(2),
        ["35.191.0.0/16", "130.211.0.0/22", "10.129.0.0/23"].map((cidr) => ({ ipBlock: { cidr } })),
    );
    const istio = plan({ provider: { name: "istio" }, networkPolicy: {} }).networkPolicy!;
    assert.deepEqual(istio, {
        sourceRanges: [],
        gatewayPodLabels: { "gateway.networking.k8s.io/gateway-name": "inference-gateway" },
        collectorNamespaces: ["gmp-system", "gke-gmp-system"],
    });
    assert.equal(plan({ networkPolicy: { enabled: false } }).networkPolicy, undefined);
    assert.throws(() => plan({ networkPolicy: {} }), /networkPolicy\.gatewaySourceRanges: is required for provider "gke"/);
    assert.throws(
        () => plan({ provider: { name: "other", gatewayClassName: "x" }, networkPolicy: {} }),
        /networkPolicy\.gatewaySourceRanges: is required for provider "other"/,
    );
});

test("rollouts surge only where the pool has a GPU to spare; budgets only for several replicas", () => {
    const fixed = plan({ models: [{ name: "meta-llama/Llama-3.1-8B-Instruct" }, { name: "microsoft/Phi-4-mini-instruct" }] });
    assert.deepEqual(
        fixed.models.map((m) => m.canSurge),
        [false, false],
    );
    const spareWithDisk = plan({ nodePools: { "nvidia-l4": { autoscaling: { minNodes: 1, maxNodes: 2 } } } });
    assert.equal(spareWithDisk.models[0].canSurge, false, "a surge pod could not attach the old pod's ReadWriteOnce disk");
    const spare = plan({
        models: [{ name: "meta-llama/Llama-3.1-8B-Instruct", weightCache: { type: "none" } }],
        nodePools: { "nvidia-l4": { autoscaling: { minNodes: 1, maxNodes: 2 } } },
    });
    assert.equal(spare.models[0].canSurge, true);
    assert.deepEqual((vllmDeployment({ model: spare.models[0], namespace: "ns", image: "i:1" }) as any).spec.strategy, {
        type: "RollingUpdate",
        rollingUpdate: { maxSurge: 1, maxUnavailable: 0 },
    });
    const two = plan({ models: [{ name: "meta-llama/Llama-3.1-8B-Instruct", replicas: 2, weightCache: { accessMode: "ReadWriteMany" } }] }).models[0];
    const budget = podDisruptionBudget(two, "ns") as any;
    validateKubernetesObject(budget);
    assert.deepEqual(budget.spec, { maxUnavailable: 1, selector: { matchLabels: { app: "vllm-llama-3-1-8b-instruct" } } });
});

test("node pool names: a hash of exactly the fields that replace the pool", () => {
    const base = { ...plan({}).nodePools[0], cluster };
    const name = gkeNodePoolName(base);
    assert.match(name, /^gpu-nvidia-l4-[0-9a-f]{6}$/);
    for (const inPlace of [
        { machineType: "g2-standard-16" },
        { diskSizeGb: 300 },
        { labels: { team: "a" } },
        { zones: ["us-central1-b"] },
        { protect: true },
    ]) {
        assert.equal(gkeNodePoolName({ ...base, ...inPlace }), name, JSON.stringify(inPlace));
    }
    for (const replacing of [
        { driverVersion: "DEFAULT" as const },
        { spot: true },
        { gpusPerNode: 2 },
        { serviceAccountEmail: "other@p.iam.gserviceaccount.com" },
    ]) {
        assert.notEqual(gkeNodePoolName({ ...base, ...replacing }), name, JSON.stringify(replacing));
    }
});
