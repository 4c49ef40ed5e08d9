import * as compute from "@pulumi/gcp/compute";
import * as container from "@pulumi/gcp/container";
import * as projects from "@pulumi/gcp/projects";
import * as pulumi from "@pulumi/pulumi";
import { childOptions } from "../childOptions";
import { GOOGLE_HEALTH_CHECK_RANGES } from "../catalogs/gatewayProviders";
import { hardenedNodeConfig } from "./gpuNodePool";
import { nodeServiceAccountId } from "../names";
import { NodeServiceAccount } from "./nodeServiceAccount";
import type { GkeClusterArgs } from "./clusterPlan";

/** The APIs a new project needs before the network, the cluster and the nodes' service
 * accounts and role bindings can be created. */
export const REQUIRED_APIS = {
    compute: "compute.googleapis.com",
    container: "container.googleapis.com",
    iam: "iam.googleapis.com",
    // Image streaming, on by default on the GPU pools.
    containerfilesystem: "containerfilesystem.googleapis.com",
    // Filestore instances for ReadWriteMany weight caches.
    file: "file.googleapis.com",
    resourcemanager: "cloudresourcemanager.googleapis.com",
    // Google-managed certificates for gateway.hostname.
    certificatemanager: "certificatemanager.googleapis.com",
} as const;

/** Names of the nodes' subnet's secondary ranges, which the cluster's IP allocation refers to. */
export const SECONDARY_RANGES = { pods: "pods", services: "services" } as const;

/** A custom-mode VPC network: subnets only where we create them. */
export function networkSpec(args: GkeClusterArgs): compute.NetworkArgs {
    return { project: args.project, name: args.networkName, autoCreateSubnetworks: false, routingMode: "REGIONAL" };
}

/** The nodes' subnet, with the secondary ranges that make the cluster VPC-native. */
export function nodesSubnetSpec(args: GkeClusterArgs, network: pulumi.Input<string>): compute.SubnetworkArgs {
    return {
        project: args.project,
        region: args.region,
        name: args.subnetName,
        network,
        ipCidrRange: args.nodesCidr,
        privateIpGoogleAccess: true,
        secondaryIpRanges: [
            { rangeName: SECONDARY_RANGES.pods, ipCidrRange: args.podsCidr },
            { rangeName: SECONDARY_RANGES.services, ipCidrRange: args.servicesCidr },
        ],
    };
}

/** The proxy-only subnet of the cluster's region, from which the regional Envoy-based load
 * balancers (`gke-l7-regional-external-managed`, `gke-l7-rilb`) reach the pods. */
export function proxyOnlySubnetSpec(args: GkeClusterArgs, network: pulumi.Input<string>): compute.SubnetworkArgs {
    return {
        project: args.project,
        region: args.region,
        name: args.proxyOnlySubnetName,
        network,
        ipCidrRange: args.proxyOnlyCidr,
        purpose: "REGIONAL_MANAGED_PROXY",
        role: "ACTIVE",
    };
}

/** Lets the load balancer's proxies and health checks reach pods: a custom-mode network denies
 * all ingress by default. */
export function gatewayFirewallSpec(args: GkeClusterArgs, network: pulumi.Input<string>): compute.FirewallArgs {
    return {
        project: args.project,
        name: `${args.networkName}-allow-gateway-proxies`,
        network,
        direction: "INGRESS",
        sourceRanges: [args.proxyOnlyCidr, ...GOOGLE_HEALTH_CHECK_RANGES],
        destinationRanges: [args.podsCidr],
        allows: [{ protocol: "tcp" }],
    };
}

/**
 * The GKE Standard cluster: VPC-native on the subnet's secondary ranges, Gateway API (standard
 * channel), Workload Identity, a release channel, Dataplane V2 (which enforces
 * NetworkPolicies), shielded nodes. Its default node pool is removed once created: node pools
 * are separate resources, so changing one never touches the cluster.
 */
export function clusterSpec(args: GkeClusterArgs, refs: { network: pulumi.Input<string>; subnetwork: pulumi.Input<string> }): container.ClusterArgs {
    return {
        project: args.project,
        location: args.location,
        name: args.name,
        network: refs.network,
        subnetwork: refs.subnetwork,
        networkingMode: "VPC_NATIVE",
        ipAllocationPolicy: {
            clusterSecondaryRangeName: SECONDARY_RANGES.pods,
            servicesSecondaryRangeName: SECONDARY_RANGES.services,
        },
        releaseChannel: { channel: args.releaseChannel },
        gatewayApiConfig: { channel: "CHANNEL_STANDARD" },
        workloadIdentityConfig: { workloadPool: `${args.project}.svc.id.goog` },
        // The weight-cache options need the Cloud Storage FUSE (bucket) and Filestore
        // (ReadWriteMany) CSI drivers; both cost nothing until used.
        addonsConfig: {
            httpLoadBalancing: { disabled: false },
            gcsFuseCsiDriverConfig: { enabled: true },
            gcpFilestoreCsiDriverConfig: { enabled: true },
        },
        datapathProvider: "ADVANCED_DATAPATH",
        enableShieldedNodes: true,
        removeDefaultNodePool: true,
        initialNodeCount: 1,
        deletionProtection: args.protect,
    };
}

