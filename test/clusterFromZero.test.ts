/**
 * A cluster from zero (`cluster.create`) and Istio installed with the stack (`istio.install`):
 * the pure builders and checks, then the whole program under mocks on variants of the stack
 * files: what is created, with which key inputs, and that every Kubernetes resource goes to the
 * new cluster through a provider built from its outputs.
 */
import assert from "node:assert/strict";
import * as path from "node:path";
import test from "node:test";
import { parse as parseYaml } from "yaml";
import {
    ConfigError,
    GkeClusterArgs,
    ISTIO_CHART_REPOSITORY,
    canonicalCidr,
    clusterSpec,
    istiodValues,
    overlappingRanges,
    parseCidr,
    planServing,
    proxyOnlySubnetSpec,
    rangesOverlap,
    regionOf,
} from "../components";
import { ProgramRun, REPO_ROOT, RecordedResource, isSecretValue, runProgram } from "../tools/mockRuntime";
import { isKubernetesObject, renderFiles } from "../tools/renderFiles";
import { validateKubernetesObject } from "./helpers/kubernetesSchemas";
import { configKey, stackVariant } from "./helpers/stackConfigs";

const CLUSTER = { project: "my-gcp-project", location: "us-central1", name: "inference-cluster" };
const MODELS = [{ name: "meta-llama/Llama-3.1-8B-Instruct" }];
const NODE_POOLS = { "nvidia-l4": { zones: ["us-central1-a"] } };
/** The proxy-only subnet of an existing cluster's region, which its NetworkPolicies admit. */
const NETWORK_POLICY = { gatewaySourceRanges: ["10.129.0.0/23"] };

test("CIDR arithmetic: parsing, host bits, overlap", () => {
    assert.deepEqual(parseCidr("10.4.0.0/14"), { start: 10 * 2 ** 24 + 4 * 2 ** 16, prefix: 14 });
    for (const bad of ["10.4.0/14", "10.4.0.256/14", "10.4.0.0/33", "10.4.0.0", "a.b.c.d/8"]) assert.equal(parseCidr(bad), undefined, bad);
    assert.equal(canonicalCidr(parseCidr("10.0.1.0/20")!), "10.0.0.0/20");
    assert.equal(canonicalCidr(parseCidr("10.129.0.0/23")!), "10.129.0.0/23");
    const overlap = (a: string, b: string) => rangesOverlap(parseCidr(a)!, parseCidr(b)!);
    assert.ok(overlap("10.4.0.0/14", "10.7.255.0/24"));
    assert.ok(overlap("10.0.0.0/8", "10.129.0.0/23"));
    assert.ok(!overlap("10.4.0.0/14", "10.8.0.0/20"));
    assert.ok(!overlap("10.0.0.0/20", "10.0.16.0/20"));
});

test("overlappingRanges names both keys; the defaults do not overlap", () => {
    const defaults = { nodesCidr: "10.0.0.0/20", podsCidr: "10.4.0.0/14", servicesCidr: "10.8.0.0/20", proxyOnlyCidr: "10.129.0.0/23" };
    assert.deepEqual(overlappingRanges(defaults), []);
    assert.deepEqual(overlappingRanges({ ...defaults, proxyOnlyCidr: "10.0.8.0/23" }), [
        {
            path: "cluster.create.proxyOnlyCidr",
            message: "10.0.8.0/23 overlaps cluster.create.nodesCidr (10.0.0.0/20); the ranges of one network must not overlap",
        },
    ]);
});

