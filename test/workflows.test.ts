// Checks the GitHub Actions workflows offline: each file is a valid workflow, every third-party
// action is pinned to the commit of its current release, every stack file in the repository is
// previewed and deployed, and, job by job, by what the runner would do: each job's effective
// token permissions, no test step that may fail quietly, no `if:` guard that is always true, and
// secrets or OIDC tokens only in jobs that cannot run for forks, with the guards evaluated for each
// event that starts the workflow (test/helpers/githubExpressions.ts). The stacks previewed and
// deployed are listed by running the workflows' own listing step in the checkout, so a new
// Pulumi.<stack>.yaml is covered with nothing to edit, and a listing that missed one fails here.
// (test/planDiffWorkflow.test.ts runs the plan-diff job itself.)
import test from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { isScalar, parse, parseDocument, visit } from "yaml";
import { MUTATION_PAGE } from "../tools/mutationReport";
import { stackNames } from "../tools/render";
import { REPO_ROOT as repoRoot } from "../tools/repoRoot";
import { ExpressionValue, evaluate, evaluateField, looselyEqual, truthy } from "./helpers/githubExpressions";

const workflowsDir = path.join(repoRoot, ".github", "workflows");
const validatorCli = path.join(repoRoot, "node_modules", "@action-validator", "cli", "cli.mjs");

/**
 * The release each action is pinned to: the newest tag of its repository and the commit it names
 * (`git rev-parse <tag>^{commit}` in a fetched copy of each repository, 2026-12-01); every one of
 * them runs on Node 24 (`runs.using: node24` in its action.yml at that tag).
 */
const ACTION_RELEASES: Record<string, { tag: string; commit: string }> = {
    "actions/checkout": { tag: "v7.0.1", commit: "3d3c42e5aac5ba805825da76410c181273ba90b1" },
    "actions/setup-node": { tag: "v7.0.0", commit: "820762786026740c76f36085b0efc47a31fe5020" },
    "actions/upload-artifact": { tag: "v7.0.0", commit: "bbbca2ddaa5d8feaa63e36b76fdaad77386f024f" },
    "actions/setup-go": { tag: "v7.0.0", commit: "b7ad1dad31e06c5925ef5d2fc7ad053ef454303e" },
    "actions/cache": { tag: "v5.0.5", commit: "27d5ce7f107fe9357f9df03efb73ab90386fccae" },
    "actions/download-artifact": { tag: "v8.0.1", commit: "3e5f45b2cfb9172054b4087a40e8e0b5a5461e7c" },
    "actions/github-script": { tag: "v8.0.0", commit: "ed597411d8f924073f98dfc5c65a23a2325f34cd" },
    "google-github-actions/auth": { tag: "v3.0.0", commit: "7c6bc770dae815cd3e89ee6cdf493a5fab2cc093" },
    "google-github-actions/setup-gcloud": { tag: "v3.0.1", commit: "aa5489c8933f4cc7a4f7d45035b3b1440c9c10db" },
    "pulumi/actions": { tag: "v7.0.0", commit: "8e5e406f4007fca908480587cb9893c07090f58d" },
};

/** The parts of a workflow file these tests read; everything else is left untyped. */
interface Step {
    id?: string;
    name?: string;
    uses?: string;
    run?: string;
    if?: string | boolean;
    with?: Record<string, unknown>;
    "continue-on-error"?: string | boolean;
}

/** `permissions:` as written: a map of scopes, `read-all`, `write-all` or `{}`. */
type Permissions = Record<string, string> | string;

interface Job {
    /** A workflow of this repository the job calls (`./.github/workflows/<file>`). */
    uses?: string;
    outputs?: Record<string, string>;
    if?: string | boolean;
    environment?: string | { name: string };
    permissions?: Permissions;
    "continue-on-error"?: string | boolean;
    strategy?: { matrix?: Record<string, unknown>; "max-parallel"?: number };
    concurrency?: string | { group: string; "cancel-in-progress"?: boolean };
    steps?: Step[];
}

interface Workflow {
    name?: string;
    on: Record<string, unknown>;
    permissions?: Permissions;
    env?: Record<string, unknown>;
    jobs: Record<string, Job>;
}

/** One matrix combination, e.g. `{ stack: "gke" }`. */
type MatrixCombo = Record<string, string>;

function workflowFiles(): string[] {
    return fs
        .readdirSync(workflowsDir)
        .filter((file) => /\.ya?ml$/.test(file))
        .sort();
}

