/**
 * Builders whose output a client or a cloud reads, each held to what that reader needs: the
 * kubeconfig as kubectl resolves it (current context → cluster and user, GKE's exec plugin), the
 * created cluster's add-ons and system pool as GKE requires them, the dashboard's grid as Cloud
 * Monitoring lays it out, and the model list's errors in OpenAI's error format. Pure.
 */
import assert from "node:assert/strict";
import test from "node:test";
import { clusterSpec, gkeKubeconfig, systemNodePoolSpec } from "../components/cluster/gkeCluster";
import type { GkeClusterArgs } from "../components/cluster/clusterPlan";
import { openAiError } from "../components/modelList/modelCatalogServer";
import { servingDashboardJson } from "../components/monitoring/servingDashboard";

const ARGS: GkeClusterArgs = {
    project: "p",
    location: "us-central1",
    name: "c",
    region: "us-central1",
    networkName: "n",
    subnetName: "s",
    proxyOnlySubnetName: "x",
    nodesCidr: "10.0.0.0/20",
    podsCidr: "10.4.0.0/14",
    servicesCidr: "10.8.0.0/20",
    proxyOnlyCidr: "10.129.0.0/23",
    releaseChannel: "REGULAR",
    protect: false,
    enableApis: false,
    systemMachineType: "e2-standard-8",
    systemNodeCount: 2,
};

test("the kubeconfig resolves as kubectl resolves it, authenticating through gke-gcloud-auth-plugin", () => {
    const config = JSON.parse(gkeKubeconfig("c", "203.0.113.7", "Q0E="));
    assert.deepEqual([config.apiVersion, config.kind], ["v1", "Config"]);
    const context = config.contexts.find((c: { name: string }) => c.name === config["current-context"]).context;
    const cluster = config.clusters.find((c: { name: string }) => c.name === context.cluster).cluster;
    const user = config.users.find((u: { name: string }) => u.name === context.user).user;
    assert.deepEqual(cluster, { server: "https://203.0.113.7", "certificate-authority-data": "Q0E=" });
    // The plugin speaks client.authentication.k8s.io/v1beta1 and reads the cluster from
    // provideClusterInfo (cloud.google.com/kubernetes-engine/docs/how-to/cluster-access-for-kubectl).
    assert.equal(user.exec.command, "gke-gcloud-auth-plugin");
    assert.equal(user.exec.apiVersion, "client.authentication.k8s.io/v1beta1");
    assert.equal(user.exec.provideClusterInfo, true);
    assert.match(user.exec.installHint, /gcloud components install gke-gcloud-auth-plugin/);
});

test("the created cluster: the CSI drivers the weight-cache options mount, the gateway's load balancing, a system pool GKE keeps current", () => {
    const spec = clusterSpec(ARGS, { network: "net", subnetwork: "sub" }) as Record<string, any>;
    // Bucket caches mount through the Cloud Storage FUSE CSI driver, ReadWriteMany claims through
    // Filestore's; GKE's Gateway controller needs HTTP load balancing.
    assert.deepEqual(spec.addonsConfig, {
        httpLoadBalancing: { disabled: false },
        gcsFuseCsiDriverConfig: { enabled: true },
        gcpFilestoreCsiDriverConfig: { enabled: true },
    });
    const pool = systemNodePoolSpec(ARGS, "cluster", "sa@p.iam.gserviceaccount.com") as Record<string, any>;
    // A release channel's node pools must auto-upgrade (GKE: "Node auto-upgrade ... cannot be
    // disabled for clusters enrolled in a release channel"); auto-repair replaces failed nodes.
    assert.deepEqual(pool.management, { autoRepair: true, autoUpgrade: true });
    assert.deepEqual([pool.name, pool.nodeCount, pool.nodeConfig.machineType, pool.nodeConfig.diskType], ["system", 2, "e2-standard-8", "pd-balanced"]);
});

test("the dashboard's grid: every tile on the 48 columns, no two charts overlap, each group spans exactly its charts, groups stacked", () => {
    const models = ["a/one", "b/two", "c/three"].map((name, i) => ({ name, job: `vllm-${i}`, deployment: `vllm-${i}` }));
    const tiles = JSON.parse(servingDashboardJson({ displayName: "d", clusterName: "c", namespace: "ns", models })).mosaicLayout.tiles as any[];
    for (const t of tiles)
        assert.ok([t.xPos, t.yPos, t.width, t.height].every(Number.isInteger) && t.xPos >= 0 && t.yPos >= 0 && t.xPos + t.width <= 48, JSON.stringify(t));
    const groups = tiles.filter((t) => t.widget.collapsibleGroup);
    const charts = tiles.filter((t) => t.widget.xyChart);
    const overlap = (a: any, b: any) => a.xPos < b.xPos + b.width && b.xPos < a.xPos + a.width && a.yPos < b.yPos + b.height && b.yPos < a.yPos + a.height;
    charts.forEach((a, i) => charts.slice(i + 1).forEach((b) => assert.ok(!overlap(a, b), `${a.widget.title} overlaps ${b.widget.title}`)));
    let bottom = 0;
    for (const group of groups) {
        assert.equal(group.yPos, bottom, "groups follow each other without gaps or overlap");
        const own = charts.filter((c) => c.yPos >= group.yPos && c.yPos < group.yPos + group.height);
        assert.equal(own.length, 7);
        assert.equal(group.yPos + group.height, Math.max(...own.map((c) => c.yPos + c.height)), `${group.widget.title} spans exactly its charts`);
        assert.equal(group.widget.collapsibleGroup.collapsed, false);
        bottom = group.yPos + group.height;
    }
    // Latency legends name the quantile their query computes.
    for (const dataSet of charts.flatMap((c) => c.widget.xyChart.dataSets)) {
        const q = /^histogram_quantile\(([\d.]+),/.exec(dataSet.timeSeriesQuery.prometheusQuery);
        if (q) assert.equal(dataSet.legendTemplate, `p${Math.round(Number(q[1]) * 100)}`);
        assert.deepEqual([dataSet.plotType, dataSet.targetAxis], ["LINE", "Y1"]);
    }
});

test("the model list's errors are OpenAI's error object (platform.openai.com/docs/guides/error-codes)", () => {
    assert.deepEqual(JSON.parse(openAiError("The model 'x' does not exist", "model_not_found")), {
        error: { message: "The model 'x' does not exist", type: "invalid_request_error", param: null, code: "model_not_found" },
    });
});
