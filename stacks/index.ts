/**
 * The stack program: reads the config, connects to the existing GKE cluster and serves the
 * models. `pulumi up` runs this file; so do the offline render and the tests, under mocks.
 */
import * as gcp from "@pulumi/gcp";
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { MultiModelInference, curlCommands, gkeKubeconfig } from "../components";
import { readStackConfig } from "./config";

const { serving, hfToken } = readStackConfig();

const cluster = gcp.container.getClusterOutput({
    project: serving.cluster.project,
    location: serving.cluster.location,
    name: serving.cluster.name,
});
const kubernetes = new k8s.Provider("gke", {
    kubeconfig: pulumi.secret(
        pulumi
            .all([cluster.endpoint, cluster.masterAuths])
            .apply(([endpoint, auths]) => gkeKubeconfig(serving.cluster.name, endpoint, auths[0].clusterCaCertificate)),
    ),
    enableServerSideApply: true,
});

const inference = new MultiModelInference("inference", { ...serving, hfToken }, { providers: { kubernetes } });

/** The Gateway's address. */
export const gatewayAddress = inference.gatewayAddress;
/** Per model: its pool, route, node pool, and requests to try. */
export const models = pulumi
    .all([inference.gatewayAddress, inference.models])
    .apply(([address, served]) =>
        served.map((model) => ({ ...model, try: curlCommands(address ?? "<gateway-address>", model.name) })),
    );
/** The GPU node pools, with their estimated cost at their smallest and largest size. */
export const nodePools = inference.nodePools;
/** Estimated GPU cost in USD of all pools at their smallest and largest size (list prices, GPUs
 * only; see components/gpuCatalog.ts for the source and date). */
export const estimatedGpuCost = inference.estimatedGpuCost;