function loadWorkflow(file: string): Workflow {
    return parse(fs.readFileSync(path.join(workflowsDir, file), "utf8")) as Workflow;
}

/** The workflow a job calls, by its `uses: ./.github/workflows/<file>`. */
const calledBy = (job: Job): Workflow => loadWorkflow(path.basename(String(job.uses)));

/**
 * The values of a matrix axis: a list as written, or `${{ fromJSON(needs.<job>.outputs.<name>) }}`
 * of a job that calls a workflow of this repository, computed as the runner would: the called
 * workflow's output names a job's output, which names a step's, and that step runs here, in the
 * checkout (or `checkout`), with its own `$GITHUB_OUTPUT`.
 */
function axisValues(workflow: Workflow, values: unknown, checkout = repoRoot): unknown[] {
    if (Array.isArray(values)) return values;
    const need = /^\$\{\{\s*fromJSON\(needs\.([\w-]+)\.outputs\.([\w-]+)\)\s*\}\}$/.exec(String(values));
    assert.ok(need !== null, `matrix axis ${JSON.stringify(values)} is neither a list nor fromJSON of a called workflow's output`);
    const called = calledBy(workflow.jobs[need[1]]);
    const outputs = (called.on["workflow_call"] as { outputs: Record<string, { value: string }> }).outputs;
    const [, jobId, jobOutput] = /jobs\.([\w-]+)\.outputs\.([\w-]+)/.exec(outputs[need[2]].value) ?? [];
    const job = called.jobs[jobId];
    const [, stepId, stepOutput] = /steps\.([\w-]+)\.outputs\.([\w-]+)/.exec(job.outputs?.[jobOutput] ?? "") ?? [];
    const step = job.steps?.find((s) => s.id === stepId);
    assert.ok(step?.run !== undefined, `${need[1]}: no step ${stepId} with a run: script`);
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "github-output-"));
    try {
        const outputFile = path.join(dir, "output");
        const result = spawnSync("bash", ["--noprofile", "--norc", "-eo", "pipefail", "-c", step.run], {
            cwd: checkout,
            env: { ...process.env, GITHUB_OUTPUT: outputFile },
            encoding: "utf8",
        });
        assert.equal(result.status, 0, result.stderr);
        const line = fs
            .readFileSync(outputFile, "utf8")
            .split("\n")
            .find((l) => l.startsWith(`${stepOutput}=`));
        return JSON.parse(line?.slice(stepOutput.length + 1) ?? "null") as unknown[];
    } finally {
        fs.rmSync(dir, { recursive: true, force: true });
    }
}

/**
 * Every combination of a job's matrix (the cartesian product of its axes), or one empty
 * combination when there is no matrix. `include`/`exclude` change combinations in ways this
 * helper does not model, so they are rejected rather than evaluated wrongly.
 */
function matrixCombos(workflow: Workflow, job: Job): MatrixCombo[] {
    const matrix = job.strategy?.matrix ?? {};
    assert.ok(!("include" in matrix) && !("exclude" in matrix), "matrix include/exclude is not modelled by this test");
    let combos: MatrixCombo[] = [{}];
    for (const [axis, written] of Object.entries(matrix)) {
        const values = axisValues(workflow, written);
        assert.ok(Array.isArray(values), `matrix axis ${axis} must be a list`);
        combos = combos.flatMap((combo) => values.map((value) => ({ ...combo, [axis]: String(value) })));
    }
    return combos;
}

/** Replaces `${{ matrix.<axis> }}` with the combination's value; other expressions stay. */
function substituteMatrix(template: string, combo: MatrixCombo): string {
    return template.replace(/\$\{\{\s*matrix\.([\w-]+)\s*\}\}/g, (whole, axis: string) => combo[axis] ?? whole);
}

/** What one pulumi/actions step does for one matrix combination. */
interface PulumiRun {
    job: Job;
    stack: string;
    environment: string | undefined;
    step: Step;
}

/** Every stack that some job in `file` runs pulumi/actions `command` against. */
function pulumiRuns(file: string, command: string): PulumiRun[] {
    const runs: PulumiRun[] = [];
    const workflow = loadWorkflow(file);
    for (const job of Object.values(workflow.jobs)) {
        for (const step of job.steps ?? []) {
            if (!step.uses?.startsWith("pulumi/actions@") || step.with?.command !== command) continue;
            for (const combo of matrixCombos(workflow, job)) {
                const environment = typeof job.environment === "object" ? job.environment.name : job.environment;
                runs.push({
                    job,
                    stack: substituteMatrix(String(step.with["stack-name"]), combo),
                    environment: environment === undefined ? undefined : substituteMatrix(environment, combo),
                    step,
                });
            }
        }
    }
    return runs;
}

