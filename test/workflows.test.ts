// Checks the GitHub Actions workflows offline: each file is a valid workflow, every third-party
// action is pinned to the commit of its current release, every stack file in the repository is
// previewed and deployed, and the pull-request jobs get only what they need. Adding a
// Pulumi.<stack>.yaml without extending the workflows must fail here rather than silently skip
// that stack in CI. (test/planDiffWorkflow.test.ts runs the plan-diff job itself.)
import test from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import { isScalar, parse, parseDocument, visit } from "yaml";
import { REPO_ROOT as repoRoot } from "../tools/repoRoot";

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
  "actions/download-artifact": { tag: "v8.0.1", commit: "3e5f45b2cfb9172054b4087a40e8e0b5a5461e7c" },
  "actions/github-script": { tag: "v8.0.0", commit: "ed597411d8f924073f98dfc5c65a23a2325f34cd" },
  "google-github-actions/auth": { tag: "v3.0.0", commit: "7c6bc770dae815cd3e89ee6cdf493a5fab2cc093" },
  "google-github-actions/setup-gcloud": { tag: "v3.0.1", commit: "aa5489c8933f4cc7a4f7d45035b3b1440c9c10db" },
  "pulumi/actions": { tag: "v7.0.0", commit: "8e5e406f4007fca908480587cb9893c07090f58d" },
};

/** The parts of a workflow file these tests read; everything else is left untyped. */
interface Step {
  name?: string;
  uses?: string;
  run?: string;
  with?: Record<string, unknown>;
}

interface Job {
  if?: string;
  environment?: string | { name: string };
  permissions?: Record<string, string>;
  strategy?: { matrix?: Record<string, unknown>; "max-parallel"?: number };
  concurrency?: string | { group: string; "cancel-in-progress"?: boolean };
  steps?: Step[];
}

interface Workflow {
  name?: string;
  on: Record<string, unknown>;
  permissions?: Record<string, string>;
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

/** Stack names from the `Pulumi.<stack>.yaml` files in the repository root. */
function stackNames(): string[] {
  return fs
    .readdirSync(repoRoot)
    .map((file) => /^Pulumi\.(.+)\.yaml$/.exec(file)?.[1])
    .filter((stack): stack is string => stack !== undefined)
    .sort();
}

/**
 * Every combination of a job's matrix (the cartesian product of its axes), or one empty
 * combination when there is no matrix. `include`/`exclude` change combinations in ways this
 * helper does not model, so they are rejected rather than evaluated wrongly.
 */
function matrixCombos(job: Job): MatrixCombo[] {
  const matrix = job.strategy?.matrix ?? {};
  assert.ok(!("include" in matrix) && !("exclude" in matrix), "matrix include/exclude is not modelled by this test");
  let combos: MatrixCombo[] = [{}];
  for (const [axis, values] of Object.entries(matrix)) {
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
  for (const job of Object.values(loadWorkflow(file).jobs)) {
    for (const step of job.steps ?? []) {
      if (!step.uses?.startsWith("pulumi/actions@") || step.with?.command !== command) continue;
      for (const combo of matrixCombos(job)) {
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

test("ci runs npm ci and npm test on pushes and pull requests", () => {
  const workflow = loadWorkflow("ci.yml");
  assert.ok("push" in workflow.on && "pull_request" in workflow.on);
  const runs = Object.values(workflow.jobs).flatMap((job) => (job.steps ?? []).map((step) => step.run));
  assert.ok(runs.includes("npm ci"), "ci does not run npm ci");
  assert.ok(runs.includes("npm test"), "ci does not run npm test");
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
    // Fork PRs get no secrets or OIDC token: the job must not start for them.
    assert.match(run.job.if ?? "", /github\.event\.pull_request\.head\.repo\.full_name == github\.repository/);
    assert.match(run.job.if ?? "", /vars\.PULUMI_BACKEND_URL != ''/);
    assert.equal(run.job.permissions?.["id-token"], "write", `preview ${run.stack}: no OIDC token`);
    assert.equal(run.step.with?.diff, true);
    assert.equal(run.step.with?.["comment-on-pr"], true);
    assert.equal(run.step.with?.["cloud-url"], "${{ vars.PULUMI_BACKEND_URL }}");
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
    assert.equal(run.job.permissions?.["id-token"], "write", `deploy ${run.stack}: no OIDC token`);
    // A cancelled `pulumi up` leaves a locked stack: updates to a stack must queue, not cancel.
    const concurrency = run.job.concurrency;
    assert.ok(typeof concurrency === "object", `deploy ${run.stack}: no concurrency group`);
    assert.match(concurrency.group, /\$\{\{\s*matrix\.stack\s*\}\}/);
    assert.equal(concurrency["cancel-in-progress"], false);
    if (matrixCombos(run.job).length > 1) {
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
