import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { childOptions } from "../childOptions";
import type { IstioInstallationArgs } from "../cluster/clusterPlan";

/** Istio's official Helm repository. */
export const ISTIO_CHART_REPOSITORY = "https://istio-release.storage.googleapis.com/charts";

/** The namespace Istio's charts are installed into, as in Istio's Helm instructions. */
export const ISTIO_NAMESPACE = "istio-system";

/** The istiod environment variable that makes Istio's gateways route to InferencePools. */
export const INFERENCE_EXTENSION_ENV = "ENABLE_GATEWAY_API_INFERENCE_EXTENSION";

/** The `istiod` chart's values: the inference extension switched on in istiod's environment.
 * `pilot.env` is the key Istio's own instructions set; current charts copy `pilot.*` to the top
 * level before rendering. */
export function istiodValues(): Record<string, unknown> {
    return { pilot: { env: { [INFERENCE_EXTENSION_ENV]: "true" } } };
}

/** One Helm release of Istio's repository in `istio-system`; Helm (not Pulumi) owns what it
 * renders, so istiod patching its own webhooks causes no drift. */
export function istioReleaseSpec(release: string, chart: "base" | "istiod", version: string, values: Record<string, unknown>): k8s.helm.v3.ReleaseArgs {
    return {
        name: release,
        chart,
        version,
        namespace: ISTIO_NAMESPACE,
        createNamespace: true,
        repositoryOpts: { repo: ISTIO_CHART_REPOSITORY },
        values,
    };
}

/**
 * Istio from its official Helm charts, as Istio's Helm instructions install it: `base` (CRDs and
 * cluster roles) as release `istio-base`, then `istiod` with the inference extension enabled.
 * `pulumi up` waits for istiod to be ready; make the serving stack depend on this component.
 */
export class IstioInstallation extends pulumi.ComponentResource {
    /** The `istiod` release; ready means the control plane runs. */
    public readonly istiod: k8s.helm.v3.Release;

    constructor(name: string, args: IstioInstallationArgs, opts?: pulumi.ComponentResourceOptions) {
        super("multi-model-inference:index:IstioInstallation", name, {}, opts);
        const child = childOptions(this, opts);
        const base = new k8s.helm.v3.Release(`${name}-base`, istioReleaseSpec("istio-base", "base", args.version, {}), child);
        // istiod's webhooks and its inference-extension support need base's CRDs.
        this.istiod = new k8s.helm.v3.Release(
            `${name}-istiod`,
            istioReleaseSpec("istiod", "istiod", args.version, istiodValues()),
            childOptions(this, opts, base),
        );
        this.registerOutputs({});
    }
}

/** A resource transformation that makes every Kubernetes resource under a component wait for
 * `resource`: a component's own `dependsOn` does not reach its children, and the Istio objects
 * the serving stack creates (DestinationRules, BBR's EnvoyFilter) need Istio's CRDs first. */
export function waitingFor(resource: pulumi.Resource): pulumi.ResourceTransformation {
    return ({ type, props, opts }) => (type.startsWith("kubernetes:") ? { props, opts: pulumi.mergeOptions(opts, { dependsOn: [resource] }) } : undefined);
}