test("the repository has stack files to cover", () => {
    // Guards the tests below against passing vacuously if the glob stopped matching.
    assert.ok(stackNames().length > 0, "no Pulumi.<stack>.yaml files found in the repository root");
});

test("a new stack file is previewed and deployed with no workflow to edit", () => {
    const checkout = fs.mkdtempSync(path.join(os.tmpdir(), "checkout-"));
    try {
        for (const file of ["Pulumi.yaml", "Pulumi.gke.yaml", "Pulumi.istio.yaml"]) fs.copyFileSync(path.join(repoRoot, file), path.join(checkout, file));
        fs.copyFileSync(path.join(repoRoot, "Pulumi.gke.yaml"), path.join(checkout, "Pulumi.acme.yaml"));
        assert.deepEqual(stackNames(checkout), ["acme", "gke", "istio"]);
        for (const file of ["preview.yml", "deploy.yml"]) {
            const workflow = loadWorkflow(file);
            const axes = Object.values(workflow.jobs).flatMap((job) => (job.strategy?.matrix?.stack === undefined ? [] : [job.strategy.matrix.stack]));
            assert.equal(axes.length, 1, `${file}: one job with a stack matrix`);
            assert.deepEqual(axisValues(workflow, axes[0], checkout), stackNames(checkout), file);
        }
    } finally {
        fs.rmSync(checkout, { recursive: true, force: true });
    }
});

test("action-validator accepts every workflow file", () => {
    const files = workflowFiles();
    assert.ok(files.length > 0, `no workflow files in ${workflowsDir}`);
    for (const file of files) {
        // The CLI takes exactly one file per run; it prints nothing on success and JSON errors otherwise.
        const result = spawnSync(process.execPath, [validatorCli, path.join(".github", "workflows", file)], {
            cwd: repoRoot,
            encoding: "utf8",
        });
        assert.equal(result.status, 0, `action-validator rejected ${file}:\n${result.stdout}${result.stderr}`);
    }
});

test("every workflow sets explicit permissions and pins each action to its release's commit", () => {
    let pinned = 0;
    for (const file of workflowFiles()) {
        // Without a top-level `permissions`, the token gets the repository's (possibly broad) default.
        assert.ok(loadWorkflow(file).permissions !== undefined, `${file}: no top-level permissions`);
        // A tag can be moved to other code; a commit cannot. The comment says which release it is.
        visit(parseDocument(fs.readFileSync(path.join(workflowsDir, file), "utf8")), {
            Pair(_, pair) {
                if (!isScalar(pair.key) || pair.key.value !== "uses" || !isScalar(pair.value)) return;
                // A workflow of this repository runs at the caller's own commit.
                if (String(pair.value.value).startsWith("./.github/workflows/")) return;
                const [action, ref] = String(pair.value.value).split("@");
                const release = ACTION_RELEASES[action];
                assert.ok(release !== undefined, `${file}: ${action} is not a known action; add its release to ACTION_RELEASES`);
                assert.equal(ref, release.commit, `${file}: ${action} must be pinned to ${release.commit} (${release.tag})`);
                assert.equal(pair.value.comment?.trim(), release.tag, `${file}: ${action}@${ref} needs the comment # ${release.tag}`);
                pinned++;
            },
        });
    }
    assert.ok(pinned > 0, "no action found");
});

/** Every string in a parsed workflow, for checks on expressions wherever they appear. */
function strings(value: unknown): string[] {
    if (typeof value === "string") return [value];
    if (typeof value !== "object" || value === null) return [];
    return Object.values(value).flatMap(strings);
}

/** The `run:` steps of a workflow, in order. */
const runsOf = (file: string) =>
    Object.values(loadWorkflow(file).jobs).flatMap((job) => (job.steps ?? []).flatMap((step) => (step.run === undefined ? [] : [step.run])));

