/**
 * Runs the real stack program (`stacks/index.ts`, the code `pulumi up` runs) in-process under
 * Pulumi's mock runtime with a stack's config, and records every resource registration as the
 * engine would receive it: URN, type, name, parent, provider and inputs, with secrets still
 * marked. Shared by the offline render and the tests.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import * as pulumi from "@pulumi/pulumi";
import { MockMonitor } from "@pulumi/pulumi/runtime/mocks";
import * as rpc from "@pulumi/pulumi/runtime/rpc";
import * as sdkSettings from "@pulumi/pulumi/runtime/settings";
import * as sdkState from "@pulumi/pulumi/runtime/state";
import { parse as parseYaml } from "yaml";
import { CODE_ROOT, REPO_ROOT } from "./repoRoot";
import { StackFileError, readStackFile } from "./stackFile";

export { REPO_ROOT };

/** What a mocked `secure:` config value is replaced with. Tests search every output for it. */
export const MOCK_SECRET_VALUE = "mock-secret-value-that-must-never-appear-in-plain-text";

/** The address the mocked GKE Gateway controller gives the Gateway. */
export const MOCK_GATEWAY_ADDRESS = "<gateway-address>";

/** The project number the mocked Resource Manager returns for any project. */
export const MOCK_PROJECT_NUMBER = "123456789012";

/** Stands in for a secret value in anything written or printed. */
export const SECRET_PLACEHOLDER = "[secret]";

/** One resource as the program registered it. */
export interface RecordedResource {
    /** URN, as the engine would give it. */
    urn: string;
    /** Resource type token. */
    type: string;
    /** Resource name. */
    name: string;
    /** Parent URN, or null at the top. */
    parent: string | null;
    /** True for a provider-managed (custom) resource, false for a component. */
    custom: boolean;
    /** Provider reference (`<urn>::<id>`), or null for the default provider. */
    provider: string | null;
    /** Inputs as sent to the engine; secret values are wrapped in {@link isSecretValue} markers. */
    inputs: Record<string, unknown>;
    /** The resource options the engine acts on. */
    options: RecordedOptions;
}

/** The resource options of a registration that change what `pulumi up` does. */
export interface RecordedOptions {
    /** Protected from deletion. */
    protect: boolean;
    /** URNs it waits for. */
    dependsOn: string[];
    /** How long the engine waits for create and update, where set (e.g. `40m`). */
    customTimeouts: { create?: string; update?: string };
}

/** The result of one run. */
export interface ProgramRun {
    /** Every registered resource, in registration order. */
    resources: RecordedResource[];
    /** The stack's exports, resolved. */
    outputs: Record<string, unknown>;
    /** Names of exports that are secret. */
    secretOutputs: string[];
}

/** True for a value the engine would hold as a secret. */
export function isSecretValue(value: unknown): value is { value: unknown } {
    return typeof value === "object" && value !== null && (value as Record<string, unknown>)[rpc.specialSigKey] === rpc.specialSecretSig;
}

/** Replaces every secret value in `value` with {@link SECRET_PLACEHOLDER}, keeping the shape of
 * a secret object (its keys are not secret) so that a redacted manifest stays valid. */
export function redactSecrets(value: unknown, insideSecret = false): unknown {
    if (isSecretValue(value)) return redactSecrets(value.value, true);
    if (Array.isArray(value)) return value.map((item) => redactSecrets(item, insideSecret));
    if (typeof value === "object" && value !== null) {
        return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, redactSecrets(v, insideSecret)]));
    }
    return insideSecret ? SECRET_PLACEHOLDER : value;
}

/** Reads `Pulumi.yaml`'s project name. */
export function projectName(): string {
    const project = parseYaml(fs.readFileSync(path.join(REPO_ROOT, "Pulumi.yaml"), "utf8")) as { name: string };
    return project.name;
}

/** True for a `secure:` value of a stack file as the Pulumi CLI reads one: an object whose only
 * key is `secure`, holding a string. Anything else (another key beside it, a number) is plain
 * text to the CLI, and so to the program. */
const isSecure = (value: unknown) =>
    typeof value === "object" &&
    value !== null &&
    !Array.isArray(value) &&
    Object.keys(value).length === 1 &&
    typeof (value as { secure?: unknown }).secure === "string";

/** `value` with every `secure:` value in it replaced by {@link MOCK_SECRET_VALUE}. */
function mockSecrets(value: unknown): unknown {
    if (isSecure(value)) return MOCK_SECRET_VALUE;
    if (Array.isArray(value)) return value.map(mockSecrets);
    if (typeof value === "object" && value !== null) return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, mockSecrets(v)]));
    return value;
}

