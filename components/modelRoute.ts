import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";

/** The header the Body-Based Router sets from the request body's `model`. */
export const MODEL_NAME_HEADER = "X-Gateway-Model-Name";

/** Long generations take minutes; the gateway's default timeout would cut them off. */
export const REQUEST_TIMEOUT = "300s";

/** Arguments of {@link ModelRoute}. */
export interface ModelRouteArgs {
    /** HTTPRoute name. */
    routeName: string;
    /** Namespace of the route, the Gateway and the pool. */
    namespace: string;
    /** The Gateway the route attaches to. */
    gatewayName: string;
    /** The client-facing model name the route matches exactly. */
    modelName: string;
    /** The InferencePool that serves the model. */
    poolName: string;
}

/** The HTTPRoute that sends requests whose `model` is `modelName` to the model's InferencePool. */
export function httpRoute(args: ModelRouteArgs) {
    return {
        apiVersion: "gateway.networking.k8s.io/v1",
        kind: "HTTPRoute",
        metadata: { name: args.routeName, namespace: args.namespace },
        spec: {
            parentRefs: [{ group: "gateway.networking.k8s.io", kind: "Gateway", name: args.gatewayName }],
            rules: [
                {
                    matches: [
                        {
                            path: { type: "PathPrefix", value: "/" },
                            headers: [{ type: "Exact", name: MODEL_NAME_HEADER, value: args.modelName }],
                        },
                    ],
                    backendRefs: [{ group: "inference.networking.k8s.io", kind: "InferencePool", name: args.poolName }],
                    timeouts: { request: REQUEST_TIMEOUT },
                },
            ],
        },
    };
}

/** One model's HTTPRoute. */
export class ModelRoute extends pulumi.ComponentResource {
    /** The HTTPRoute's name. (A generic CustomResource has no type token the cross-language
     * schema could reference, so the name is the output.) */
    public readonly routeName: pulumi.Output<string>;

    constructor(name: string, args: ModelRouteArgs, opts?: pulumi.ComponentResourceOptions) {
        super("multi-model-inference:index:ModelRoute", name, {}, opts);
        const route = new k8s.apiextensions.CustomResource(`${name}-httproute`, httpRoute(args), { parent: this });
        this.routeName = route.metadata.name;
        this.registerOutputs({ routeName: this.routeName });
    }
}
