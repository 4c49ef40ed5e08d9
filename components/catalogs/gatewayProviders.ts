/**
 * Everything that differs between gateway providers, in one place, the way the upstream charts
 * keep it in `templates/gke.yaml` and `templates/istio.yaml`. Components read a profile; none of
 * them asks which provider it runs on.
 */
import googleCloud from "../../facts/google-cloud.json";

/** How the gateway's proxies reach each Endpoint Picker, which serves gRPC over TLS with a
 * self-signed certificate on port 9002. A const object so the cross-language schema gets an enum. */
export const EndpointPickerTls = {
    /** The inferencepool chart renders what the provider needs (GKE's policies). */
    Chart: "chart",
    /** An Istio DestinationRule per pool that originates TLS to the EPP without verifying its
     * self-signed certificate: the chart's where its line renders one (from v1.0.1), else ours. */
    IstioDestinationRule: "istio-destination-rule",
    /** Nothing is created; the platform team configures the provider itself. */
    None: "none",
} as const;

/** How the gateway reaches each Endpoint Picker over TLS (see the const of the same name). */
export type EndpointPickerTls = (typeof EndpointPickerTls)[keyof typeof EndpointPickerTls];

/** The gateway providers we know, by config name. */
export const GatewayProviderName = {
    /** GKE Gateway controller. */
    Gke: "gke",
    /** Istio 1.28.5 or later. */
    Istio: "istio",
    /** Any other Gateway API implementation that supports InferencePool backends. */
    Other: "other",
} as const;

/** A provider name we know. */
export type GatewayProviderName = (typeof GatewayProviderName)[keyof typeof GatewayProviderName];

/** Where the gateway's proxies connect to model servers from, for the NetworkPolicies. */
export type GatewayProxySource =
    /** Outside the cluster (a managed load balancer): CIDR ranges, from config plus the
     * provider's fixed ones. */
    | "source-ranges"
    /** Pods the provider deploys for the Gateway, labelled with the Gateway's name. */
    | "gateway-pods";

/** Where Google's load balancer health checks come from (facts/google-cloud.json). */
export const GOOGLE_HEALTH_CHECK_RANGES: readonly string[] = googleCloud.healthCheckRanges.ranges;

/** How long one request may take: long generations take minutes, and a gateway's default would
 * cut them off (Envoy's route timeout: "If not specified, the default is 15s", route.v3
 * RouteAction.timeout; GKE's backend service: 30 s, GoogleCloudPlatform/gke-gateway-api
 * apis/networking/v1/gcpbackendpolicy_types.go). The same 300 s as the inferencepool
 * chart's `GCPBackendPolicy` for GKE (`timeoutSec: 300`, templates/gke.yaml at v1.0.0) and the
 * upstream routes for Istio, kgateway and agentgateway (`timeouts.request: 300s`,
 * config/manifests/gateway/<provider>/httproute.yaml at v1.0.0). */
export const REQUEST_TIMEOUT = "300s";

/** One gateway provider's description. */
export interface GatewayProviderProfile {
    /** The provider's name in stack config (`provider.name`). */
    name: string;
    /** One line for docs and error messages. */
    description: string;
    /** The GatewayClass used when config names none; undefined means config must name one. */
    defaultGatewayClassName?: string;
    /** The body-based-routing chart's `provider.name`. */
    bodyBasedRoutingChartProvider: "gke" | "istio" | "none";
    /** The inferencepool chart's `provider.name` for this gateway, where the chart line knows it
     * (`none` otherwise: Istio's from v1.0.1 only). */
    inferencePoolChartProvider: "gke" | "istio" | "none";
    /** What reaching each EPP over TLS takes beyond the chart. */
    endpointPickerTls: EndpointPickerTls;
    /** What makes the Gateway internal (`gateway.internal`): another class, or annotations the
     * provider copies onto the Service of its in-cluster proxies. */
    internalGateway: { defaultGatewayClassName?: string; annotations: Record<string, string> };
    /** Where its proxies connect to model servers from. */
    proxySource: GatewayProxySource;
    /** Ranges its proxies or health checks always use, beside `networkPolicy.gatewaySourceRanges`. */
    fixedSourceRanges: readonly string[];
    /** The request timeout its HTTPRoutes carry (`spec.rules[].timeouts.request`); undefined
     * where the provider refuses a route that sets one. */
    routeRequestTimeout?: string;
    /** How an HTTPS listener for `gateway.hostname` gets a certificate when config names no TLS
     * Secret; undefined: it does not, and the listener serves HTTP. */
    managedCertificate?: ManagedCertificateSupport;
    /** True where the provider makes a Service for the Gateway's proxies named
     * `<gateway>-<gatewayClassName>`: the Gateway's name must leave that Service a valid name. */
    proxyServiceNamedByClass?: boolean;
}

