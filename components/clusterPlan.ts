/**
 * The cluster-from-zero and Istio parts of a config, resolved into the args of `GkeCluster` and
 * `IstioInstallation`, with the checks that span several keys: IP ranges that overlap, and an
 * Istio installation for a stack that does not use Istio.
 */
import { parseCidr, rangesOverlap } from "./cidr";
import type { ConfigProblem } from "./configErrors";
import type { GkeClusterArgs } from "./gkeCluster";
import type { IstioInstallationArgs } from "./istioInstallation";
import type { ParsedServingConfig } from "./servingConfig";

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

/** Resolves `cluster.create` and `istio` of a parsed config. Pure. */
export function planFromZero(config: ParsedServingConfig): FromZeroPlan {
    const problems: ConfigProblem[] = [];
    const { create, ...cluster } = config.cluster;
    if (config.istio.install && config.provider.name !== "istio") {
        problems.push({
            path: "istio.install",
            message: `installs Istio for provider.name istio only; provider.name is ${JSON.stringify(config.provider.name)}: set it to istio or remove istio.install`,
        });
    }
    if (create !== undefined) problems.push(...overlappingRanges(create));
    return {
        cluster:
            create === undefined
                ? undefined
                : {
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
                      systemMachineType: create.systemMachineType,
                      systemNodeCount: create.systemNodeCount,
                  },
        istio: config.istio.install ? { version: config.istio.version } : undefined,
        problems,
    };
}