test("ci runs what .ci/run runs, in its order, on pushes and pull requests", () => {
    const workflow = loadWorkflow("ci.yml");
    assert.ok("push" in workflow.on && "pull_request" in workflow.on);
    // .ci/run's commands before its second Node.js line, which the matrix stands for here.
    const ciRun = fs
        .readFileSync(path.join(repoRoot, ".ci", "run"), "utf8")
        .split("\n")
        .map((l) => l.trim().replace(/^time /, ""));
    const expected = ciRun
        .slice(
            0,
            ciRun.findIndex((l) => l.includes("--prefix .ci/node24")),
        )
        .filter((l) => /^npm (ci|run tools|test)$/.test(l));
    assert.deepEqual(expected, ["npm ci", "npm run tools", "npm test"]);
    assert.deepEqual(runsOf("ci.yml"), expected);
});

test("mutation runs npm run mutation and keeps the survivors' page it writes as the run's artifact", () => {
    const steps = Object.values(loadWorkflow("mutation.yml").jobs).flatMap((job) => job.steps ?? []);
    assert.deepEqual(runsOf("mutation.yml"), ["npm ci", "npm run tools", "npm run mutation"]);
    const upload = steps.find((step) => step.uses?.startsWith("actions/upload-artifact@"));
    const uploaded = String(upload?.with?.path);
    assert.ok(path.join(repoRoot, MUTATION_PAGE).startsWith(path.join(repoRoot, uploaded)), `${MUTATION_PAGE} is not under ${uploaded}`);
    assert.ok(!fs.existsSync(path.join(repoRoot, "docs", "mutation.md")), "the survivors' page is an artifact, not a committed file");
});

/** The service account a job authenticates to Google Cloud as. */
function serviceAccountOf(job: Job): string | undefined {
    return job.steps?.find((step) => step.uses?.startsWith("google-github-actions/auth@"))?.with?.service_account as string | undefined;
}

test("preview covers every stack, only with credentials, as its own identity in its own environment", () => {
    const runs = pulumiRuns("preview.yml", "preview");
    assert.deepEqual([...new Set(runs.map((run) => run.stack))].sort(), stackNames());
    const deployAccounts = new Set(Object.values(loadWorkflow("deploy.yml").jobs).map(serviceAccountOf));
    for (const run of runs) {
        // It runs the branch's code: never as the deploy identity, and in an environment of its own.
        const account = serviceAccountOf(run.job);
        assert.equal(account, "${{ vars.GCP_PREVIEW_SERVICE_ACCOUNT }}");
        assert.ok(!deployAccounts.has(account), "preview authenticates as the deploy identity");
        assert.equal(run.environment, "preview");
        // Fork PRs get no secrets or OIDC token: the job must not start for them; nor before the
        // backend is configured. It does start for the repository's own PRs once it is.
        const starts = (event: EventContext, vars: Record<string, string>) => runsFor(run.job, event, vars);
        for (const vars of VARIABLES)
            assert.equal(starts(eventNamed("pull_request from a fork"), vars), false, `a fork's PR with vars ${JSON.stringify(vars)}`);
        assert.equal(starts(eventNamed("pull_request from the repository"), {}), false, "no backend configured");
        assert.equal(starts(eventNamed("pull_request from the repository"), CONFIGURED), true);
        assert.equal(scopesOf(run.job.permissions)["id-token"], "write", `preview ${run.stack}: no OIDC token`);
        assert.equal(run.step.with?.diff, true);
        assert.equal(run.step.with?.["comment-on-pr"], true);
        assert.equal(run.step.with?.["cloud-url"], "${{ vars.PULUMI_BACKEND_URL }}");
        // The consistency policy pack runs on the real preview, from the checkout's own directory.
        assert.equal(run.step.with?.policyPacks, "policy");
        assert.ok(fs.existsSync(path.join(repoRoot, String(run.step.with?.policyPacks), "PulumiPolicy.yaml")), "no policy pack there");
    }
});

test("deploy runs pulumi up for every stack, one environment per stack, one stack at a time", () => {
    const workflow = loadWorkflow("deploy.yml");
    assert.deepEqual(workflow.on, { push: { branches: ["main"] } });
    const runs = pulumiRuns("deploy.yml", "up");
    assert.deepEqual([...new Set(runs.map((run) => run.stack))].sort(), stackNames());
    for (const run of runs) {
        // The environment is where a person requires approval before that stack changes.
        assert.equal(run.environment, run.stack, `deploy ${run.stack}: environment must be the stack name`);
        assert.equal(scopesOf(run.job.permissions)["id-token"], "write", `deploy ${run.stack}: no OIDC token`);
        // A cancelled `pulumi up` leaves a locked stack: updates to a stack must queue, not cancel.
        const concurrency = run.job.concurrency;
        assert.ok(typeof concurrency === "object", `deploy ${run.stack}: no concurrency group`);
        assert.match(concurrency.group, /\$\{\{\s*matrix\.stack\s*\}\}/);
        assert.equal(concurrency["cancel-in-progress"], false);
        if (matrixCombos(workflow, run.job).length > 1) {
            assert.equal(run.job.strategy?.["max-parallel"], 1, "deploy matrix must run one stack at a time");
        }
    }
});