test("planServing: cluster.create and istio resolved with their defaults, or absent", () => {
    const existing = planServing({ cluster: CLUSTER, models: MODELS, nodePools: NODE_POOLS, networkPolicy: NETWORK_POLICY });
    assert.equal(existing.createCluster, undefined);
    assert.equal(existing.istio, undefined);

    const created = planServing({ cluster: { ...CLUSTER, location: "us-central1-a", create: {} }, models: MODELS });
    assert.deepEqual(created.createCluster, {
        project: "my-gcp-project",
        location: "us-central1-a",
        region: "us-central1",
        name: "inference-cluster",
        networkName: "inference-cluster-network",
        subnetName: "inference-cluster-nodes",
        proxyOnlySubnetName: "inference-cluster-proxy-only",
        nodesCidr: "10.0.0.0/20",
        podsCidr: "10.4.0.0/14",
        servicesCidr: "10.8.0.0/20",
        proxyOnlyCidr: "10.129.0.0/23",
        releaseChannel: "REGULAR",
        protect: true,
        enableApis: true,
        systemMachineType: "e2-standard-4",
        systemNodeCount: 1,
    });

    const istio = planServing({
        cluster: CLUSTER,
        models: MODELS,
        nodePools: NODE_POOLS,
        networkPolicy: NETWORK_POLICY,
        provider: { name: "istio" },
        istio: { install: true },
    });
    assert.deepEqual(istio.istio, { version: "1.30.5" });
    assert.equal(regionOf("europe-west4"), "europe-west4");
});

test("planServing: one problem per wrong istio key, naming it", () => {
    const problems = (istio: object, provider = "istio") => {
        try {
            planServing({ cluster: CLUSTER, models: MODELS, nodePools: NODE_POOLS, networkPolicy: NETWORK_POLICY, provider: { name: provider }, istio });
        } catch (error) {
            assert.ok(error instanceof ConfigError);
            return error.problems.map((p) => p.path);
        }
        return [];
    };
    assert.deepEqual(problems({ install: true, version: "v1.28.0" }), ["istio.version"]);
    assert.deepEqual(problems({ install: true, version: "1.27.9" }), ["istio.version"]);
    assert.deepEqual(problems({ install: true, version: "2.0.0" }), []);
    assert.deepEqual(problems({ install: true }, "gke"), ["istio.install"]);
    assert.deepEqual(problems({ install: false }, "gke"), []);
});

const ARGS: GkeClusterArgs = {
    ...CLUSTER,
    region: "us-central1",
    networkName: "n",
    subnetName: "s",
    proxyOnlySubnetName: "p",
    nodesCidr: "10.0.0.0/20",
    podsCidr: "10.4.0.0/14",
    servicesCidr: "10.8.0.0/20",
    proxyOnlyCidr: "10.129.0.0/23",
    releaseChannel: "STABLE",
    protect: false,
    enableApis: false,
    systemMachineType: "e2-standard-4",
    systemNodeCount: 1,
};

test("clusterSpec and proxyOnlySubnetSpec: the inputs GKE's gateway and Workload Identity need", () => {
    const spec = clusterSpec(ARGS, { network: "net", subnetwork: "sub" }) as Record<string, unknown>;
    assert.deepEqual(spec["gatewayApiConfig"], { channel: "CHANNEL_STANDARD" });
    assert.deepEqual(spec["workloadIdentityConfig"], { workloadPool: "my-gcp-project.svc.id.goog" });
    assert.deepEqual(spec["releaseChannel"], { channel: "STABLE" });
    assert.deepEqual(spec["ipAllocationPolicy"], { clusterSecondaryRangeName: "pods", servicesSecondaryRangeName: "services" });
    assert.equal(spec["deletionProtection"], false);
    assert.equal(spec["removeDefaultNodePool"], true);
    assert.equal(spec["initialNodeCount"], 1);
    const proxyOnly = proxyOnlySubnetSpec(ARGS, "net");
    assert.deepEqual([proxyOnly["purpose"], proxyOnly["role"], proxyOnly["region"]], ["REGIONAL_MANAGED_PROXY", "ACTIVE", "us-central1"]);
});

test("istiodValues: the inference extension in istiod's environment", () => {
    assert.deepEqual(istiodValues(), { pilot: { env: { ENABLE_GATEWAY_API_INFERENCE_EXTENSION: "true" } } });
});

const key = configKey;

function find(run: ProgramRun, type: string, name: string): RecordedResource {
    const found = run.resources.find((r) => r.type === type && r.name === name);
    assert.ok(found, `no ${type} ${name}`);
    return found;
}

