/**
 * The stack program: reads the config, connects to the existing GKE cluster (or creates one when
 * `cluster.create` is set) and serves the models. `pulumi up` runs this file; so do the offline
 * render and the tests, under mocks.
 */
import * as container from "@pulumi/gcp/container";
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import {
    GkeCluster,
    GkeClusterRef,
    IstioInstallation,
    MultiModelInference,
    curlCommands,
    curlListModels,
    gatewayUrl as gatewayUrlOf,
    gkeKubeconfig,
    waitingFor,
} from "../components";
import { readStackConfig } from "./config";

const { serving, plan, hfToken, apiKeys } = readStackConfig();
const { createCluster, istio: istioArgs } = plan;

const PROVIDER_SETTINGS = {
    enableServerSideApply: true,
    // Adapter ConfigMaps are updated in place, so adding an adapter restarts no pod.
    enableConfigMapMutable: true,
};

const created = createCluster === undefined ? undefined : new GkeCluster("cluster", createCluster);
const kubernetes = created
    ? new k8s.Provider("cluster", { kubeconfig: created.kubeconfig, ...PROVIDER_SETTINGS })
    : plan.cluster.platform === "kubernetes"
      ? new k8s.Provider("kubeconfig", { kubeconfig: plan.cluster.kubeconfig, context: plan.cluster.context, ...PROVIDER_SETTINGS })
      : existingGkeProvider(plan.cluster);

function existingGkeProvider(gke: GkeClusterRef): k8s.Provider {
    const cluster = container.getClusterOutput({ project: gke.project, location: gke.location, name: gke.name });
    return new k8s.Provider("gke", {
        kubeconfig: pulumi.secret(
            pulumi.all([cluster.endpoint, cluster.masterAuths]).apply(([endpoint, auths]) => gkeKubeconfig(gke.name, endpoint, auths[0].clusterCaCertificate)),
        ),
        ...PROVIDER_SETTINGS,
    });
}

const istio = istioArgs === undefined ? undefined : new IstioInstallation("istio", istioArgs, { providers: { kubernetes } });

const inference = new MultiModelInference(
    "inference",
    {
        ...serving,
        hfToken,
        apiKeys,
        createdCluster: created && { project: created.clusterProject, location: created.clusterLocation, name: created.clusterName },
    },
    {
        providers: { kubernetes },
        // A new project's APIs and the cluster come first (the GPU nodes' account needs the IAM API).
        dependsOn: created,
        transformations: istio ? [waitingFor(istio.istiod)] : undefined,
    },
);

/** The Gateway's address. */
export const gatewayAddress = inference.gatewayAddress;
const endpoint = inference.gatewayAddress.apply((address) => ({
    address: address ?? "<gateway-address>",
    hostname: plan.gateway.hostname,
    tls: plan.gateway.https,
    apiKey: plan.apiKeysRequired,
}));
/** Where clients send requests: the hostname when one is configured, else the address. */
export const gatewayUrl = endpoint.apply(gatewayUrlOf);
/** Per model: its pool, route, node pool, and requests to try. */
export const models = pulumi
    .all([endpoint, inference.models])
    .apply(([reached, served]) => served.map((model) => ({ ...model, try: curlCommands(reached, model.name) })));
/** The gateway provider (`provider.name`) and what it is. */
export const provider = { name: plan.provider.name, description: plan.provider.description };
/** The release line served: the charts' versions and the vLLM image they pin. */
export const releaseLine = { inferencePool: plan.inferencePoolChart.version, bodyBasedRouting: plan.bodyBasedRoutingChart.version, vllmImage: plan.vllmImage };
/** OpenAI's model list at the gateway: every model and adapter name it routes. */
export const listModels = endpoint.apply(curlListModels);
/** Whether every request needs `Authorization: Bearer <api-key>` (the stack's `apiKeys`). */
export const apiKeysRequired = inference.apiKeysRequired;
/** With `gateway.hostname` on GKE and no `tlsSecretName`: the CNAME record to create in the
 * hostname's DNS zone, after which Certificate Manager issues the certificate. */
export const certificateDnsRecord = inference.certificateDnsRecord;
/** The Cloud Monitoring dashboard with per-model request rate, latency, queue, KV cache, GPU
 * utilisation and pods. */
export const dashboardUrl = inference.dashboardUrl;
/** The GPU node pools, with their estimated cost at their smallest and largest size. */
export const nodePools = inference.nodePools;
/** Estimated GPU cost in USD of all pools at their smallest and largest size (list prices, GPUs
 * only; see components/catalogs/gpuCatalog.ts for the source and date). */
export const estimatedGpuCost = inference.estimatedGpuCost;
/** What the Endpoint Pickers request on the non-GPU nodes and cost (from v1.5.0; list prices). */
export const estimatedEndpointPickerCost = inference.estimatedEndpointPickerCost;
/** The system pool this stack creates (`cluster.create`), sized for what it must hold. */
export const systemPool = createCluster && { machineType: createCluster.systemMachineType, nodesPerZone: createCluster.systemNodeCount };