test("plan-diff runs on pull requests with a read-only token and no secrets", () => {
    const workflow = loadWorkflow("plan-diff.yml");
    assert.deepEqual(Object.keys(workflow.on), ["pull_request"]);
    // It runs PR code, so a fork must not be able to reach anything worth stealing.
    assert.deepEqual(workflow.permissions, { contents: "read" });
    for (const job of Object.values(workflow.jobs)) assert.equal(job.permissions, undefined, "a job widens the token");
    assert.ok(!strings(workflow).some((s) => /\$\{\{[^}]*\bsecrets\./.test(s)), "plan-diff must not use secrets");
});

test("plan-diff-comment posts the artifact without running PR code", () => {
    const planDiffName = loadWorkflow("plan-diff.yml").name;
    const workflow = loadWorkflow("plan-diff-comment.yml");
    const trigger = workflow.on.workflow_run as { workflows: string[]; types: string[] };
    assert.ok(planDiffName !== undefined && trigger.workflows.includes(planDiffName), "not triggered by plan-diff");
    assert.deepEqual(Object.keys(workflow.on), ["workflow_run"]);
    for (const job of Object.values(workflow.jobs)) {
        const steps = job.steps ?? [];
        // This workflow holds a writing token even for forks: it must never check out or run PR code.
        assert.ok(!steps.some((step) => step.uses?.startsWith("actions/checkout@")), "must not check out code");
        assert.ok(!steps.some((step) => step.run !== undefined), "must not run shell commands");
        assert.deepEqual(job.permissions, { actions: "read", "pull-requests": "write" });
        const script = String(steps.find((step) => step.uses?.startsWith("actions/github-script@"))?.with?.script);
        assert.ok(script.includes("<!-- plan-diff -->"), "comment is not found again by its marker");
    }
});

// ---------------------------------------------------------------------------------------------
// Job by job, by what the runner does.

/** The repository and a fork of it, as the event payloads name them. */
const REPOSITORY = "example-org/multi-model-inference";
const FORK = "someone-else/multi-model-inference";

/** One way a workflow run starts: its event, whether a fork's code or payload is behind it, and
 * the `github` context the runner gives expressions. */
interface EventContext {
    name: string;
    event: string;
    fork: boolean;
    /** The branch pushed to, for `push`. */
    branch?: string;
    github: Record<string, unknown>;
}

const pullRequest = (head: string) => ({
    pull_request: { number: 7, head: { repo: { full_name: head }, sha: "1".repeat(40) }, base: { repo: { full_name: REPOSITORY }, sha: "2".repeat(40) } },
});
const workflowRun = (event: string, conclusion: string, head: string) => ({
    workflow_run: { id: 1, event, conclusion, head_sha: "1".repeat(40), head_repository: { full_name: head } },
});
const github = (event_name: string, ref: string, event: object) => ({
    event_name,
    ref,
    repository: REPOSITORY,
    repository_owner: REPOSITORY.split("/")[0],
    event,
});

/** Every event context the workflows are judged under (docs.github.com "Events that trigger
 * workflows"): a fork can open a pull request and so start `pull_request` runs and the
 * `workflow_run` runs they complete; it cannot push to this repository. */
const EVENTS: EventContext[] = [
    { name: "pull_request from a fork", event: "pull_request", fork: true, github: github("pull_request", "refs/pull/7/merge", pullRequest(FORK)) },
    {
        name: "pull_request from the repository",
        event: "pull_request",
        fork: false,
        github: github("pull_request", "refs/pull/7/merge", pullRequest(REPOSITORY)),
    },
    { name: "push to main", event: "push", fork: false, branch: "main", github: github("push", "refs/heads/main", {}) },
    { name: "push to another branch", event: "push", fork: false, branch: "feature", github: github("push", "refs/heads/feature", {}) },
    ...["success", "failure"].flatMap((conclusion) => [
        {
            name: `workflow_run (${conclusion}) of a fork's pull request`,
            event: "workflow_run",
            fork: true,
            github: github("workflow_run", "refs/heads/main", workflowRun("pull_request", conclusion, FORK)),
        },
        {
            name: `workflow_run (${conclusion}) of the repository's pull request`,
            event: "workflow_run",
            fork: false,
            github: github("workflow_run", "refs/heads/main", workflowRun("pull_request", conclusion, REPOSITORY)),
        },
        {
            name: `workflow_run (${conclusion}) of a push`,
            event: "workflow_run",
            fork: false,
            github: github("workflow_run", "refs/heads/main", workflowRun("push", conclusion, REPOSITORY)),
        },
    ]),
];
const eventNamed = (name: string) => EVENTS.find((e) => e.name === name) as EventContext;

/** Configuration variables unset, and set (a fork's run may see either). */
const CONFIGURED = {
    PULUMI_BACKEND_URL: "gs://state-bucket",
    GCP_WORKLOAD_IDENTITY_PROVIDER: "projects/1/locations/global/workloadIdentityPools/p/providers/github",
    GCP_PREVIEW_SERVICE_ACCOUNT: "preview@p.iam.gserviceaccount.com",
    GCP_SERVICE_ACCOUNT: "deploy@p.iam.gserviceaccount.com",
};
const VARIABLES: Record<string, string>[] = [{}, CONFIGURED];

/** A branch filter pattern (`*` any characters but `/`, `**` any). */
function branchMatches(pattern: string, branch: string): boolean {
    // A NUL stands for `**` while single stars are replaced.
    const regex = pattern
        .replace(/[.+?^${}()|[\]\\]/g, "\\$&")
        .replace(/\*\*/g, "\u0000")
        .replace(/\*/g, "[^/]*")
        .replace(/\u0000/g, ".*"); // eslint-disable-line no-control-regex
    return new RegExp(`^${regex}$`).test(branch);
}

/** Whether `workflow` starts for `event`: its `on` names the event (and, for a push, the branch);
 * a reusable one (`workflow_call`) starts with each workflow that calls it. */
function startsFor(workflow: Workflow, event: EventContext): boolean {
    const on =
        typeof workflow.on === "string"
            ? { [workflow.on]: null }
            : Array.isArray(workflow.on)
              ? Object.fromEntries((workflow.on as string[]).map((e) => [e, null]))
              : workflow.on;
    if ("workflow_call" in on) {
        const callers = workflowFiles()
            .map(loadWorkflow)
            .filter((caller) => Object.values(caller.jobs).some((job) => job.uses !== undefined && calledBy(job).name === workflow.name));
        if (callers.some((caller) => startsFor(caller, event))) return true;
    }
    if (!(event.event in on)) return false;
    const filter = on[event.event] as { branches?: string[] } | null;
    return event.branch === undefined || filter?.branches === undefined || filter.branches.some((p) => branchMatches(p, event.branch as string));
}

/** The contexts expressions see. */
const contextOf = (event: EventContext, vars: Record<string, string>) => ({ github: event.github, vars, env: {}, secrets: {} });

/** Whether a job (or step) with this `if:` runs; no `if:` means it does. */
function runsFor(holder: { if?: string | boolean }, event: EventContext, vars: Record<string, string>): boolean {
    return holder.if === undefined || truthy(evaluateField(holder.if, contextOf(event, vars)));
}

/** Every (workflow file, job id, job) in the repository. */
function everyJob(): { file: string; id: string; job: Job; workflow: Workflow }[] {
    return workflowFiles().flatMap((file) => {
        const workflow = loadWorkflow(file);
        return Object.entries(workflow.jobs).map(([id, job]) => ({ file, id, job, workflow }));
    });
}

/** The token scopes GitHub knows (docs.github.com "Controlling permissions for GITHUB_TOKEN"). */
const SCOPES = [
    "actions",
    "attestations",
    "checks",
    "contents",
    "deployments",
    "discussions",
    "id-token",
    "issues",
    "models",
    "packages",
    "pages",
    "pull-requests",
    "repository-projects",
    "security-events",
    "statuses",
];

/** `permissions:` as scope → access: `read-all` and `write-all` give every scope, `{}` none. */
function scopesOf(permissions: Permissions | undefined): Record<string, string> {
    if (permissions === "read-all" || permissions === "write-all") return Object.fromEntries(SCOPES.map((scope) => [scope, permissions.slice(0, -4)]));
    assert.ok(typeof permissions === "object" && permissions !== null, `permissions ${JSON.stringify(permissions)} is neither a map, read-all nor write-all`);
    return permissions;
}

/** A job's token: its own `permissions`, else the workflow's; undefined means the repository's
 * default, which may be read and write on everything. */
function effectivePermissions(workflow: Workflow, job: Job): Permissions | undefined {
    return job.permissions ?? workflow.permissions;
}

/** What each job may write, and why; every other job writes nothing. */
const JOB_WRITES: Record<string, string[]> = {
    // OIDC for workload identity; pulumi/actions comments the preview.
    "preview.yml/preview": ["id-token", "pull-requests"],
    // OIDC for workload identity.
    "deploy.yml/deploy": ["id-token"],
    // It posts the plan-diff comment; it never runs PR code.
    "plan-diff-comment.yml/comment": ["pull-requests"],
};

test("permissions: read-all, write-all, {} and a map, as the runner reads them", () => {
    assert.equal(scopesOf("write-all")["contents"], "write");
    assert.equal(scopesOf("write-all")["id-token"], "write");
    assert.equal(scopesOf("read-all")["pull-requests"], "read");
    assert.deepEqual(scopesOf({}), {});
    assert.throws(() => scopesOf("write"), /neither a map/);
    assert.deepEqual(
        effectivePermissions({ on: {}, jobs: {}, permissions: { contents: "read" } }, { permissions: "write-all" }),
        "write-all",
        "a job's own permissions win",
    );
    assert.deepEqual(effectivePermissions({ on: {}, jobs: {}, permissions: { contents: "read" } }, {}), { contents: "read" });
    assert.equal(effectivePermissions({ on: {}, jobs: {} }, {}), undefined);
});

test("each job's effective token: explicit, and writing only what that job needs", () => {
    const jobs = everyJob();
    assert.ok(jobs.length >= 5, "the workflows have fewer jobs than expected: the reader is broken");
    for (const { file, id, job, workflow } of jobs) {
        const permissions = effectivePermissions(workflow, job);
        assert.ok(permissions !== undefined, `${file} ${id}: no permissions at job or workflow level, so the repository's default token`);
        const writes = Object.entries(scopesOf(permissions))
            .filter(([, access]) => access === "write")
            .map(([scope]) => scope)
            .sort();
        assert.deepEqual(writes, JOB_WRITES[`${file}/${id}`] ?? [], `${file} ${id}: writes ${writes.join(", ") || "nothing"}`);
    }
});

/** The commands of a `run:` script, each as its words. */
function commandsOf(script: string): string[][] {
    return script
        .split(/\n|&&|\|\||;|\|/)
        .map((command) =>
            command
                .trim()
                .replace(/^\(+|\)+$/g, "")
                .trim(),
        )
        .filter((command) => command !== "" && !command.startsWith("#"))
        .map((command) => command.split(/\s+/));
}

/** True for a step that runs the test suite: `npm test` (or `npm run test`, `npm t`), `.ci/run`, `node --test`. */
function isTestStep(step: Step): boolean {
    return commandsOf(step.run ?? "").some(
        (words) =>
            (words[0] === "npm" && (words[1] === "test" || words[1] === "t" || (words[1] === "run" && words[2] === "test"))) ||
            words[0] === ".ci/run" ||
            words[0] === "./.ci/run" ||
            (words[0] === "node" && words.includes("--test")),
    );
}

/** Whether a `continue-on-error` lets the job pass for some event the workflow starts for. */
function mayContinue(field: string | boolean | undefined, workflow: Workflow): boolean {
    if (field === undefined) return false;
    return EVENTS.filter((e) => startsFor(workflow, e)).some((event) => VARIABLES.some((vars) => truthy(evaluateField(field, contextOf(event, vars)))));
}

test("no test step, nor a job that runs one, may fail without failing the run (continue-on-error, evaluated)", () => {
    let testSteps = 0;
    for (const { file, id, job, workflow } of everyJob()) {
        const steps = (job.steps ?? []).filter(isTestStep);
        testSteps += steps.length;
        if (steps.length > 0) assert.ok(!mayContinue(job["continue-on-error"], workflow), `${file} ${id}: continue-on-error on a job that runs the tests`);
        for (const step of steps)
            assert.ok(!mayContinue(step["continue-on-error"], workflow), `${file} ${id}: continue-on-error on the test step ${JSON.stringify(step.run)}`);
    }
    assert.ok(testSteps > 0, "no workflow runs the tests");
    assert.ok(isTestStep({ run: "npm ci && npm test" }) && isTestStep({ run: "set -e\n./.ci/run" }) && !isTestStep({ run: "npm run render -- --stack gke" }));
    assert.ok(mayContinue("${{ github.event_name == 'push' }}", loadWorkflow("ci.yml")) && !mayContinue(false, loadWorkflow("ci.yml")));
});

test("no if: guard is always true for the events that start its workflow", () => {
    let guards = 0;
    for (const { file, id, job, workflow } of everyJob()) {
        const events = EVENTS.filter((e) => startsFor(workflow, e));
        assert.ok(events.length > 0, `${file}: no modelled event starts it; add its event to EVENTS`);
        for (const [where, holder] of [[`job ${id}`, job] as const, ...(job.steps ?? []).map((step, i) => [`${id} step ${step.name ?? i}`, step] as const)]) {
            if (holder.if === undefined) continue;
            guards++;
            const outcomes = events.flatMap((event) => VARIABLES.map((vars) => runsFor(holder, event, vars)));
            assert.ok(outcomes.includes(false), `${file} ${where}: if: ${JSON.stringify(holder.if)} is true for every event that starts the workflow`);
        }
    }
    assert.ok(guards >= 3, "fewer guards than the workflows have: the reader is broken");
});

/** True when a job can see a secret or mint an OIDC token: it names `secrets.*` (beyond the
 * GITHUB_TOKEN every run has), inherits a workflow `env` that does, or may write `id-token`. */
function holdsCredentials(workflow: Workflow, job: Job): boolean {
    const named = [...strings(job), ...strings(workflow.env ?? {})].some((text) =>
        [...text.matchAll(/\$\{\{([^}]*)\}\}/g)].some((m) => /\bsecrets\.(?!GITHUB_TOKEN\b)/.test(m[1])),
    );
    const permissions = effectivePermissions(workflow, job);
    return named || (permissions !== undefined && scopesOf(permissions)["id-token"] === "write");
}

