import * as pulumi from "@pulumi/pulumi";

/**
 * Options for a component's children: the component as their parent, and the component's own
 * `dependsOn`. Pulumi does not pass a component's `dependsOn` on to its children, so without
 * this the engine would not know that, say, a chart's objects need the CRDs applied first, and
 * could delete or replace them in the wrong order.
 */
export function childOptions(
    component: pulumi.ComponentResource,
    opts: pulumi.ComponentResourceOptions | undefined,
): { parent: pulumi.Resource; dependsOn?: pulumi.Input<pulumi.Input<pulumi.Resource>[]> | pulumi.Input<pulumi.Resource> } {
    return { parent: component, dependsOn: opts?.dependsOn };
}
