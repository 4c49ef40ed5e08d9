import * as pulumi from "@pulumi/pulumi";

/**
 * Options for a component's children: the component as their parent, the component's own
 * `dependsOn`, and `dependsOn` of their own. Pulumi does not pass a component's `dependsOn` on to
 * its children, so without this the engine would not know that, say, a chart's objects need the
 * CRDs applied first, or that a new project's role bindings need its APIs and cluster, and would
 * create, replace or delete them in the wrong order.
 */
export function childOptions(
    component: pulumi.ComponentResource,
    opts: pulumi.ComponentResourceOptions | undefined,
    ...dependsOn: pulumi.Resource[]
): pulumi.ResourceOptions {
    const inherited = { parent: component, dependsOn: opts?.dependsOn };
    return dependsOn.length === 0 ? inherited : pulumi.mergeOptions(inherited, { dependsOn });
}