test("secrets and OIDC tokens only in jobs that cannot run for a fork", () => {
    let guarded = 0;
    for (const { file, id, job, workflow } of everyJob()) {
        if (!holdsCredentials(workflow, job)) continue;
        guarded++;
        for (const event of EVENTS.filter((e) => e.fork && startsFor(workflow, e))) {
            for (const vars of VARIABLES)
                assert.equal(runsFor(job, event, vars), false, `${file} ${id} holds credentials and runs for a ${event.name} (vars ${JSON.stringify(vars)})`);
        }
    }
    assert.ok(guarded >= 2, "preview and deploy hold credentials: the reader is broken");
});

test("the expression evaluator: GitHub's operators, coercions and contexts", () => {
    const context = {
        github: { event_name: "push", event: { pull_request: { head: { repo: { full_name: "A/B" } } } }, repository: "a/b" },
        vars: { EMPTY: "" },
    };
    const cases: [string, ExpressionValue][] = [
        ["github.event.pull_request.head.repo.full_name == github.repository", true],
        ["github['event_name'] == 'PUSH'", true],
        ["github.event.workflow_run.conclusion == 'success'", false],
        ["github.event.workflow_run == null", true],
        ["vars.MISSING != ''", false],
        ["vars.EMPTY == 0", true],
        ["!vars.EMPTY", true],
        ["'it''s' == 'IT''S'", true],
        ["1 == '1' && true == 1 && null == false", true],
        ["vars.EMPTY || 'fallback'", "fallback"],
        ["github.repository && 'yes'", "yes"],
        ["(false || true) && !(1 == 2)", true],
        ["0x10 == 16", true],
    ];
    for (const [expression, expected] of cases) assert.deepEqual(evaluate(expression, context), expected, expression);
    assert.equal(evaluateField("${{ false }}", context), false);
    assert.equal(evaluateField(true, context), true);
    assert.equal(truthy(evaluateField("${{ false }} and more", context)), true, "text around an expression is a non-empty string");
    assert.ok(!looselyEqual(NaN, NaN) && looselyEqual("abc", "ABC") && !looselyEqual({}, {}));
    assert.throws(() => evaluate("always()", context), /function always\(\) is not modelled/);
    assert.throws(() => evaluate("1 < 2", context), /not modelled/);
    assert.ok(
        branchMatches("main", "main") && branchMatches("release/*", "release/1") && !branchMatches("release/*", "release/1/x") && branchMatches("**", "a/b"),
    );
});
