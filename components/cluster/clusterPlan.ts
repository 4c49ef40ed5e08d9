/**
 * The cluster-from-zero and Istio parts of a config, resolved into the args of `GkeCluster` and
 * `IstioInstallation`, with the checks that span several keys: IP ranges that overlap, and an
 * Istio installation for a stack that does not use Istio.
 */
import { parseCidr, rangesOverlap } from "../config/cidr";
import type { ConfigProblem } from "../config/configErrors";
import type { ParsedServingConfig } from "../config/configSchema";
import type { ReleaseChannel } from "../config/servingConfig";
import type { PlannedSystemPool } from "./systemPoolPlan";
import { GkeClusterRef, gkeCluster } from "../catalogs/clusterPlatforms";
import { versionAtLeast } from "../catalogs/versions";

/** Arguments of {@link GkeCluster}: `cluster` and `cluster.create` of the config, resolved (see
 * `planFromZero`). */
export interface GkeClusterArgs {
    /** Google Cloud project ID. */
    project: string;
    /** The cluster's region or zone. */
    location: string;
    /** The region of `location`, where the subnets are. */
    region: string;
    /** The cluster's name. */
    name: string;
    /** VPC network name. */
    networkName: string;
    /** The nodes' subnet name. */
    subnetName: string;
    /** The proxy-only subnet's name. */
    proxyOnlySubnetName: string;
    /** The nodes' primary range. */
    nodesCidr: string;
    /** The pods' secondary range. */
    podsCidr: string;
    /** The Services' secondary range. */
    servicesCidr: string;
    /** The proxy-only subnet's range. */
    proxyOnlyCidr: string;
    /** GKE release channel. */
    releaseChannel: ReleaseChannel;
    /** Pulumi `protect` and GKE deletion protection on the cluster. */
    protect: boolean;
    /** Enable the Compute Engine and Kubernetes Engine APIs first. */
    enableApis: boolean;
    /** Machine type of the system node pool. */
    systemMachineType: string;
    /** System nodes in each of the cluster's zones. */
    systemNodeCount: number;
}

/** Arguments of {@link IstioInstallation}. */
export interface IstioInstallationArgs {
    /** Istio chart version, 1.28.5 or later (no `v`). */
    version: string;
}

/** The first GKE version that installs the GA InferencePool CRD itself: "GKE automatically
 * installs all GA CRDs for Gateway API and Gateway API Inference Extension on GKE versions
 * 1.34.0-gke.1626000 or later" (https://llm-d.ai/docs/dev/resources/gateway/install-crds, pointing
 * to https://cloud.google.com/kubernetes-engine/docs/how-to/deploy-gke-inference-gateway).
 * Applying a release's `manifests.yaml` over it would replace GKE's copy. */
export const GKE_INSTALLS_INFERENCE_CRDS_FROM = "1.34.0-gke.1626000";

/** The version GKE gives a new cluster on each release channel (the channel's default for
 * cluster creation; `GkeCluster` pins none), from the "Current versions" table of the GKE release
 * notes (https://docs.cloud.google.com/kubernetes-engine/docs/release-notes, an undated copy read
 * on 2026-12-01, current as Rapid offers 1.37) and, for EXTENDED, the channel feed's entry of
 * 2026-07-24 (https://docs.cloud.google.com/feeds/gke-extended-channel-release-notes.xml: "Version
 * 1.35.6-gke.1127000 is now the default version for cluster creation in the Extended channel"; the
 * table shows a later 1.35.7-gke.1222000). Defaults only move forward. */
export const CHANNEL_DEFAULT_VERSIONS: Readonly<Record<ReleaseChannel, string>> = {
    RAPID: "1.36.4-gke.1082000",
    REGULAR: "1.35.7-gke.1222000",
    STABLE: "1.35.6-gke.1250000",
    EXTENDED: "1.35.6-gke.1127000",
};

