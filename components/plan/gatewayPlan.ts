/**
 * The gateway side of a config, resolved: the Gateway's class and exposure, and who may reach
 * the model servers. Pure; problems name their config key.
 */
import type { ConfigProblem } from "../config/configErrors";
import type { ParsedServingConfig } from "../config/configSchema";
import type { GatewayProviderProfile } from "./gatewayProviders";

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
    /** The TLS Secret of an HTTPS listener; an HTTP listener when undefined. */
    tlsSecretName?: string;
}

/** Who may reach the model servers' port besides each model's own Endpoint Picker. */
export interface PlannedNetworkPolicy {
    /** CIDR ranges of the gateway's proxies and health checks outside the cluster. */
    sourceRanges: string[];
    /** Labels of the gateway's proxy pods in the namespace, when the provider runs them. */
    gatewayPodLabels?: Record<string, string>;
}

/** The peers the model servers' NetworkPolicies admit besides each model's EPP. */
export function planNetworkPolicy(
    config: ParsedServingConfig,
    provider: GatewayProviderProfile,
): { policy?: PlannedNetworkPolicy; problems: ConfigProblem[] } {
    const settings = config.networkPolicy;
    if (!settings.enabled) return { problems: [] };
    const created = config.cluster.create;
    const configured = settings.gatewaySourceRanges ?? (created === undefined ? [] : [created.proxyOnlyCidr]);
    if (provider.proxySource === "gateway-pods") {
        return {
            problems: [],
            policy: {
                sourceRanges: [...provider.fixedSourceRanges, ...configured],
                gatewayPodLabels: { [GATEWAY_NAME_LABEL]: config.gatewayName },
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
    return { problems: [], policy: { sourceRanges: [...provider.fixedSourceRanges, ...configured] } };
}

/** The Gateway: the provider's class for its exposure (or config's), and its listener settings. */
export function planGateway(
    config: ParsedServingConfig,
    provider: GatewayProviderProfile,
): { gateway?: PlannedGateway; problems: ConfigProblem[] } {
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
    return {
        problems: [],
        gateway: {
            name: config.gatewayName,
            className,
            annotations: config.gateway.internal ? provider.internalGateway.annotations : {},
            hostname: config.gateway.hostname,
            tlsSecretName: config.gateway.tlsSecretName,
        },
    };
}