/** The node pool for everything but the model servers: GPU nodes are tainted, so BBR, the
 * EPPs, istiod and the cluster's add-ons need untainted nodes. */
export function systemNodePoolSpec(args: GkeClusterArgs, cluster: pulumi.Input<string>, serviceAccountEmail: pulumi.Input<string>): container.NodePoolArgs {
    return {
        project: args.project,
        location: args.location,
        cluster,
        name: "system",
        nodeCount: args.systemNodeCount,
        management: { autoRepair: true, autoUpgrade: true },
        nodeConfig: {
            machineType: args.systemMachineType,
            diskSizeGb: 100,
            diskType: "pd-balanced",
            ...hardenedNodeConfig(serviceAccountEmail),
        },
    };
}

export function gkeKubeconfig(clusterName: string, endpoint: string, caCertificate: string): string {
    const context = `gke_${clusterName}`;
    return JSON.stringify({
        apiVersion: "v1",
        kind: "Config",
        clusters: [{ name: context, cluster: { server: `https://${endpoint}`, "certificate-authority-data": caCertificate } }],
        contexts: [{ name: context, context: { cluster: context, user: context } }],
        "current-context": context,
        users: [
            {
                name: context,
                user: {
                    exec: {
                        apiVersion: "client.authentication.k8s.io/v1beta1",
                        command: "gke-gcloud-auth-plugin",
                        installHint: "Install gke-gcloud-auth-plugin: gcloud components install gke-gcloud-auth-plugin",
                        provideClusterInfo: true,
                    },
                },
            },
        ],
    });
}

/**
 * A GKE cluster made from zero in an empty project: the APIs, a custom-mode VPC network, the
 * nodes' subnet with secondary ranges, the proxy-only subnet of the region, a firewall rule for
 * the gateway's proxies, the cluster and its system node pool. GPU node pools are made by
 * `GpuNodePool` against {@link GkeCluster.clusterName}.
 */
export class GkeCluster extends pulumi.ComponentResource {
    /** The GKE cluster. */
    public readonly cluster: container.Cluster;
    /** The node pool for the non-GPU workloads. */
    public readonly systemNodePool: container.NodePool;
    /** The cluster's name, known once the cluster exists: node pools take it to join and wait. */
    public readonly clusterName: pulumi.Output<string>;
    /** The cluster's location, from the cluster. */
    public readonly clusterLocation: pulumi.Output<string>;
    /** The cluster's project, from the cluster. */
    public readonly clusterProject: pulumi.Output<string>;
    /** A kubeconfig that authenticates with `gke-gcloud-auth-plugin` (no credential in state),
     * ready once the system node pool is, so that nothing is applied to a cluster that cannot
     * run it. */
    public readonly kubeconfig: pulumi.Output<string>;

    constructor(name: string, args: GkeClusterArgs, opts?: pulumi.ComponentResourceOptions) {
        super("multi-model-inference:index:GkeCluster", name, {}, opts);
        const child = childOptions(this, opts);
        const apis = args.enableApis
            ? Object.entries(REQUIRED_APIS).map(
                  ([role, service]) =>
                      // Left enabled on destroy: other resources in the project may use them.
                      new projects.Service(`${name}-${role}-api`, { project: args.project, service, disableOnDestroy: false }, child),
              )
            : [];
        const network = new compute.Network(`${name}-network`, networkSpec(args), { ...child, dependsOn: apis });
        const subnet = new compute.Subnetwork(`${name}-nodes-subnet`, nodesSubnetSpec(args, network.id), child);
        const proxyOnlySubnet = new compute.Subnetwork(`${name}-proxy-only-subnet`, proxyOnlySubnetSpec(args, network.id), child);
        new compute.Firewall(`${name}-gateway-firewall`, gatewayFirewallSpec(args, network.id), child);
        this.cluster = new container.Cluster(
            `${name}-gke`,
            clusterSpec(args, { network: network.id, subnetwork: subnet.id }),
            // The gateway's load balancer needs the proxy-only subnet before the first Gateway.
            { ...child, dependsOn: [...apis, proxyOnlySubnet], protect: args.protect },
        );
        const systemNodes = new NodeServiceAccount(
            `${name}-system-nodes`,
            {
                project: args.project,
                accountId: nodeServiceAccountId("system", args, ""),
                displayName: "System nodes",
                description: `System nodes of cluster ${args.name}`,
            },
            { ...child, dependsOn: apis },
        );
        this.systemNodePool = new container.NodePool(`${name}-system-pool`, systemNodePoolSpec(args, this.cluster.name, systemNodes.email), {
            ...child,
            dependsOn: [systemNodes],
        });
        this.clusterName = this.cluster.name;
        this.clusterLocation = this.cluster.location;
        this.clusterProject = this.cluster.project;
        this.kubeconfig = pulumi.secret(
            pulumi
                .all([this.cluster.name, this.cluster.endpoint, this.cluster.masterAuth, this.systemNodePool.id])
                .apply(([clusterName, endpoint, auth]) => gkeKubeconfig(clusterName, endpoint, auth.clusterCaCertificate)),
        );
        this.registerOutputs({ clusterName: this.clusterName, kubeconfig: this.kubeconfig });
    }
}
