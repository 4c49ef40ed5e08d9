/**
 * The Custom Metrics Stackdriver Adapter, which serves Cloud Monitoring metrics (Managed
 * Prometheus ones included) to the Kubernetes custom and external metrics APIs that a
 * HorizontalPodAutoscaler reads. It is a third-party manifest applied as published, pinned to a
 * commit, and its Kubernetes service account is granted `roles/monitoring.viewer` directly
 * through Workload Identity Federation for GKE (no Google service account), as the GKE guide
 * "Configure autoscaling for LLM workloads on GPUs" does.
 */
import * as projects from "@pulumi/gcp/projects";
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { childOptions } from "../childOptions";
import { workloadIdentityMember } from "../cluster/workloadIdentity";

/** The adapter's manifest for the new resource model, pinned to a commit of
 * GoogleCloudPlatform/k8s-stackdriver so that `up` never applies an unreviewed change. */
export const METRICS_ADAPTER_MANIFEST_URL =
    "https://raw.githubusercontent.com/GoogleCloudPlatform/k8s-stackdriver/04cb65cba36989d69d39635eb490b1790c7f165f/custom-metrics-stackdriver-adapter/deploy/production/adapter_new_resource_model.yaml";

/** The Kubernetes service account the manifest runs the adapter as. */
export const METRICS_ADAPTER_SERVICE_ACCOUNT = { namespace: "custom-metrics", name: "custom-metrics-stackdriver-adapter" } as const;

/** The role the adapter needs to read metrics. */
export const METRICS_ADAPTER_ROLE = "roles/monitoring.viewer";

/** Arguments of {@link MetricsAdapter}. */
export interface MetricsAdapterArgs {
    /** The cluster's project, whose metrics the adapter reads and where the role is granted. */
    project: string;
}

/** The Custom Metrics Stackdriver Adapter and its permission to read Cloud Monitoring. */
export class MetricsAdapter extends pulumi.ComponentResource {
    /** The IAM principal the adapter runs as. */
    public readonly principal: pulumi.Output<string>;

    constructor(name: string, args: MetricsAdapterArgs, opts?: pulumi.ComponentResourceOptions) {
        super("multi-model-inference:index:MetricsAdapter", name, {}, opts);
        const { namespace, name: serviceAccount } = METRICS_ADAPTER_SERVICE_ACCOUNT;
        this.principal = workloadIdentityMember(args.project, namespace, serviceAccount, childOptions(this, opts));
        new projects.IAMMember(
            `${name}-monitoring-viewer`,
            { project: args.project, role: METRICS_ADAPTER_ROLE, member: this.principal },
            childOptions(this, opts),
        );
        new k8s.yaml.v2.ConfigFile(`${name}-manifest`, { file: METRICS_ADAPTER_MANIFEST_URL }, childOptions(this, opts));
        this.registerOutputs({ principal: this.principal });
    }
}