/** True when `value` holds a list with both `secure:` items and plain strings (a key list whose
 * later entries were set with `pulumi config set --path key[1]` and no `--secret`). */
function mixesSecureAndPlain(value: unknown): boolean {
    if (typeof value !== "object" || value === null || isSecure(value)) return false;
    if (Array.isArray(value) && value.some(isSecure) && value.some((item) => typeof item === "string")) return true;
    return Object.values(value).some(mixesSecureAndPlain);
}

/** True when `value` holds a `secure:` value anywhere. */
function holdsSecret(value: unknown): boolean {
    if (isSecure(value)) return true;
    return typeof value === "object" && value !== null && Object.values(value).some(holdsSecret);
}

/**
 * Loads a stack config file as Pulumi passes config to a program: strings, with objects
 * JSON-encoded; `secure:` values become {@link MOCK_SECRET_VALUE} (or what `secretValues` gives
 * for that key: a test's stand-in for the decrypted value), and a key holding one, at the top or
 * nested (`pulumi config set --secret --path`), is listed as secret, as Pulumi holds it.
 */
export function loadStackConfig(file: string, secretValues: Record<string, string> = {}): { config: Record<string, string>; secretKeys: string[] } {
    const config: Record<string, string> = {};
    const secretKeys: string[] = [];
    for (const [key, value] of Object.entries(readStackFile(file))) {
        // Pulumi holds the whole key as a secret, so the program cannot tell; but the plain
        // entries (`pulumi config set --path key[1]` without --secret) sit in the file in clear.
        if (mixesSecureAndPlain(value)) {
            throw new StackFileError(
                `${file}: ${key} is a list that mixes secure: and plain entries, and the plain ones are stored in clear text: set the whole list as one secret (pulumi config set --secret ${key.slice(key.indexOf(":") + 1)} '<JSON list>')`,
            );
        }
        if (holdsSecret(value)) secretKeys.push(key);
        const mocked = isSecure(value) ? (secretValues[key] ?? MOCK_SECRET_VALUE) : mockSecrets(value);
        config[key] = typeof mocked === "string" ? mocked : JSON.stringify(mocked);
    }
    return { config, secretKeys };
}

// SDK internals (3.248, pinned) that the public mock API does not expose: installing our own
// monitor and waiting for outstanding registrations.
const settings = sdkSettings as typeof sdkSettings & { waitForRPCs(): Promise<void> };
const state = sdkState as unknown as { getStore(): Record<string, unknown> };

/** What the mocked cloud answers. */
const mocks: pulumi.runtime.Mocks = {
    newResource(args) {
        const state: Record<string, unknown> = { ...args.inputs };
        if (args.type === "gcp:serviceaccount/account:Account") {
            state["email"] = `${String(args.inputs["accountId"])}@${String(args.inputs["project"])}.iam.gserviceaccount.com`;
        }
        if (args.type === "kubernetes:gateway.networking.k8s.io/v1:Gateway") {
            state["status"] = { addresses: [{ type: "IPAddress", value: MOCK_GATEWAY_ADDRESS }] };
        }
        if (args.type === "gcp:certificatemanager/dnsAuthorization:DnsAuthorization") {
            // What Certificate Manager answers for a PER_PROJECT_RECORD authorization.
            const domain = String(args.inputs["domain"]);
            state["dnsResourceRecords"] = [
                { name: `_acme-challenge_mock.${domain}.`, type: "CNAME", data: `mock.${domain}.authorize.certificatemanager.goog.` },
            ];
        }
        if (args.type === "gcp:container/cluster:Cluster") {
            // Named after the resource, so a kubeconfig built from it shows where it came from.
            state["endpoint"] = `${args.name}.endpoint.invalid`;
            state["masterAuth"] = { clusterCaCertificate: "bW9jay1jcmVhdGVkLWNh" };
        }
        return { id: `${args.name}-id`, state };
    },
    call(args) {
        if (args.token === "gcp:container/getCluster:getCluster") {
            return {
                ...args.inputs,
                endpoint: "cluster-endpoint.invalid",
                masterAuths: [{ clusterCaCertificate: "bW9jay1jYQ==" }],
            };
        }
        if (args.token === "gcp:organizations/getProject:getProject") {
            return { ...args.inputs, number: MOCK_PROJECT_NUMBER };
        }
        throw new Error(`unexpected invoke ${args.token}: mock it in tools/mockRuntime.ts or remove the lookup`);
    },
};