/** Compares GKE versions such as `1.35.7-gke.1222000`: major, minor, patch, then the GKE build. */
export function gkeVersionAtLeast(version: string, minimum: string): boolean {
    const parts = (v: string) => (/^(\d+)\.(\d+)\.(\d+)-gke\.(\d+)$/.exec(v) ?? []).slice(1).map(Number);
    const [a, b] = [parts(version), parts(minimum)];
    if (a.length !== 4 || b.length !== 4) throw new Error(`not a GKE version: ${a.length === 4 ? minimum : version}`);
    return versionAtLeast(a, b);
}

/** Whether to apply the release's InferencePool CRDs when config does not say: not on a cluster
 * this stack creates, whose channel's version installs them itself; yes on an existing cluster,
 * whose version the program does not know. */
export function defaultInstallInferenceCrds(create: ParsedServingConfig["cluster"]["create"]): boolean {
    return create === undefined || !gkeVersionAtLeast(CHANNEL_DEFAULT_VERSIONS[create.releaseChannel], GKE_INSTALLS_INFERENCE_CRDS_FROM);
}

/** The region of a location: `us-central1` for `us-central1-a` and for `us-central1`. */
export function regionOf(location: string): string {
    return location.replace(/-[a-z]$/, "");
}

const RANGE_KEYS = ["nodesCidr", "podsCidr", "servicesCidr", "proxyOnlyCidr"] as const;

/** Every pair of the cluster's ranges that overlap, as problems on the later key of the pair. */
export function overlappingRanges(ranges: Record<(typeof RANGE_KEYS)[number], string>): ConfigProblem[] {
    const problems: ConfigProblem[] = [];
    RANGE_KEYS.forEach((key, i) => {
        const range = parseCidr(ranges[key]);
        for (const earlier of RANGE_KEYS.slice(0, i)) {
            const other = parseCidr(ranges[earlier]);
            if (range !== undefined && other !== undefined && rangesOverlap(range, other)) {
                problems.push({
                    path: `cluster.create.${key}`,
                    message: `${ranges[key]} overlaps cluster.create.${earlier} (${ranges[earlier]}); the ranges of one network must not overlap`,
                });
            }
        }
    });
    return problems;
}

/** What a config asks to create besides the serving stack. */
export interface FromZeroPlan {
    /** The cluster to create, when `cluster.create` is set. */
    cluster?: GkeClusterArgs;
    /** The Istio installation, when `istio.install` is set. */
    istio?: IstioInstallationArgs;
    /** What is wrong. */
    problems: ConfigProblem[];
}

/** Resolves `cluster.create` and `istio` of a parsed config, with the system pool sized for what
 * it must hold (`planSystemPool`). Pure. */
export function planFromZero(config: ParsedServingConfig, systemPool: PlannedSystemPool | undefined): FromZeroPlan {
    const problems: ConfigProblem[] = [];
    const create = config.cluster.create;
    if (config.istio.install && config.provider.name !== "istio") {
        problems.push({
            path: "istio.install",
            message: `installs Istio for provider.name istio only; provider.name is ${JSON.stringify(config.provider.name)}: set it to istio or remove istio.install`,
        });
    }
    if (create !== undefined) problems.push(...overlappingRanges(create));
    return {
        cluster: create === undefined || systemPool === undefined ? undefined : gkeClusterArgs(gkeCluster(config.cluster), create, systemPool),
        istio: config.istio.install ? { version: config.istio.version } : undefined,
        problems,
    };
}

/** `cluster.create` resolved into the args of `GkeCluster`. */
function gkeClusterArgs(cluster: GkeClusterRef, create: NonNullable<ParsedServingConfig["cluster"]["create"]>, systemPool: PlannedSystemPool): GkeClusterArgs {
    return {
        ...cluster,
        region: regionOf(cluster.location),
        networkName: create.networkName ?? `${cluster.name}-network`,
        subnetName: create.subnetName ?? `${cluster.name}-nodes`,
        proxyOnlySubnetName: `${cluster.name}-proxy-only`,
        nodesCidr: create.nodesCidr,
        podsCidr: create.podsCidr,
        servicesCidr: create.servicesCidr,
        proxyOnlyCidr: create.proxyOnlyCidr,
        releaseChannel: create.releaseChannel,
        protect: create.protect,
        enableApis: create.enableApis,
        systemMachineType: systemPool.machineType,
        systemNodeCount: systemPool.nodeCountPerZone,
    };
}