const NETWORK = "gcp:compute/network:Network";
const SUBNETWORK = "gcp:compute/subnetwork:Subnetwork";
const CLUSTER_TYPE = "gcp:container/cluster:Cluster";
const NODE_POOL = "gcp:container/nodePool:NodePool";
const PROVIDER = "pulumi:providers:kubernetes";
const RELEASE = "kubernetes:helm.sh/v3:Release";

test("Pulumi.gke.yaml with cluster.create: network, subnets, cluster, and everything on it", async (t) => {
    const defaultRun = await runProgram("gke", path.join(REPO_ROOT, "Pulumi.gke.yaml"));
    const run = await runProgram(
        "gke",
        stackVariant("gke", "gke-from-zero", (config) => {
            config[key("cluster")].create = {};
            // The created proxy-only subnet is the NetworkPolicies' default source.
            delete config[key("networkPolicy")];
        }),
    );
    const cluster = find(run, CLUSTER_TYPE, "cluster-gke");
    const network = find(run, NETWORK, "cluster-network");

    await t.test("the serving resources are those of the existing-cluster stack, but for the CRDs GKE installs itself", () => {
        // Everything the GkeCluster component makes is named after it, "cluster-...".
        const serving = (r: ProgramRun) =>
            r.resources
                .filter((x) => !x.name.startsWith("cluster") && x.type !== PROVIDER)
                .map((x) => `${x.type} ${x.name}`)
                .sort();
        // A new cluster on the REGULAR channel runs GKE 1.35 or later, which installs the
        // InferencePool CRD itself from 1.34.0-gke.1626000 (components/cluster/clusterPlan.ts).
        const crds = "kubernetes:yaml/v2:ConfigFile inference-gateway-inference-crds";
        assert.ok(serving(defaultRun).includes(crds), "an existing cluster gets the release's CRDs");
        assert.deepEqual(
            serving(run),
            serving(defaultRun).filter((r) => r !== crds),
        );
    });

    await t.test("the APIs, then a custom-mode network", () => {
        const apis = run.resources.filter((r) => r.type === "gcp:projects/service:Service");
        assert.deepEqual(apis.map((r) => r.inputs["service"]).sort(), [
            "certificatemanager.googleapis.com",
            "cloudresourcemanager.googleapis.com",
            "compute.googleapis.com",
            "container.googleapis.com",
            "containerfilesystem.googleapis.com",
            "file.googleapis.com",
            "iam.googleapis.com",
        ]);
        for (const api of apis) assert.equal(api.inputs["disableOnDestroy"], false);
        assert.equal(network.inputs["autoCreateSubnetworks"], false);
        assert.equal(network.inputs["name"], "inference-cluster-network");
        for (const api of apis) assert.ok(network.options.dependsOn.includes(api.urn));
    });

    await t.test("the nodes' subnet with the pod and Service secondary ranges", () => {
        const subnet = find(run, SUBNETWORK, "cluster-nodes-subnet").inputs;
        assert.equal(subnet["region"], "us-central1");
        assert.equal(subnet["network"], "cluster-network-id");
        assert.equal(subnet["ipCidrRange"], "10.0.0.0/20");
        assert.deepEqual(subnet["secondaryIpRanges"], [
            { rangeName: "pods", ipCidrRange: "10.4.0.0/14" },
            { rangeName: "services", ipCidrRange: "10.8.0.0/20" },
        ]);
    });

    await t.test("the proxy-only subnet in the cluster's region", () => {
        const proxyOnly = find(run, SUBNETWORK, "cluster-proxy-only-subnet");
        assert.equal(proxyOnly.inputs["purpose"], "REGIONAL_MANAGED_PROXY");
        assert.equal(proxyOnly.inputs["role"], "ACTIVE");
        assert.equal(proxyOnly.inputs["region"], "us-central1");
        assert.equal(proxyOnly.inputs["ipCidrRange"], "10.129.0.0/23");
        assert.equal(proxyOnly.inputs["network"], "cluster-network-id");
        assert.ok(cluster.options.dependsOn.includes(proxyOnly.urn), "the cluster waits for the proxy-only subnet");
        const firewall = find(run, "gcp:compute/firewall:Firewall", "cluster-gateway-firewall").inputs;
        assert.deepEqual(firewall["sourceRanges"], ["10.129.0.0/23", "35.191.0.0/16", "130.211.0.0/22"]);
    });

    await t.test("a VPC-native cluster with the Gateway API, Workload Identity and a release channel, protected", () => {
        const inputs = cluster.inputs;
        assert.equal(inputs["name"], "inference-cluster");
        assert.equal(inputs["location"], "us-central1");
        assert.equal(inputs["network"], "cluster-network-id");
        assert.equal(inputs["subnetwork"], "cluster-nodes-subnet-id");
        assert.equal(inputs["networkingMode"], "VPC_NATIVE");
        assert.deepEqual(inputs["ipAllocationPolicy"], { clusterSecondaryRangeName: "pods", servicesSecondaryRangeName: "services" });
        assert.deepEqual(inputs["gatewayApiConfig"], { channel: "CHANNEL_STANDARD" });
        assert.deepEqual(inputs["workloadIdentityConfig"], { workloadPool: "my-gcp-project.svc.id.goog" });
        assert.deepEqual(inputs["releaseChannel"], { channel: "REGULAR" });
        assert.equal(inputs["enableShieldedNodes"], true);
        assert.equal(inputs["datapathProvider"], "ADVANCED_DATAPATH");
        assert.equal(inputs["removeDefaultNodePool"], true);
        assert.equal(inputs["initialNodeCount"], 1);
        assert.equal(inputs["deletionProtection"], true);
        assert.equal(cluster.options.protect, true);
        assert.deepEqual(
            run.resources.filter((r) => r.options.protect).map((r) => r.name),
            ["cluster-gke"],
        );
    });

    await t.test("the node pools join the new cluster and wait for it", () => {
        for (const name of ["cluster-system-pool", "inference-gpu-nvidia-l4-pool"]) {
            const pool = find(run, NODE_POOL, name);
            assert.equal(pool.inputs["cluster"], "inference-cluster");
            assert.equal(pool.inputs["location"], "us-central1");
            assert.ok(pool.options.dependsOn.includes(cluster.urn), `${name} does not depend on the cluster`);
        }
        assert.equal(find(run, NODE_POOL, "cluster-system-pool").inputs["nodeCount"], 1);
    });

    await t.test("every Google Cloud resource of the serving stack waits for the new cluster (and so its APIs)", () => {
        const serving = run.resources.filter((r) => r.custom && r.type.startsWith("gcp:") && r.name.startsWith("inference"));
        assert.ok(serving.length >= 5, serving.map((r) => r.name).join());
        for (const r of serving) assert.ok(r.options.dependsOn.includes(cluster.urn), `${r.type} ${r.name} does not wait for the cluster`);
    });

    await t.test("system and GPU nodes run as their own dedicated accounts; NetworkPolicies admit the new proxy-only subnet", () => {
        const accounts = run.resources.filter((r) => r.type === "gcp:serviceaccount/account:Account").map((r) => String(r.inputs["accountId"]));
        assert.deepEqual(accounts.map((id) => id.replace(/-[0-9a-f]{8}$/, "")).sort(), ["gpu-nodes", "system-nodes"]);
        const system = find(run, NODE_POOL, "cluster-system-pool");
        assert.match(String((system.inputs["nodeConfig"] as any).serviceAccount), /^system-nodes-[0-9a-f]{8}@my-gcp-project\.iam\.gserviceaccount\.com$/);
        assert.deepEqual((system.inputs["nodeConfig"] as any).shieldedInstanceConfig, { enableSecureBoot: true, enableIntegrityMonitoring: true });
        const policy = run.resources.find((r) => r.type === "kubernetes:networking.k8s.io/v1:NetworkPolicy")?.inputs as any;
        assert.deepEqual(policy.spec.ingress[0].from.at(-1), { ipBlock: { cidr: "10.129.0.0/23" } });
    });

    await t.test("every Kubernetes resource uses a provider built from the new cluster", () => {
        const providers = run.resources.filter((r) => r.type === PROVIDER);
        assert.deepEqual(
            providers.map((p) => p.name),
            ["cluster"],
        );
        const provider = providers[0];
        assert.ok(provider.options.dependsOn.includes(cluster.urn));
        assert.ok(provider.options.dependsOn.includes(find(run, NODE_POOL, "cluster-system-pool").urn), "waits for the system nodes");
        assert.ok(isSecretValue(provider.inputs["kubeconfig"]));
        const kubeconfig = JSON.parse((provider.inputs["kubeconfig"] as { value: string }).value);
        // The mocked cluster's endpoint and CA (see tools/mockRuntime.ts), not the lookup's.
        assert.equal(kubeconfig.clusters[0].cluster.server, "https://cluster-gke.endpoint.invalid");
        assert.equal(kubeconfig.clusters[0].cluster["certificate-authority-data"], "bW9jay1jcmVhdGVkLWNh");
        assert.equal(kubeconfig.users[0].user.exec.command, "gke-gcloud-auth-plugin");
        assert.equal(kubeconfig["current-context"], "gke_inference-cluster");
        const kubernetesResources = run.resources.filter((r) => r.type.startsWith("kubernetes:"));
        assert.ok(kubernetesResources.length >= 8);
        for (const r of kubernetesResources) {
            assert.match(r.provider ?? "", /::pulumi:providers:kubernetes::cluster::/, `${r.type} ${r.name}`);
        }
    });

    await t.test("every Kubernetes object validates against its published schema", () => {
        for (const object of run.resources.filter(isKubernetesObject)) {
            const inputs = isSecretValue(object.inputs["stringData"]) ? { ...object.inputs, stringData: { token: "x" } } : object.inputs;
            assert.doesNotThrow(() => validateKubernetesObject(inputs), `${object.type} ${object.name}`);
        }
    });
});

