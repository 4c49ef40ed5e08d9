import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { childOptions } from "../childOptions";
import { gatewayParentRef } from "./modelRoute";

/** The listener names: plain HTTP on 80, HTTPS on 443. */
export const GATEWAY_LISTENERS = { http: "http", https: "https" } as const;

/** A certificate the provider manages, named in the HTTPS listener's `tls.options`. */
export interface ListenerCertificate {
    /** The `tls.options` key, e.g. `networking.gke.io/cert-manager-certs`. */
    option: string;
    /** The certificate's name. */
    name: pulumi.Input<string>;
}

/** Arguments of {@link InferenceGateway}. */
export interface InferenceGatewayArgs {
    /** Gateway name; the BBR chart's provider objects refer to it. */
    gatewayName: string;
    /** Namespace of the Gateway (and of BBR, which must run beside it). */
    namespace: string;
    /** GatewayClass of the provider, e.g. `gke-l7-regional-external-managed` or `istio`. */
    gatewayClassName: string;
    /** Annotations for the provider, e.g. one that makes its load balancer internal. */
    annotations?: Record<string, string>;
    /** The hostname the listener accepts; any when undefined. */
    hostname?: string;
    /** A `kubernetes.io/tls` Secret in the namespace; the Gateway serves HTTPS on 443 with it and
     * redirects HTTP on 80 to HTTPS. */
    tlsSecretName?: string;
    /** A provider-managed certificate for HTTPS instead of a Secret (GKE: a Certificate Manager
     * certificate). With neither, the Gateway serves HTTP on 80 only. */
    certificate?: ListenerCertificate;
    /** The InferencePool CRD manifest to apply, a URL or a file (see `inferenceCrdsUrl`);
     * undefined when the cluster already has them. */
    inferenceCrds?: string;
}

/** True when the Gateway serves HTTPS. */
export function servesHttps(args: Pick<InferenceGatewayArgs, "tlsSecretName" | "certificate">): boolean {
    return args.tlsSecretName !== undefined || args.certificate !== undefined;
}

/** The listeners: HTTP on 80, and HTTPS on 443 with the Secret or the managed certificate. */
function listeners(args: InferenceGatewayArgs) {
    const common = { ...(args.hostname === undefined ? {} : { hostname: args.hostname }), allowedRoutes: { namespaces: { from: "Same" } } };
    const http = { name: GATEWAY_LISTENERS.http, protocol: "HTTP", port: 80, ...common };
    const certificate = args.certificate;
    const tls =
        args.tlsSecretName !== undefined
            ? { mode: "Terminate", certificateRefs: [{ group: "", kind: "Secret", name: args.tlsSecretName }] }
            : certificate !== undefined
              ? { mode: "Terminate", options: { [certificate.option]: certificate.name } }
              : undefined;
    return tls === undefined ? [http] : [http, { name: GATEWAY_LISTENERS.https, protocol: "HTTPS", port: 443, ...common, tls }];
}

/** The Gateway: HTTP, or HTTP and HTTPS. `pulumi up` waits until the provider has given it an
 * address, so the address output is real when `up` ends. */
export function gatewayManifest(args: InferenceGatewayArgs) {
    return {
        apiVersion: "gateway.networking.k8s.io/v1",
        kind: "Gateway",
        metadata: {
            name: args.gatewayName,
            namespace: args.namespace,
            annotations: { ...args.annotations, "pulumi.com/waitFor": "jsonpath={.status.addresses[0].value}" },
        },
        spec: { gatewayClassName: args.gatewayClassName, listeners: listeners(args) },
    };
}

/** The HTTPRoute on the HTTP listener that answers every request with a 301 to the same URL over
 * HTTPS (`RequestRedirect` with `scheme: https`; GKE supports 301 and 302 only: its conformance
 * reports list `HTTPRouteSchemeRedirect` as supported, 303/307/308 as not). The other routes attach
 * to the HTTPS listener only, so nothing is served in plain text. */
export function httpsRedirectRoute(args: Pick<InferenceGatewayArgs, "gatewayName" | "namespace">) {
    return {
        apiVersion: "gateway.networking.k8s.io/v1",
        kind: "HTTPRoute",
        metadata: { name: `${args.gatewayName}-https-redirect`, namespace: args.namespace },
        spec: {
            parentRefs: [gatewayParentRef(args.gatewayName, GATEWAY_LISTENERS.http)],
            rules: [{ filters: [{ type: "RequestRedirect", requestRedirect: { scheme: "https", statusCode: 301 } }] }],
        },
    };
}

interface GatewayStatus {
    addresses?: { type?: string; value: string }[];
}

/** The inference Gateway (with the route that redirects HTTP to HTTPS when it serves HTTPS), and
 * the InferencePool CRDs when the cluster lacks them. */
export class InferenceGateway extends pulumi.ComponentResource {
    /** The Gateway's name. (A generic CustomResource has no type token the cross-language
     * schema could reference, so the name is the output.) */
    public readonly gatewayName: pulumi.Output<string>;
    /** The applied CRDs, when applied. */
    public readonly crds?: k8s.yaml.v2.ConfigFile;
    /** The address the provider gave the Gateway. */
    public readonly address: pulumi.Output<string | undefined>;

    constructor(name: string, args: InferenceGatewayArgs, opts?: pulumi.ComponentResourceOptions) {
        super("multi-model-inference:index:InferenceGateway", name, {}, opts);
        if (args.inferenceCrds !== undefined) {
            this.crds = new k8s.yaml.v2.ConfigFile(`${name}-inference-crds`, { file: args.inferenceCrds }, childOptions(this, opts));
        }
        // `status` is declared (and left unset) so that Pulumi reads it back as an output.
        const gateway = new k8s.apiextensions.CustomResource(
            `${name}-gateway`,
            { ...gatewayManifest(args), status: undefined },
            { ...childOptions(this, opts), customTimeouts: { create: "20m", update: "20m" } },
        );
        if (servesHttps(args)) {
            new k8s.apiextensions.CustomResource(`${name}-https-redirect`, httpsRedirectRoute(args), childOptions(this, opts, gateway));
        }
        this.gatewayName = gateway.metadata.name;
        const status = (gateway as unknown as { status: pulumi.Output<GatewayStatus | undefined> }).status;
        this.address = status.apply((s) => s?.addresses?.[0]?.value);
        this.registerOutputs({ gatewayName: this.gatewayName, address: this.address });
    }
}
