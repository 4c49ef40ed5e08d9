import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { childOptions } from "../childOptions";
import type { EndpointPickerTls } from "../catalogs/gatewayProviders";
import { endpointPickerName } from "../names";
import type { ChartValues } from "../config/servingConfig";
import type { PlannedChart } from "./chartValues";

/** Arguments of {@link InferencePool}. */
export interface InferencePoolArgs {
    /** Release name; the chart names the InferencePool after it and its EPP `<release>-epp`. */
    releaseName: string;
    /** Namespace of the pool, its EPP and the model's pods. */
    namespace: string;
    /** The inferencepool chart and version. */
    chart: PlannedChart;
    /** Checked chart values (see `chartValues`), selecting exactly one model's pods. */
    values: ChartValues;
    /** What the gateway needs to reach the EPP over TLS beyond what the chart renders. */
    endpointPickerTls: EndpointPickerTls;
}

/**
 * The Istio DestinationRule that lets the gateway originate TLS to an Endpoint Picker, whose
 * certificate is self-signed and so cannot be verified.
 */
export function endpointPickerDestinationRule(releaseName: string, namespace: string) {
    const service = endpointPickerName(releaseName);
    return {
        apiVersion: "networking.istio.io/v1beta1",
        kind: "DestinationRule",
        metadata: { name: service, namespace },
        spec: {
            host: `${service}.${namespace}.svc.cluster.local`,
            trafficPolicy: { tls: { mode: "SIMPLE", insecureSkipVerify: true } },
        },
    };
}

/** One model's InferencePool and Endpoint Picker (the inferencepool Helm chart), plus what the
 * gateway provider needs to reach the EPP. */
export class InferencePool extends pulumi.ComponentResource {
    /** The inferencepool chart release. */
    public readonly chart: k8s.helm.v4.Chart;
    /** The InferencePool's name. */
    public readonly poolName: pulumi.Output<string>;
    /** The Endpoint Picker Service's name. */
    public readonly endpointPickerService: pulumi.Output<string>;

    constructor(name: string, args: InferencePoolArgs, opts?: pulumi.ComponentResourceOptions) {
        super("multi-model-inference:index:InferencePool", name, {}, opts);
        this.poolName = pulumi.output(args.releaseName);
        this.endpointPickerService = pulumi.output(endpointPickerName(args.releaseName));
        this.chart = new k8s.helm.v4.Chart(
            `${name}-chart`,
            {
                chart: args.chart.chart,
                version: args.chart.version,
                name: args.releaseName,
                namespace: args.namespace,
                values: args.values,
            },
            childOptions(this, opts),
        );
        if (args.endpointPickerTls === "istio-destination-rule") {
            new k8s.apiextensions.CustomResource(`${name}-epp-tls`, endpointPickerDestinationRule(args.releaseName, args.namespace), childOptions(this, opts));
        }
        this.registerOutputs({ poolName: this.poolName, endpointPickerService: this.endpointPickerService });
    }
}
