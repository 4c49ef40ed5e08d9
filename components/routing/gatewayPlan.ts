/**
 * The gateway side of a config, resolved: the Gateway's class and exposure, and who may reach
 * the model servers. Pure; problems name their config key.
 */
import { gkeCluster } from "../catalogs/clusterPlatforms";
import { parseCidr, rangesOverlap } from "../config/cidr";
import type { ConfigProblem } from "../config/configErrors";
import type { ParsedServingConfig } from "../config/configSchema";
import { regionOf } from "../cluster/clusterPlan";
import type { GatewayProviderProfile } from "../catalogs/gatewayProviders";
import { shortHash } from "../names";

/** The label Gateway API implementations that deploy proxies put on them, with the Gateway's
 * name (Istio among them). */
export const GATEWAY_NAME_LABEL = "gateway.networking.k8s.io/gateway-name";

/** How the Gateway is exposed. */
export interface PlannedGateway {
    /** The Gateway's name. */
    name: string;
    /** The Gateway's class. */
    className: string;
    /** Annotations the provider reads (an internal load balancer, for example). */
    annotations: Record<string, string>;
    /** The hostname the listener accepts, if restricted. */
    hostname?: string;
    /** The TLS Secret of the HTTPS listener. */
    tlsSecretName?: string;
    /** The provider's certificate for the HTTPS listener, when no TLS Secret is named. */
    managedCertificate?: PlannedManagedCertificate;
    /** True when the Gateway serves HTTPS on 443 (and redirects HTTP on 80 to it). */
    https: boolean;
}

/** A Google-managed Certificate Manager certificate for the Gateway's hostname, with the DNS
 * authorization that proves the domain (regional certificates cannot use load balancer
 * authorization: https://cloud.google.com/certificate-manager/docs/certificates). */
export interface PlannedManagedCertificate {
    /** Name of the certificate and of its DNS authorization. It ends in a hash of the hostname:
     * a certificate's domains cannot change in place, so a new hostname gets a new certificate,
     * created before the old one is deleted. */
    name: string;
    /** The hostname the certificate is for. */
    hostname: string;
    /** The domain the DNS authorization proves: the hostname without a leading `*.` (one
     * authorization covers a domain and its wildcard). */
    domain: string;
    /** Project of the certificate: the cluster's. */
    project: string;
    /** Region of the certificate: the cluster's, as the regional gateway classes require. */
    location: string;
    /** The listener's `tls.options` key that names it. */
    listenerOption: string;
}

/** Who may reach the model servers' port besides each model's own Endpoint Picker. */
export interface PlannedNetworkPolicy {
    /** CIDR ranges of the gateway's proxies and health checks outside the cluster. */
    sourceRanges: string[];
    /** Labels of the gateway's proxy pods in the namespace, when the provider runs them. */
    gatewayPodLabels?: Record<string, string>;
    /** Namespaces of the metrics collector's scrapers, admitted to vLLM's `/metrics`. */
    collectorNamespaces: string[];
}

/** A gateway source range that overlaps the nodes' or pods' range of the cluster the stack
 * creates would admit those nodes and pods to the model servers, past the gateway and its keys. */
function clusterRangesAdmitted(ranges: readonly string[], created: { nodesCidr: string; podsCidr: string }): ConfigProblem[] {
    return ranges.flatMap((cidr, i) => {
        const range = parseCidr(cidr);
        const own = (["nodesCidr", "podsCidr"] as const).filter((key) => {
            const other = parseCidr(created[key]);
            return range !== undefined && other !== undefined && rangesOverlap(range, other);
        });
        if (own.length === 0) return [];
        return [
            {
                path: `networkPolicy.gatewaySourceRanges[${i}]`,
                message:
                    `got ${cidr}, which overlaps ${own.map((key) => `cluster.create.${key} (${created[key]})`).join(" and ")}: the cluster's own ` +
                    "nodes and pods would reach the model servers directly; list only the gateway's proxy ranges (cluster.create.proxyOnlyCidr)",
            },
        ];
    });
}

