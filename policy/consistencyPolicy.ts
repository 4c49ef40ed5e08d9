/**
 * The consistency check as a stack policy: on a real `pulumi preview --policy-pack policy` it sees
 * every Kubernetes object, those the provider expands from the Helm charts included, so the
 * charts' own objects (the InferencePool's selector and ports, the EPP Service, BBR) are checked
 * with the program's. Each finding is one mandatory violation, on the resource it is about.
 */
import type { PolicyResource, ReportViolation, StackValidationArgs, StackValidationPolicy } from "@pulumi/policy";
import { Environment, HELM_CHART_TYPES, ObjectRef, StackResource, checkConsistency, describe, environmentOf, stackOf } from "../tools/consistency";

/** The policy's config (`--policy-pack-config`): what the stack's objects cannot say. */
export interface ConsistencyPolicyConfig {
    /** The region's proxy-only subnet ranges, where a GKE Gateway's proxies connect from
     * (`gcloud compute networks subnets list --filter=purpose=REGIONAL_MANAGED_PROXY`); a stack that
     * creates the subnet needs none. */
    proxyOnlySubnetRanges?: string[];
    /** Objects made outside the stack that its objects may name, e.g. `{kind: "Secret", namespace:
     * "serving", name: "hf-token"}`. */
    existingObjects?: { kind: string; namespace?: string; name: string }[];
}

/**
 * The known part of a value: during a preview, a property the engine cannot know yet throws when
 * read (@pulumi/policy's unknownCheckingProxy), so each one is left out rather than failing the
 * whole check; the rules then judge what is known.
 */
export function knownPart(value: unknown): unknown {
    if (typeof value !== "object" || value === null) return value;
    const read = (key: string | number): { value?: unknown; known: boolean } => {
        try {
            return { value: knownPart((value as Record<string | number, unknown>)[key]), known: true };
        } catch {
            return { known: false };
        }
    };
    if (Array.isArray(value))
        return value
            .map((_, i) => read(i))
            .filter((r) => r.known)
            .map((r) => r.value);
    return Object.fromEntries(
        Object.keys(value).flatMap((key) => {
            const r = read(key);
            return r.known ? [[key, r.value]] : [];
        }),
    );
}

/** `kind namespace/name (path)` of each object, for a violation's message. */
function involved(objects: ObjectRef[]): string {
    return objects.map((o) => `${describe(o)}${o.path === undefined ? "" : ` (${o.path})`}`).join("; ");
}

/** The resource a finding is about: the first of its objects the stack registered. */
function resourceOf(resources: readonly PolicyResource[], objects: ObjectRef[]): string | undefined {
    for (const object of objects) {
        const found = resources.find((r) => {
            const metadata = (r.props as { kind?: string; metadata?: { name?: string; namespace?: string } }) ?? {};
            return (
                metadata.kind === object.kind &&
                metadata.metadata?.name === object.name &&
                (metadata.metadata?.namespace ?? "default") === (object.namespace ?? "default")
            );
        });
        if (found !== undefined) return found.urn;
    }
    return undefined;
}

/** Runs the check over the stack's resources and reports each finding. */
export function validateConsistency(args: Pick<StackValidationArgs, "resources" | "getConfig" | "notApplicable">, reportViolation: ReportViolation): void {
    // A chart whose provider cannot reach its cluster yet (one made in the same run) is previewed
    // without children (pulumi/pulumi#16868): what it renders cannot be seen, so neither can the
    // paths through it. `pulumi up` and every later preview see them.
    const unexpanded = args.resources.filter((r) => HELM_CHART_TYPES.has(r.type) && !args.resources.some((child) => child.parent?.urn === r.urn));
    if (unexpanded.length > 0)
        args.notApplicable(`the provider did not expand ${unexpanded.map((r) => r.name).join(", ")} in this preview, so their objects cannot be checked`);
    const resources: StackResource[] = args.resources
        .filter((r) => r.type.startsWith("kubernetes:") || r.type.startsWith("gcp:"))
        .map((r) => ({ type: r.type, name: r.name, props: knownPart(r.props) as Record<string, unknown> }));
    const config = args.getConfig<ConsistencyPolicyConfig>();
    const derived = environmentOf(resources);
    const environment: Environment = {
        proxyOnlySubnetRanges: [...(config.proxyOnlySubnetRanges ?? []), ...(derived.proxyOnlySubnetRanges ?? [])],
        existingObjects: config.existingObjects ?? [],
    };
    const { stack } = stackOf(resources);
    for (const finding of checkConsistency(stack, environment).findings) {
        reportViolation(`${finding.rule}: ${finding.message} [${involved(finding.objects)}]`, resourceOf(args.resources, finding.objects));
    }
}

/** The policy. */
export const consistencyPolicy: StackValidationPolicy = {
    name: "multi-model-inference-consistency",
    description: "Every object against every other and against upstream facts at the pinned tags: request path, ports, references, NetworkPolicies, metrics.",
    enforcementLevel: "mandatory",
    configSchema: {
        properties: {
            proxyOnlySubnetRanges: { type: "array", items: { type: "string" } },
            existingObjects: {
                type: "array",
                items: {
                    type: "object",
                    properties: { kind: { type: "string" }, namespace: { type: "string" }, name: { type: "string" } },
                    required: ["kind", "name"],
                },
            },
        },
    },
    validateStack: validateConsistency,
};
