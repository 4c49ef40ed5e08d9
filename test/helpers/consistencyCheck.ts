/**
 * The consistency check (tools/consistency) and its policy pack (policy/) over a mocked run: the
 * resources as the check reads them, what the stack file states about the surroundings, the
 * resources a real preview's `validateStack` would see (each chart's objects as children of the
 * chart), and hand-made faults with what the check must say about each.
 */
import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import type { PolicyResource } from "@pulumi/policy";
import { parse as parseYaml } from "yaml";
import { INFERENCE_CHARTS } from "../../components";
import { validateConsistency } from "../../policy/consistencyPolicy";
import { Environment, Finding, StackResource, checkConsistency, stackOf } from "../../tools/consistency";
import { chartObjects } from "../../tools/consistency/chartObjects";
import { HelmRelease } from "../../tools/consistency/objects";
import { REPO_ROOT, ProgramRun, redactSecrets } from "../../tools/mockRuntime";
import { configKey } from "./stackConfigs";
import { toolsNotBuilt } from "../../tools/local/toolchain";

/** Why the charts' own objects cannot be rendered here (`helm template` of the chart archives
 * that `npm run tools` lays out), or undefined: the tests that need them skip, saying so. */
export const CHARTS_MISSING = toolsNotBuilt(["helm"]);

/** An inferencepool release `llama` in `serving` at chart `version`, as `chartObjects` renders it. */
export const poolRelease = (values: Record<string, unknown>, version = "v1.0.0"): HelmRelease => ({
    chart: INFERENCE_CHARTS.inferencePool.chart,
    version,
    name: "llama",
    namespace: "serving",
    values,
});

/** The values that select a model's pods, for provider `provider`. */
export const poolValues = (provider: string) => ({
    provider: { name: provider },
    inferencePool: { modelServers: { matchLabels: { app: "vllm-llama" } }, targetPorts: [{ number: 8000 }] },
});

/** The resources of a run as the check reads them, secrets redacted. */
export function stackResources(run: ProgramRun): StackResource[] {
    return run.resources.map((r) => ({ type: r.type, name: r.name, props: redactSecrets(r.inputs) as Record<string, unknown> }));
}

/** What the user states about the cluster's surroundings: the proxy-only subnet of the stack file. */
export function stackEnvironment(stack: string): Environment {
    const file = parseYaml(fs.readFileSync(path.join(REPO_ROOT, `Pulumi.${stack}.yaml`), "utf8")) as {
        config: Record<string, { gatewaySourceRanges?: string[] }>;
    };
    const ranges = file.config[configKey("networkPolicy")]?.gatewaySourceRanges;
    return ranges === undefined ? {} : { proxyOnlySubnetRanges: ranges };
}

/** The check's findings on `resources`. */
export function findingsOf(resources: StackResource[], environment: Environment): Finding[] {
    return checkConsistency(stackOf(resources).stack, environment).findings;
}

/** The resources a `validateStack` policy sees in a real preview: each chart's objects as the
 * provider registers them, children of the chart. A resource a test added by hand gets a URN of
 * its own. */
export function policyResources(run: ProgramRun, resources: StackResource[] = stackResources(run)): PolicyResource[] {
    const out: PolicyResource[] = [];
    for (const { type, name, props: inputs } of resources) {
        const urn = run.resources.find((r) => r.type === type && r.name === name)?.urn ?? `urn:pulumi:test::added::${type}::${name}`;
        const resource = { type, name, urn, props: inputs } as unknown as PolicyResource;
        out.push(resource);
        if (type !== "kubernetes:helm.sh/v4:Chart") continue;
        for (const object of chartObjects(inputs as unknown as HelmRelease) ?? []) {
            const group = object.apiVersion.includes("/") ? object.apiVersion : `core/${object.apiVersion}`;
            const child = `kubernetes:${group}:${object.kind}`;
            out.push({
                type: child,
                name: object.metadata.name,
                urn: `${urn}$${child}::${object.metadata.name}`,
                props: object,
                parent: resource,
            } as unknown as PolicyResource);
        }
    }
    return out;
}

/** The policy's violations on `resources`, with `environment` as its config. */
export function runPolicy(resources: PolicyResource[], environment: Environment): { message: string; urn?: string }[] {
    const violations: { message: string; urn?: string }[] = [];
    validateConsistency(
        {
            resources,
            getConfig: <T extends object>() => environment as T,
            notApplicable: (reason?: string): never => {
                throw new Error(`not applicable: ${reason}`);
            },
        },
        (message, urn) => violations.push({ message, ...(urn === undefined ? {} : { urn }) }),
    );
    return violations;
}

type Props = any;
/** The inputs of the resource of `type` (its last segment) named `name`, to break by hand. */
export function props(resources: StackResource[], type: string, name: string): Props {
    const found = resources.find((r) => r.type.endsWith(`:${type}`) && r.name === name);
    assert.ok(found, `no ${type} ${name}`);
    return found.props;
}

/** One fault, made by hand, and what the check must say about it. */
export interface Break<Variant extends string = string> {
    what: string;
    variant: Variant;
    apply: (resources: StackResource[]) => void;
    /** A finding of this rule, matching this message, naming these objects (`kind/name#path`). */
    rule: string;
    message: RegExp;
    objects: string[];
}

const at = (o: { kind: string; name: string; path?: string }) => `${o.kind}/${o.name}${o.path === undefined ? "" : `#${o.path}`}`;

/** The finding that reports `fault`, naming its objects; fails the test if there is none. */
export function reported(findings: Finding[], fault: Break): Finding {
    const finding = findings.find((f) => f.rule === fault.rule && fault.message.test(f.message));
    assert.ok(finding, `${fault.what}: not reported; found:\n${findings.map((f) => `${f.rule}: ${f.message}`).join("\n")}`);
    for (const object of fault.objects)
        assert.ok(finding.objects.map(at).includes(object), `${fault.what}: ${object} not among ${finding.objects.map(at).join(", ")}`);
    return finding;
}

/** The policy's violation that reports `fault`, naming each of its objects; fails the test if none. */
export function violationFor(violations: { message: string; urn?: string }[], fault: Break): { message: string; urn?: string } {
    const violation = violations.find((v) => v.message.startsWith(`${fault.rule}: `) && fault.message.test(v.message));
    assert.ok(violation, `${fault.what}: no violation among ${violations.map((v) => v.message).join("\n")}`);
    for (const name of fault.objects.map((o) => o.split(/[/#]/)[1])) assert.ok(violation.message.includes(name), `${fault.what}: ${violation.message}`);
    return violation;
}
