import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { childOptions } from "../childOptions";
import { MODEL_NAME_HEADER } from "../catalogs/charts/bodyBasedRouterFacts";
import type { BaseModelRouting } from "../catalogs/charts/releaseLine";
import { INFERENCE_PATH_LIST } from "./clientRequests";
import { ROUTE_MATCHES_PER_RULE } from "../adapters/loraPlan";

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
    return JSON.stringify(ROUTE_READY_CONDITIONS.map((type) => `jsonpath={.status.parents[0].conditions[?(@.type=="${type}")].status}=True`));
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
    /** Adapter names served by the same pods, matched exactly too (at most 63, see
     * `MAX_ROUTED_NAMES`), or with `baseModelRouting` listed in BBR's ConfigMap (no limit). */
    adapterNames?: string[];
    /** The InferencePool that serves the model. */
    poolName: string;
    /** The request timeout each rule carries, e.g. `300s`; none when undefined (GKE refuses a
     * route with timeouts and takes its timeout from the pool's GCPBackendPolicy). */
    requestTimeout?: string;
    /** Where BBR maps adapters to their base model (from v1.3.0): the route then matches the
     * base-model header alone, and a ConfigMap tells BBR the model's adapters. Undefined: the
     * route matches every name. */
    baseModelRouting?: BaseModelRouting;
}

/** The matches of the route's rules, one list per rule: each inference path exactly (vLLM checks
 * keys on every path under `/v1`, so any path routed there is one a client key can call), with the
 * base model's name in the base-model header, or each name in the model header; as many per rule
 * as the schema allows. */
function routeMatches(args: ModelRouteArgs) {
    const headers =
        args.baseModelRouting !== undefined
            ? [{ name: args.baseModelRouting.header, value: args.modelName }]
            : [args.modelName, ...(args.adapterNames ?? [])].map((value) => ({ name: MODEL_NAME_HEADER, value }));
    const matches = headers.flatMap((header) =>
        INFERENCE_PATH_LIST.map((value) => ({ path: { type: "Exact", value }, headers: [{ type: "Exact", ...header }] })),
    );
    return Array.from({ length: Math.ceil(matches.length / ROUTE_MATCHES_PER_RULE) }, (_, i) =>
        matches.slice(i * ROUTE_MATCHES_PER_RULE, (i + 1) * ROUTE_MATCHES_PER_RULE),
    );
}

/** The HTTPRoute that sends inference requests (`INFERENCE_PATHS`) whose `model` is `modelName`
 * or one of its adapters to the model's InferencePool: by the base-model header where BBR sets it,
 * else by each name, matches beyond the schema's per rule in further identical rules. */
export function httpRoute(args: ModelRouteArgs) {
    return {
        apiVersion: "gateway.networking.k8s.io/v1",
        kind: "HTTPRoute",
        metadata: { name: args.routeName, namespace: args.namespace, annotations: { "pulumi.com/waitFor": routeWaitFor() } },
        spec: {
            parentRefs: [gatewayParentRef(args.gatewayName, args.listenerName)],
            rules: routeMatches(args).map((matches) => ({
                matches,
                backendRefs: [{ group: "inference.networking.k8s.io", kind: "InferencePool", name: args.poolName }],
                ...(args.requestTimeout === undefined ? {} : { timeouts: { request: args.requestTimeout } }),
            })),
        },
    };
}

/** The ConfigMap from which BBR maps the model's adapters, and the model's own name, to the
 * model (the format of `BaseModelRouting`: the base model's name, the active adapters as a YAML
 * list, each quoted so that no name reads as a number). Updated in place when adapters change:
 * BBR drops a removed adapter on update, but keeps a deleted ConfigMap's names until it restarts
 * (pkg/bbr/plugins/basemodelextractor/configmap_reconciler.go at v1.5.0 deletes by the name of an
 * empty object). */
export function baseModelConfigMap(args: ModelRouteArgs, routing: BaseModelRouting) {
    const adapters = args.adapterNames ?? [];
    return {
        apiVersion: "v1",
        kind: "ConfigMap",
        metadata: { name: `${args.routeName}-base-model`, namespace: args.namespace, labels: { [routing.configMapLabelKey]: routing.configMapLabelValue } },
        immutable: false,
        data: {
            [routing.baseModelKey]: args.modelName,
            ...(adapters.length === 0 ? {} : { [routing.adaptersKey]: adapters.map((name) => `- ${JSON.stringify(name)}\n`).join("") }),
        },
    };
}

/** One model's HTTPRoute, and where BBR maps adapters to base models, the ConfigMap it reads. */
export class ModelRoute extends pulumi.ComponentResource {
    /** The HTTPRoute's name. (A generic CustomResource has no type token the cross-language
     * schema could reference, so the name is the output.) */
    public readonly routeName: pulumi.Output<string>;

    constructor(name: string, args: ModelRouteArgs, opts?: pulumi.ComponentResourceOptions) {
        super("multi-model-inference:index:ModelRoute", name, {}, opts);
        // BBR must know the model before the route matches its header: until then it sets "".
        const baseModel = args.baseModelRouting === undefined ? undefined : baseModelConfigMap(args, args.baseModelRouting);
        const mapping =
            baseModel === undefined
                ? []
                : [
                      new k8s.core.v1.ConfigMap(
                          `${name}-base-model`,
                          { metadata: baseModel.metadata, immutable: baseModel.immutable, data: baseModel.data },
                          childOptions(this, opts),
                      ),
                  ];
        // The GKE controller can take minutes to program the load balancer for a new route.
        const route = new k8s.apiextensions.CustomResource(`${name}-httproute`, httpRoute(args), {
            ...childOptions(this, opts, ...mapping),
            customTimeouts: { create: "20m", update: "20m" },
        });
        this.routeName = route.metadata.name;
        this.registerOutputs({ routeName: this.routeName });
    }
}