/** The peers the model servers' NetworkPolicies admit besides each model's EPP. */
export function planNetworkPolicy(
    config: ParsedServingConfig,
    provider: GatewayProviderProfile,
    collectorNamespaces: string[],
): { policy?: PlannedNetworkPolicy; problems: ConfigProblem[] } {
    const settings = config.networkPolicy;
    if (!settings.enabled) return { problems: [] };
    const created = config.cluster.create;
    const configured = settings.gatewaySourceRanges ?? (created === undefined ? [] : [created.proxyOnlyCidr]);
    const inside = created === undefined ? [] : clusterRangesAdmitted(settings.gatewaySourceRanges ?? [], created);
    if (inside.length > 0) return { problems: inside };
    if (provider.proxySource === "gateway-pods") {
        return {
            problems: [],
            policy: {
                sourceRanges: [...provider.fixedSourceRanges, ...configured],
                gatewayPodLabels: { [GATEWAY_NAME_LABEL]: config.gatewayName },
                collectorNamespaces,
            },
        };
    }
    if (configured.length === 0) {
        return {
            problems: [
                {
                    path: "networkPolicy.gatewaySourceRanges",
                    message:
                        `is required for provider ${JSON.stringify(provider.name)}, whose proxies run outside the cluster: list the CIDR ` +
                        (provider.name === "gke"
                            ? `of the proxy-only subnet of ${config.cluster.location} (gcloud compute networks subnets list --filter=purpose=REGIONAL_MANAGED_PROXY)`
                            : "ranges the gateway's proxies connect from") +
                        ", or set networkPolicy.enabled: false",
                },
            ],
        };
    }
    return { problems: [], policy: { sourceRanges: [...provider.fixedSourceRanges, ...configured], collectorNamespaces } };
}

/** The Gateway: the provider's class for its exposure (or config's), and its listener settings. */
export function planGateway(config: ParsedServingConfig, provider: GatewayProviderProfile): { gateway?: PlannedGateway; problems: ConfigProblem[] } {
    const exposure = config.gateway.internal ? provider.internalGateway : provider;
    const className = config.provider.gatewayClassName ?? exposure.defaultGatewayClassName;
    if (className === undefined) {
        return {
            problems: [
                {
                    path: "provider.gatewayClassName",
                    message:
                        `is required for provider ${JSON.stringify(provider.name)}${config.gateway.internal ? " with gateway.internal" : ""}: ` +
                        "name the GatewayClass of your gateway implementation",
                },
            ],
        };
    }
    const service = `${config.gatewayName}-${className}`;
    if (provider.proxyServiceNamedByClass === true && (service.length > 63 || !/^[a-z]/.test(service))) {
        return {
            problems: [
                {
                    path: "gatewayName",
                    message:
                        `got ${JSON.stringify(config.gatewayName)}; provider ${JSON.stringify(provider.name)} names the Service of its proxies ` +
                        `${JSON.stringify(service)} (<gatewayName>-<gatewayClassName>), which must start with a letter and have at most 63 characters`,
                },
            ],
        };
    }
    const { hostname, tlsSecretName } = config.gateway;
    const managedCertificate =
        hostname === undefined || tlsSecretName !== undefined || provider.managedCertificate === undefined
            ? undefined
            : {
                  name: `cert-${config.gatewayName.slice(0, 50)}-${shortHash(hostname)}`,
                  hostname,
                  domain: hostname.replace(/^\*\./, ""),
                  project: gkeCluster(config.cluster).project,
                  location: regionOf(gkeCluster(config.cluster).location),
                  listenerOption: provider.managedCertificate.listenerOption,
              };
    return {
        problems: [],
        gateway: {
            name: config.gatewayName,
            className,
            annotations: config.gateway.internal ? provider.internalGateway.annotations : {},
            hostname,
            tlsSecretName,
            managedCertificate,
            https: tlsSecretName !== undefined || managedCertificate !== undefined,
        },
    };
}