test("cluster.create with its settings: ranges, channel, no protection, no API enablement", async () => {
    const run = await runProgram(
        "gke",
        stackVariant("gke", "gke-from-zero-custom", (config) => {
            config[key("cluster")] = {
                ...config[key("cluster")],
                location: "us-central1-a",
                create: {
                    networkName: "serving",
                    nodesCidr: "172.16.0.0/20",
                    podsCidr: "172.20.0.0/14",
                    servicesCidr: "172.24.0.0/20",
                    proxyOnlyCidr: "172.30.0.0/23",
                    releaseChannel: "STABLE",
                    protect: false,
                    enableApis: false,
                    systemNodeCount: 2,
                },
            };
        }),
    );
    assert.equal(run.resources.filter((r) => r.type === "gcp:projects/service:Service").length, 0);
    assert.equal(find(run, NETWORK, "cluster-network").inputs["name"], "serving");
    const subnet = find(run, SUBNETWORK, "cluster-nodes-subnet").inputs;
    assert.equal(subnet["region"], "us-central1");
    assert.deepEqual(
        (subnet["secondaryIpRanges"] as { ipCidrRange: string }[]).map((r) => r.ipCidrRange),
        ["172.20.0.0/14", "172.24.0.0/20"],
    );
    assert.equal(find(run, SUBNETWORK, "cluster-proxy-only-subnet").inputs["ipCidrRange"], "172.30.0.0/23");
    const cluster = find(run, CLUSTER_TYPE, "cluster-gke");
    assert.equal(cluster.inputs["location"], "us-central1-a");
    assert.deepEqual(cluster.inputs["releaseChannel"], { channel: "STABLE" });
    assert.equal(cluster.inputs["deletionProtection"], false);
    assert.equal(cluster.options.protect, false);
    assert.equal(find(run, NODE_POOL, "cluster-system-pool").inputs["nodeCount"], 2);
});

