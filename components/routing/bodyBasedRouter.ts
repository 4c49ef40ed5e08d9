import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { childOptions } from "../childOptions";
import { BODY_BASED_ROUTER_RELEASE } from "../names";
import type { PlannedChartRelease } from "./chartValues";

/** Arguments of {@link BodyBasedRouter}. */
export interface BodyBasedRouterArgs {
    /** The Gateway's namespace: BBR must run there. */
    namespace: string;
    /** The body-based-routing chart, version and checked values (provider, gateway name). */
    chart: PlannedChartRelease;
}

/** The Body-Based Router: copies the request body's `model` into `X-Gateway-Model-Name`. */
export class BodyBasedRouter extends pulumi.ComponentResource {
    /** The body-based-routing chart release. */
    public readonly chart: k8s.helm.v4.Chart;

    constructor(name: string, args: BodyBasedRouterArgs, opts?: pulumi.ComponentResourceOptions) {
        super("multi-model-inference:index:BodyBasedRouter", name, {}, opts);
        this.chart = new k8s.helm.v4.Chart(
            `${name}-chart`,
            {
                chart: args.chart.chart,
                version: args.chart.version,
                name: BODY_BASED_ROUTER_RELEASE,
                namespace: args.namespace,
                values: args.chart.values,
            },
            childOptions(this, opts),
        );
        this.registerOutputs({});
    }
}
