/**
 * One real `pulumi` operation (preview, up, destroy) on a stack of the local file backend, run by
 * the CLI of `npm run tools` through the Automation API, with the stack program
 * (`build/stacks/index.js`) as its inline program: the Node.js language host is not served by the
 * Go module proxy, and the Automation API serves the program to the CLI itself. Each operation
 * runs in a process of its own (this file), so that the program's modules load afresh. Reads the
 * request as JSON from argv[2]; streams the CLI's output; ends with one `::result::` line.
 */
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { EngineEvent, LocalWorkspace, PulumiCommand } from "@pulumi/pulumi/automation";
import { REPO_ROOT } from "../repoRoot";
import { BIN_DIR, CACHE_DIR } from "./cache";

/** What to run. */
export interface PulumiRequest {
    /** The operation. */
    op: "preview" | "up" | "destroy";
    /** Stack name in the local backend. */
    stack: string;
    /** The project's config, plain values (objects as JSON), by key without the project prefix. */
    config: Record<string, unknown>;
    /** Config values held as secrets. */
    secrets: Record<string, string>;
    /** Policy pack directories to run beside the operation. */
    policyPacks?: string[];
    /** Their config files (`--policy-pack-config`), one per pack. */
    policyPackConfigs?: string[];
    /** Remove the stack from the backend after a destroy. */
    removeStack?: boolean;
}

/** What came back. */
export interface PulumiResult {
    /** Whether the CLI succeeded. */
    ok: boolean;
    /** Resource changes by operation, for an update. */
    changes?: Record<string, number>;
    /** Each resource the operation touched, with what it did (`create`, `update`, `replace`,
     * `delete`, ...); unchanged ones left out. */
    steps?: Array<{ op: string; urn: string }>;
    /** The stack's outputs after an update. */
    outputs?: Record<string, unknown>;
    /** The error's message when it failed. */
    error?: string;
}

/** The project's name, as in Pulumi.yaml. */
export const PROJECT = "multi-model-inference";
/** The local backend and the passphrase of its secrets provider (a test stack's; its secrets are
 * the e2e's own fakes). */
export const LOCAL_BACKEND = { url: `file://${path.join(CACHE_DIR, "state")}`, passphrase: "local-e2e-passphrase" } as const;

/** The environment every CLI run gets: the tools first on PATH (the Kubernetes provider and the
 * policy analyzer are found there), the local backend, nothing fetched. */
export function cliEnvironment(): Record<string, string> {
    return {
        PATH: `${BIN_DIR}:${path.join(REPO_ROOT, "tools", "local", "bin")}:${process.env.PATH ?? ""}`,
        PULUMI_BACKEND_URL: LOCAL_BACKEND.url,
        PULUMI_CONFIG_PASSPHRASE: LOCAL_BACKEND.passphrase,
        PULUMI_SKIP_UPDATE_CHECK: "true",
        PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION: "true",
        PULUMI_HOME: path.join(CACHE_DIR, "pulumi-home"),
    };
}

/** The runs holding a stack of the local backend: its lock files (pulumi/pulumi v3.248.0
 * pkg/backend/diy/lock.go:38-43 `lockContent`, 169-177 `stackLockDir`:
 * `.pulumi/locks/<org>/<project>/<stack>/<id>.json`). */
export function lockHolders(stack: string): Array<{ pid: number; hostname: string }> {
    const dir = path.join(CACHE_DIR, "state", ".pulumi", "locks", "organization", PROJECT, stack);
    const files = fs.existsSync(dir) ? fs.readdirSync(dir).filter((f) => f.endsWith(".json")) : [];
    return files.map((f) => JSON.parse(fs.readFileSync(path.join(dir, f), "utf8")) as { pid: number; hostname: string });
}

/** Whether a process of this host is still there. */
export function running(pid: number): boolean {
    try {
        process.kill(pid, 0);
        return true;
    } catch (error) {
        return (error as NodeJS.ErrnoException).code === "EPERM";
    }
}

/** Whether every lock on the stack was left by a run of this host that is gone (a killed test or
 * CI run), which the CLI would refuse until `pulumi cancel` removes them. A live run's lock, or
 * another host's, is left for the CLI to report. */
function onlyStaleLocks(stack: string): boolean {
    const holders = lockHolders(stack);
    return holders.length > 0 && holders.every((lock) => lock.hostname === os.hostname() && !running(lock.pid));
}

async function run(request: PulumiRequest): Promise<PulumiResult> {
    const env = cliEnvironment();
    Object.assign(process.env, env);
    // A folder per stack: operations on two stacks may run at once.
    const workDir = path.join(CACHE_DIR, "workspace", request.stack);
    fs.mkdirSync(workDir, { recursive: true });
    fs.mkdirSync(path.join(CACHE_DIR, "state"), { recursive: true });
    const pulumiCommand = await PulumiCommand.get({ root: CACHE_DIR, skipVersionCheck: false });
    const stack = await LocalWorkspace.createOrSelectStack(
        { stackName: request.stack, projectName: PROJECT, program: async () => require(path.join(REPO_ROOT, "build", "stacks", "index.js")) },
        {
            pulumiCommand,
            envVars: env,
            workDir,
            projectSettings: { name: PROJECT, runtime: "nodejs", backend: { url: LOCAL_BACKEND.url } },
        },
    );
    if (onlyStaleLocks(request.stack)) await stack.cancel();
    await stack.setAllConfig({
        ...Object.fromEntries(
            Object.entries(request.config).map(([key, value]) => [key, { value: typeof value === "string" ? value : JSON.stringify(value) }]),
        ),
        ...Object.fromEntries(Object.entries(request.secrets).map(([key, value]) => [key, { value, secret: true }])),
    });
    const onOutput = (out: string) => process.stdout.write(out);
    const steps: Array<{ op: string; urn: string }> = [];
    const onEvent = (event: EngineEvent) => {
        const step = event.resourcePreEvent?.metadata;
        if (step !== undefined && step.op !== "same") steps.push({ op: step.op, urn: step.urn });
    };
    const { policyPacks, policyPackConfigs } = request;
    if (request.op === "preview") {
        const result = await stack.preview({ onOutput, onEvent, policyPacks, policyPackConfigs });
        return { ok: true, changes: result.changeSummary as Record<string, number>, steps };
    }
    if (request.op === "up") {
        const result = await stack.up({ onOutput, onEvent, policyPacks, policyPackConfigs });
        const outputs = Object.fromEntries(Object.entries(result.outputs).map(([key, value]) => [key, value.secret ? "[secret]" : value.value]));
        return { ok: true, changes: result.summary.resourceChanges as Record<string, number>, steps, outputs };
    }
    await stack.destroy({ onOutput });
    if (request.removeStack) await stack.workspace.removeStack(request.stack);
    return { ok: true };
}

if (require.main === module) {
    run(JSON.parse(process.argv[2]) as PulumiRequest)
        .then((result) => console.log(`::result::${JSON.stringify(result)}`))
        .catch((error: Error) => {
            console.log(`::result::${JSON.stringify({ ok: false, error: error.message })}`);
            process.exitCode = 1;
        });
}