test("Pulumi.istio.yaml with cluster.create and istio.install: Istio's charts first, then the serving stack", async (t) => {
    const run = await runProgram(
        "istio",
        stackVariant("istio", "istio-from-zero", (config) => {
            config[key("cluster")].create = {};
            config[key("istio")] = { install: true, version: "1.28.5" };
        }),
    );
    const base = find(run, RELEASE, "istio-base");
    const istiod = find(run, RELEASE, "istio-istiod");

    await t.test("base and istiod from Istio's repository into istio-system, with the inference extension", () => {
        for (const [release, chart, name] of [
            [base, "base", "istio-base"],
            [istiod, "istiod", "istiod"],
        ] as const) {
            assert.equal(release.inputs["chart"], chart);
            assert.equal(release.inputs["name"], name);
            assert.equal(release.inputs["version"], "1.28.5");
            assert.equal(release.inputs["namespace"], "istio-system");
            assert.equal(release.inputs["createNamespace"], true);
            assert.deepEqual(release.inputs["repositoryOpts"], { repo: ISTIO_CHART_REPOSITORY });
            assert.match(release.provider ?? "", /::pulumi:providers:kubernetes::cluster::/);
        }
        assert.deepEqual(istiod.inputs["values"], { pilot: { env: { ENABLE_GATEWAY_API_INFERENCE_EXTENSION: "true" } } });
        assert.ok(istiod.options.dependsOn.includes(base.urn), "istiod waits for base's CRDs");
    });

    await t.test("the offline render writes the Istio releases' values with their helm template command", () => {
        const istiodFile = renderFiles(run).get("helm/istiod.yaml") ?? "";
        assert.ok(istiodFile.includes(`# helm template istiod istiod --repo ${ISTIO_CHART_REPOSITORY} --version 1.28.5 --namespace istio-system`), istiodFile);
        assert.deepEqual(parseYaml(istiodFile), istiodValues());
    });

    await t.test("every Kubernetes resource of the serving stack waits for istiod", () => {
        // A URN names only the parent's type: Istio's releases are the children of IstioInstallation.
        const serving = run.resources.filter((r) => r.type.startsWith("kubernetes:") && !r.urn.includes("IstioInstallation$"));
        assert.equal(serving.length, run.resources.filter((r) => r.type.startsWith("kubernetes:")).length - 2);
        assert.ok(serving.some((r) => r.type === "kubernetes:gateway.networking.k8s.io/v1:Gateway"));
        assert.ok(serving.some((r) => r.type === "kubernetes:networking.istio.io/v1beta1:DestinationRule"));
        for (const r of serving) assert.ok(r.options.dependsOn.includes(istiod.urn), `${r.type} ${r.name}`);
        // The GPU node pools need no Istio: they are created alongside it.
        assert.ok(!find(run, NODE_POOL, "inference-gpu-nvidia-l4-pool").options.dependsOn.includes(istiod.urn));
    });

    await t.test("every Kubernetes resource uses the new cluster's provider", () => {
        for (const r of run.resources.filter((r) => r.type.startsWith("kubernetes:"))) {
            assert.match(r.provider ?? "", /::pulumi:providers:kubernetes::cluster::/, `${r.type} ${r.name}`);
        }
    });
});

test("istio.install on an existing cluster: the charts go through the looked-up cluster's provider", async () => {
    const run = await runProgram(
        "istio",
        stackVariant("istio", "istio-install", (config) => {
            config[key("istio")] = { install: true };
        }),
    );
    assert.equal(run.resources.filter((r) => r.urn.includes("GkeCluster")).length, 0);
    for (const name of ["istio-base", "istio-istiod"]) {
        const release = find(run, RELEASE, name);
        assert.equal(release.inputs["version"], "1.30.5");
        assert.match(release.provider ?? "", /::pulumi:providers:kubernetes::gke::/);
    }
    assert.equal(find(run, NODE_POOL, "inference-gpu-nvidia-l4-pool").inputs["cluster"], "inference-cluster");
});