/** A provider's own certificates for a listener, referenced from the listener's `tls.options`. */
export interface ManagedCertificateSupport {
    /** What issues them, for docs and messages. */
    issuer: string;
    /** The `tls.options` key that names the certificate. */
    listenerOption: string;
}

/** The providers we know, by config name. */
export const GATEWAY_PROVIDERS = {
    gke: {
        name: "gke",
        description: "GKE Gateway controller (Envoy-based regional load balancer)",
        defaultGatewayClassName: "gke-l7-regional-external-managed",
        bodyBasedRoutingChartProvider: "gke",
        inferencePoolChartProvider: "gke",
        endpointPickerTls: "chart",
        internalGateway: { defaultGatewayClassName: "gke-l7-rilb", annotations: {} },
        proxySource: "source-ranges",
        // Google's health-check probers; the proxies themselves use the proxy-only subnet.
        fixedSourceRanges: GOOGLE_HEALTH_CHECK_RANGES,
        // No route timeouts: GKE's controller does not implement them and rejects the route
        // (Accepted=False, UnsupportedValue; GKE "GatewayClass capabilities", kserve/kserve#5311;
        // HTTPRouteRequestTimeout is unsupported in GKE's conformance reports). The chart's
        // GCPBackendPolicy carries the 300 s instead (see the inferencepool release line).
        routeRequestTimeout: undefined,
        // The regional classes take regional Certificate Manager certificates by name in the HTTPS
        // listener's tls.options (certificate maps are global only):
        // https://cloud.google.com/kubernetes-engine/docs/how-to/secure-gateway
        managedCertificate: { issuer: "Certificate Manager (Google-managed, DNS authorization)", listenerOption: "networking.gke.io/cert-manager-certs" },
    },
    istio: {
        name: "istio",
        description: "Istio 1.28.5 or later with ENABLE_GATEWAY_API_INFERENCE_EXTENSION=true",
        defaultGatewayClassName: "istio",
        bodyBasedRoutingChartProvider: "istio",
        inferencePoolChartProvider: "istio",
        endpointPickerTls: "istio-destination-rule",
        // Istio copies the Gateway's annotations onto the Service of the proxies it deploys.
        internalGateway: { defaultGatewayClassName: "istio", annotations: { "networking.gke.io/load-balancer-type": "Internal" } },
        proxySource: "gateway-pods",
        fixedSourceRanges: [],
        // Istio implements route timeouts (istio/istio#47017; HTTPRouteRequestTimeout supported in
        // its 1.28 and 1.30 conformance reports).
        routeRequestTimeout: REQUEST_TIMEOUT,
        // Its deployment controller names the proxies' Deployment and Service
        // `<gateway>-<gatewayClassName>` (pilot/pkg/config/kube/gateway getDefaultName); a Service
        // it cannot create leaves the Gateway without an address.
        proxyServiceNamedByClass: true,
    },
    other: {
        name: "other",
        description:
            "any Gateway API implementation that supports InferencePool backends; " +
            "set provider.gatewayClassName and configure its BBR hook and EPP TLS yourself",
        bodyBasedRoutingChartProvider: "none",
        inferencePoolChartProvider: "none",
        endpointPickerTls: "none",
        internalGateway: { annotations: {} },
        proxySource: "source-ranges",
        fixedSourceRanges: [],
        // As upstream's routes for kgateway and agentgateway at v1.0.0. Request timeouts are an
        // extended Gateway API feature: an implementation without it may refuse the route.
        routeRequestTimeout: REQUEST_TIMEOUT,
    },
} as const satisfies Record<GatewayProviderName, GatewayProviderProfile>;

/** The names of the providers we know, for schemas and messages. */
export const GATEWAY_PROVIDER_NAMES = Object.keys(GATEWAY_PROVIDERS) as [GatewayProviderName, ...GatewayProviderName[]];
