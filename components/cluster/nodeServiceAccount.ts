import * as projects from "@pulumi/gcp/projects";
import * as serviceaccount from "@pulumi/gcp/serviceaccount";
import * as pulumi from "@pulumi/pulumi";
import { childOptions } from "../childOptions";

/**
 * The project roles GKE nodes need and nothing more: `container.defaultNodeServiceAccount`
 * (writing logs and metrics, reading monitoring config, node autoscaling metrics), reading images
 * from Artifact Registry, and using the image-streaming service, which GKE requires of a node
 * service account other than the default. Workloads get their own identities through Workload
 * Identity.
 */
export const NODE_SERVICE_ACCOUNT_ROLES = [
    "roles/container.defaultNodeServiceAccount",
    "roles/artifactregistry.reader",
    "roles/serviceusage.serviceUsageConsumer",
] as const;

/** Arguments of {@link NodeServiceAccount}. */
export interface NodeServiceAccountArgs {
    /** Google Cloud project of the account and of the role bindings. */
    project: string;
    /** Account ID, 6-30 characters. */
    accountId: string;
    /** Short name shown in the console, e.g. `GPU nodes`. */
    displayName: string;
    /** What the account is for, shown in the console. */
    description: string;
}

/** A dedicated Google service account for GPU nodes, with only the roles nodes need. */
export class NodeServiceAccount extends pulumi.ComponentResource {
    /** The service account. */
    public readonly account: serviceaccount.Account;
    /** The project role bindings; nodes should start only after they exist. */
    public readonly roleBindings: projects.IAMMember[];
    /** The account's email. */
    public readonly email: pulumi.Output<string>;

    constructor(name: string, args: NodeServiceAccountArgs, opts?: pulumi.ComponentResourceOptions) {
        super("multi-model-inference:index:NodeServiceAccount", name, {}, opts);
        this.account = new serviceaccount.Account(
            `${name}-account`,
            { project: args.project, accountId: args.accountId, displayName: args.displayName, description: args.description },
            childOptions(this, opts),
        );
        this.roleBindings = NODE_SERVICE_ACCOUNT_ROLES.map(
            (role) =>
                new projects.IAMMember(
                    `${name}-${role.split("/")[1].replace(/\./g, "-")}`,
                    { project: args.project, role, member: pulumi.interpolate`serviceAccount:${this.account.email}` },
                    childOptions(this, opts),
                ),
        );
        this.email = this.account.email;
        this.registerOutputs({ email: this.email });
    }
}
