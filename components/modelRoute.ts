import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { childOptions } from "./childOptions";
import { ROUTE_MATCHES_PER_RULE } from "./plan/loraPlan";

/** The header the Body-Based Router sets from the request body's `model`. */
export const MODEL_NAME_HEADER = "X-Gateway-Model-Name";

/** The paths the model routes match: vLLM checks API keys only on paths that start with `/v1`
 * (vllm-project/vllm v0.11.0 `api_server.py` `AuthenticationMiddleware`), and serves generation
 * on others too (`/invocations`); so the gateway sends nothing else to vLLM. */
export const MODEL_PATH_PREFIX = "/v1";

/** The `parentRefs` entry of a route on the Gateway: on the named listener only, when given (the
 * HTTPS one, so that HTTP on 80 only redirects), else on every listener. */
export function gatewayParentRef(gatewayName: string, listenerName?: string) {
    return {
        group: "gateway.networking.k8s.io",
        kind: "Gateway",
        name: gatewayName,
        ...(listenerName === undefined ? {} : { sectionName: listenerName }),
    };
}

/** The route conditions `pulumi up` waits for: the Gateway accepted the route, and its backend
 * (the InferencePool) resolved. Only then can traffic flow. */
export const ROUTE_READY_CONDITIONS = ["Accepted", "ResolvedRefs"] as const;

/** The `pulumi.com/waitFor` value that waits for every {@link ROUTE_READY_CONDITIONS} on the
 * route's parent Gateway; the conditions are per parent, so `condition=` cannot see them. */
export function routeWaitFor(): string {
    return JSON.stringify(
        ROUTE_READY_CONDITIONS.map((type) => `jsonpath={.status.parents[0].conditions[?(@.type=="${type}")].status}=True`),
    );
}

/** Arguments of {@link ModelRoute}. */
export interface ModelRouteArgs {
    /** HTTPRoute name. */
    routeName: string;
    /** Namespace of the route, the Gateway and the pool. */
    namespace: string;
    /** The Gateway the route attaches to. */
    gatewayName: string;
    /** The Gateway's listener the route attaches to; every listener when undefined. */
    listenerName?: string;
    /** The client-facing model name the route matches exactly. */
    modelName: string;
    /** Adapter names served by the same pods, matched exactly too (at most 127; see
     * `MAX_ROUTED_NAMES`). */
    adapterNames?: string[];
    /** The InferencePool that serves the model. */
    poolName: string;
    /** The request timeout each rule carries, e.g. `300s`; none when undefined (GKE refuses a
     * route with timeouts and takes its timeout from the pool's GCPBackendPolicy). */
    requestTimeout?: string;
}

/** The HTTPRoute that sends requests under `/v1` whose `model` is `modelName` or one of its
 * adapters to the model's InferencePool; names beyond the schema's matches per rule go to further identical rules. */
export function httpRoute(args: ModelRouteArgs) {
    const names = [args.modelName, ...(args.adapterNames ?? [])];
    const ruleNames = Array.from({ length: Math.ceil(names.length / ROUTE_MATCHES_PER_RULE) }, (_, i) =>
        names.slice(i * ROUTE_MATCHES_PER_RULE, (i + 1) * ROUTE_MATCHES_PER_RULE),
    );
    return {
        apiVersion: "gateway.networking.k8s.io/v1",
        kind: "HTTPRoute",
        metadata: { name: args.routeName, namespace: args.namespace, annotations: { "pulumi.com/waitFor": routeWaitFor() } },
        spec: {
            parentRefs: [gatewayParentRef(args.gatewayName, args.listenerName)],
            rules: ruleNames.map((group) => ({
                matches: group.map((value) => ({
                    path: { type: "PathPrefix", value: MODEL_PATH_PREFIX },
                    headers: [{ type: "Exact", name: MODEL_NAME_HEADER, value }],
                })),
                backendRefs: [{ group: "inference.networking.k8s.io", kind: "InferencePool", name: args.poolName }],
                ...(args.requestTimeout === undefined ? {} : { timeouts: { request: args.requestTimeout } }),
            })),
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
        // The GKE controller can take minutes to program the load balancer for a new route.
        const route = new k8s.apiextensions.CustomResource(`${name}-httproute`, httpRoute(args), {
            ...childOptions(this, opts),
            customTimeouts: { create: "20m", update: "20m" },
        });
        this.routeName = route.metadata.name;
        this.registerOutputs({ routeName: this.routeName });
    }
}
