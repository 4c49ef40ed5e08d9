import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { childOptions } from "./childOptions";
import { inferenceCrdsUrl } from "./plan/releaseLines";

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
    /** A `kubernetes.io/tls` Secret in the namespace; the listener serves HTTPS on 443 with it,
     * or HTTP on 80 when undefined. */
    tlsSecretName?: string;
    /** Inference extension release whose InferencePool CRDs to apply, e.g. `v1.0.0`; undefined
     * when the cluster already has them. */
    inferenceCrdsVersion?: string;
}

/** The Gateway's one listener: HTTPS with the TLS Secret when there is one, else HTTP. */
function listener(args: InferenceGatewayArgs) {
    const common = { ...(args.hostname === undefined ? {} : { hostname: args.hostname }), allowedRoutes: { namespaces: { from: "Same" } } };
    return args.tlsSecretName === undefined
        ? { name: "http", protocol: "HTTP", port: 80, ...common }
        : {
              name: "https",
              protocol: "HTTPS",
              port: 443,
              ...common,
              tls: { mode: "Terminate", certificateRefs: [{ group: "", kind: "Secret", name: args.tlsSecretName }] },
          };
}

/** The Gateway with one listener. `pulumi up` waits until the provider has given it an address,
 * so the address output is real when `up` ends. */
export function gatewayManifest(args: InferenceGatewayArgs) {
    return {
        apiVersion: "gateway.networking.k8s.io/v1",
        kind: "Gateway",
        metadata: {
            name: args.gatewayName,
            namespace: args.namespace,
            annotations: { ...args.annotations, "pulumi.com/waitFor": "jsonpath={.status.addresses[0].value}" },
        },
        spec: { gatewayClassName: args.gatewayClassName, listeners: [listener(args)] },
    };
}

interface GatewayStatus {
    addresses?: { type?: string; value: string }[];
}

/** The inference Gateway, and the InferencePool CRDs when the cluster lacks them. */
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
        if (args.inferenceCrdsVersion !== undefined) {
            this.crds = new k8s.yaml.v2.ConfigFile(`${name}-inference-crds`, { file: inferenceCrdsUrl(args.inferenceCrdsVersion) }, childOptions(this, opts));
        }
        // `status` is declared (and left unset) so that Pulumi reads it back as an output.
        const gateway = new k8s.apiextensions.CustomResource(
            `${name}-gateway`,
            { ...gatewayManifest(args), status: undefined },
            { ...childOptions(this, opts), customTimeouts: { create: "20m", update: "20m" } },
        );
        this.gatewayName = gateway.metadata.name;
        const status = (gateway as unknown as { status: pulumi.Output<GatewayStatus | undefined> }).status;
        this.address = status.apply((s) => s?.addresses?.[0]?.value);
        this.registerOutputs({ gatewayName: this.gatewayName, address: this.address });
    }
}