/** The URN the engine gives a resource (pulumi pkg/resource/urn.go `NewURN`): its parent's whole
 * qualified type before its own, the root stack's left out. The SDK's mock monitor takes only the
 * parent's last type, so a component's grandchildren were named otherwise than `pulumi preview`
 * names them (test/e2e.test.ts compares the two). */
function engineUrn(parent: string, type: string, name: string): string {
    const parentType = parent === "" ? "" : parent.split("::")[2];
    const qualified = parentType === "" || parentType === "pulumi:pulumi:Stack" ? type : `${parentType}$${type}`;
    return `urn:pulumi:${pulumi.getStack()}::${pulumi.getProject()}::${qualified}::${name}`;
}

class RecordingMonitor extends MockMonitor {
    readonly recorded: RecordedResource[] = [];

    constructor(mocks: pulumi.runtime.Mocks) {
        super(mocks);
        // The SDK's `newUrn` is private in its typings: replaced on the instance.
        Object.assign(this, { newUrn: engineUrn });
    }

    override async registerResource(req: any, callback: (err: any, response: any) => void): Promise<void> {
        const type: string = req.getType();
        const name: string = req.getName();
        const parent: string = req.getParent();
        const provider: string = req.getProvider();
        this.recorded.push({
            urn: engineUrn(parent, type, name),
            type,
            name,
            parent: parent === "" ? null : parent,
            custom: req.getCustom(),
            provider: provider === "" ? null : provider,
            inputs: rpc.deserializeProperties(req.getObject()),
            options: {
                protect: req.getProtect() === true,
                dependsOn: req.getDependenciesList(),
                customTimeouts: {
                    create: req.getCustomtimeouts()?.getCreate() || undefined,
                    update: req.getCustomtimeouts()?.getUpdate() || undefined,
                },
            },
        });
        return super.registerResource(req, callback);
    }
}

async function resolveOutput(value: unknown): Promise<{ value: unknown; secret: boolean }> {
    const output = pulumi.output(value as pulumi.Input<object>) as unknown as pulumi.Output<unknown>;
    const [resolved, secret] = await Promise.all([new Promise<unknown>((resolve) => output.apply((v) => resolve(v))), pulumi.isSecret(output)]);
    return { value: resolved, secret };
}

/** The program failed; `registered` lists what it had registered by then (for a config error:
 * nothing). The message is the program's own. */
export class ProgramRunError extends Error {
    constructor(
        /** The program's error. */
        readonly error: unknown,
        /** Resources registered before it failed. */
        readonly registered: RecordedResource[],
    ) {
        super(error instanceof Error ? error.message : String(error));
    }
}

/** Forgets the loaded stack program so that the next import runs it again. */
function unloadStackProgram(): void {
    const stacks = path.join(CODE_ROOT, "stacks") + path.sep;
    for (const id of Object.keys(require.cache)) if (id.startsWith(stacks)) delete require.cache[id];
}

/**
 * Runs the stack program with the config of `configFile` (see {@link loadStackConfig} for
 * `secretValues`). Runs are sequential: Pulumi's runtime
 * state is global, so await one before starting the next.
 */
export async function runProgram(stack: string, configFile: string, secretValues?: Record<string, string>): Promise<ProgramRun> {
    const project = projectName();
    const { config, secretKeys } = loadStackConfig(configFile, secretValues);
    const monitor = new RecordingMonitor(mocks);
    settings.setMockOptions(monitor, project, stack, false);
    // What `pulumi.runtime.setMocks` enables after installing its own monitor (SDK 3.248).
    Object.assign(state.getStore(), {
        supportsSecrets: true,
        supportsResourceReferences: true,
        supportsOutputValues: false,
        supportsDeletedWith: true,
        supportsAliasSpecs: true,
        supportsTransforms: false,
    });
    pulumi.runtime.setAllConfig(config, secretKeys);

    unloadStackProgram();
    let program: Record<string, unknown>;
    try {
        // `require`, not `import()`: a CommonJS load that `unloadStackProgram` can undo, and
        // that resolves `stacks/index` to `.ts` source or compiled `.js` alike, under any loader.
        program = require(path.join(CODE_ROOT, "stacks", "index")) as Record<string, unknown>;
    } catch (error) {
        await settings.waitForRPCs();
        throw new ProgramRunError(error, monitor.recorded);
    }
    const outputs: Record<string, unknown> = {};
    const secretOutputs: string[] = [];
    for (const [name, value] of Object.entries(program)) {
        const resolved = await resolveOutput(value);
        outputs[name] = resolved.value;
        if (resolved.secret) secretOutputs.push(name);
    }
    await settings.waitForRPCs();
    return { resources: monitor.recorded, outputs, secretOutputs };
}
