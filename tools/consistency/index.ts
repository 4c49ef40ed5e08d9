/**
 * The consistency check: every rendered object against every other, and against upstream facts
 * read at the pinned tags, never against the program's own constants. Pure. The tests run it on
 * mocked runs; the policy pack (policy/) runs it on a real `pulumi preview`, where the provider
 * expands the charts itself.
 */
import { adapterFindings } from "./adapters";
import { withChartObjects } from "./chartObjects";
import { duplicateFindings, endpointPickerFindings } from "./endpointPickers";
import { metricFindings } from "./metrics";
import { modelListFindings } from "./modelList";
import { workingMonitorFindings } from "./monitors";
import { networkFindings } from "./networkAccess";
import { Dashboard, Environment, Finding, HelmRelease, KubeObject, RenderedStack } from "./objects";
import { portFindings } from "./ports";
import { referenceFindings } from "./references";
import { requestPathFindings } from "./requestPath";

export type { Dashboard, Environment, Finding, HelmRelease, KubeObject, ObjectRef, RenderedStack } from "./objects";
export { describe } from "./objects";

/** What the check found, and what it could not verify for lack of facts. */
export interface CheckResult {
    findings: Finding[];
    /** What the objects and facts given could not settle, e.g. an unknown proxy source. */
    unverified: string[];
}

/** Runs every rule over `stack`. */
export function checkConsistency(stack: RenderedStack, environment: Environment = {}): CheckResult {
    const network = networkFindings(stack, environment);
    return {
        findings: [
            ...requestPathFindings(stack),
            ...modelListFindings(stack),
            ...endpointPickerFindings(stack),
            ...duplicateFindings(stack),
            ...adapterFindings(stack),
            ...portFindings(stack),
            ...referenceFindings(stack, environment),
            ...network.findings,
            ...metricFindings(stack),
            ...workingMonitorFindings(stack),
        ],
        unverified: network.unverified,
    };
}

/** A resource as the engine knows it: its type and its properties (inputs under mocks, outputs in
 * a policy pack's `validateStack`). */
export interface StackResource {
    type: string;
    /** The resource's name (a dashboard is known by it). */
    name: string;
    props: Record<string, unknown>;
}

/** The resource types of a Helm release, whose children the provider expands on a real preview. */
export const HELM_CHART_TYPES = new Set(["kubernetes:helm.sh/v4:Chart", "kubernetes:helm.sh/v3:Chart"]);
const DASHBOARD_TYPE = "gcp:monitoring/dashboard:Dashboard";

/** True for a Kubernetes object: a `kubernetes:` resource with an apiVersion, a kind and a name. */
function isKubeObject(resource: StackResource): boolean {
    const props = resource.props as Partial<KubeObject>;
    return (
        resource.type.startsWith("kubernetes:") &&
        typeof props.kind === "string" &&
        typeof props.apiVersion === "string" &&
        typeof props.metadata?.name === "string"
    );
}

/**
 * The stack the check reads from a list of resources: every Kubernetes object, the objects the
 * inference extension's charts render for each release that carries its values (`chartObjects`,
 * unless the objects are there already), and each dashboard's JSON. A release of those charts at a
 * version the check has not modelled is returned in `unmodelled`; other charts are left alone.
 */
export function stackOf(resources: readonly StackResource[]): { stack: RenderedStack; unmodelled: HelmRelease[] } {
    const objects = resources.filter(isKubeObject).map((r) => r.props as KubeObject);
    const releases = resources
        .filter((r) => HELM_CHART_TYPES.has(r.type) && typeof r.props["values"] === "object")
        .map((r) => r.props as unknown as HelmRelease);
    const dashboards: Dashboard[] = resources
        .filter((r) => r.type === DASHBOARD_TYPE && typeof r.props["dashboardJson"] === "string")
        .map((r) => ({ name: r.name, json: r.props["dashboardJson"] as string }));
    const expanded = withChartObjects(objects, releases);
    return { stack: { objects: expanded.objects, dashboards }, unmodelled: expanded.unmodelled };
}

/** What the resources themselves say of the surroundings: the ranges of any proxy-only subnet the
 * stack creates (`gcp:compute/subnetwork:Subnetwork`, purpose `REGIONAL_MANAGED_PROXY`: Compute
 * Engine's API, https://cloud.google.com/load-balancing/docs/proxy-only-subnets). */
export function environmentOf(resources: readonly StackResource[]): Environment {
    const ranges = resources
        .filter(
            (r) =>
                r.type === "gcp:compute/subnetwork:Subnetwork" && r.props["purpose"] === "REGIONAL_MANAGED_PROXY" && typeof r.props["ipCidrRange"] === "string",
        )
        .map((r) => r.props["ipCidrRange"] as string);
    return ranges.length === 0 ? {} : { proxyOnlySubnetRanges: ranges };
}
