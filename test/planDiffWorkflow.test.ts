/**
 * Runs the plan-diff workflow's own job, step by step, the way a runner would: a temporary
 * repository with a real base commit and a head commit, each side checked out where the
 * workflow's `actions/checkout` steps put it, the `run:` steps executed by bash with the
 * runner's variables and the step's `env`, and the artifact's directory checked as
 * `upload-artifact` would. The PR comment it produces must name every stack of both sides. Two
 * stand-ins, to keep it fast: `npm ci` becomes a symbolic link to this checkout's node_modules,
 * and `setup-node` uses the Node that runs the tests; the render and plan-diff steps run for real.
 */
import assert from "node:assert/strict";
import { execFileSync, spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import test, { after } from "node:test";
import { parse } from "yaml";
import { REPO_ROOT } from "../tools/mockRuntime";
import { stackNames } from "../tools/render";

interface Step {
    name?: string;
    uses?: string;
    run?: string;
    with?: Record<string, string>;
    env?: Record<string, string>;
    "working-directory"?: string;
}

const work = fs.mkdtempSync(path.join(os.tmpdir(), "plan-diff-workflow-"));
after(() => fs.rmSync(work, { recursive: true, force: true }));

const git = (cwd: string, ...args: string[]) =>
    execFileSync("git", ["-c", "user.name=test", "-c", "user.email=test@example.invalid", "-c", "commit.gpgsign=false", ...args], {
        cwd,
        encoding: "utf8",
    }).trim();

/** A repository of this checkout's files: a base commit without the istio stack and with one
 * model fewer in gke, then a head commit of the files as they are. */
function repositoryWithBaseAndHead(): { origin: string; base: string; head: string } {
    const origin = path.join(work, "origin");
    const files = git(REPO_ROOT, "ls-files", "--cached", "--others", "--exclude-standard")
        .split("\n")
        .filter((f) => fs.existsSync(path.join(REPO_ROOT, f)));
    for (const file of files) {
        fs.mkdirSync(path.dirname(path.join(origin, file)), { recursive: true });
        fs.copyFileSync(path.join(REPO_ROOT, file), path.join(origin, file));
    }
    const gke = fs.readFileSync(path.join(origin, "Pulumi.gke.yaml"), "utf8");
    git(work, "init", "--quiet", "--initial-branch=main", origin);
    fs.writeFileSync(path.join(origin, "Pulumi.gke.yaml"), gke.slice(0, gke.indexOf("    - name: microsoft/Phi-4-mini-instruct")));
    fs.renameSync(path.join(origin, "Pulumi.istio.yaml"), path.join(work, "istio.yaml"));
    git(origin, "add", "--all");
    git(origin, "commit", "--quiet", "-m", "base");
    const base = git(origin, "rev-parse", "HEAD");
    fs.writeFileSync(path.join(origin, "Pulumi.gke.yaml"), gke);
    fs.renameSync(path.join(work, "istio.yaml"), path.join(origin, "Pulumi.istio.yaml"));
    git(origin, "add", "--all");
    git(origin, "commit", "--quiet", "-m", "head");
    return { origin, base, head: git(origin, "rev-parse", "HEAD") };
}

/** Replaces the `${{ ... }}` expressions the job uses with the event's values. */
function expand(text: string, values: Record<string, string>): string {
    const expanded = text.replace(/\$\{\{\s*([\w.]+)\s*\}\}/g, (whole, name: string) => values[name] ?? whole);
    assert.ok(!expanded.includes("${{"), `unexpanded expression in ${text}`);
    return expanded;
}

test("the plan-diff job, run step by step on a real base and head, comments a diff of every stack", () => {
    const workflow = parse(fs.readFileSync(path.join(REPO_ROOT, ".github", "workflows", "plan-diff.yml"), "utf8")) as {
        jobs: Record<string, { steps: Step[] }>;
    };
    const { origin, base, head } = repositoryWithBaseAndHead();
    const workspace = path.join(work, "workspace");
    const runnerTemp = path.join(work, "runner-temp");
    const summary = path.join(work, "step-summary.md");
    [workspace, runnerTemp].forEach((dir) => fs.mkdirSync(dir));
    const event: Record<string, string> = {
        "github.event.pull_request.number": "42",
        "github.event.pull_request.base.sha": base,
        "github.event.pull_request.head.sha": head,
    };
    const runnerEnv = Object.fromEntries(Object.entries(process.env).filter(([name]) => !name.startsWith("GITHUB_") && !name.startsWith("npm_")));
    let uploaded: string | undefined;
    for (const step of Object.values(workflow.jobs).flatMap((job) => job.steps)) {
        const action = step.uses?.split("@")[0];
        if (action === "actions/checkout") {
            const target = path.join(workspace, step.with?.path ?? ".");
            git(work, "clone", "--quiet", origin, target);
            // Without `ref` a pull_request run checks out the PR (here: head).
            git(target, "checkout", "--quiet", step.with?.ref === undefined ? head : expand(step.with.ref, event));
        } else if (action === "actions/setup-node") {
            // The Node running this test stands in.
        } else if (action === "actions/upload-artifact") {
            uploaded = path.join(workspace, String(step.with?.path));
        } else if (step.run?.trim() === "npm ci") {
            fs.symlinkSync(path.join(REPO_ROOT, "node_modules"), path.join(workspace, step["working-directory"] ?? ".", "node_modules"));
        } else if (step.run !== undefined) {
            const env = Object.fromEntries(Object.entries(step.env ?? {}).map(([name, value]) => [name, expand(String(value), event)]));
            const result = spawnSync("bash", ["--noprofile", "--norc", "-e", "-o", "pipefail", "-c", expand(step.run, event)], {
                cwd: path.join(workspace, step["working-directory"] ?? "."),
                env: { ...runnerEnv, ...env, GITHUB_WORKSPACE: workspace, RUNNER_TEMP: runnerTemp, GITHUB_STEP_SUMMARY: summary, CI: "true" },
                encoding: "utf8",
            });
            assert.equal(result.status, 0, `step ${step.name ?? step.run} failed:\n${result.stdout}\n${result.stderr}`);
        } else {
            assert.fail(`step uses ${step.uses}, which this test does not stand in for`);
        }
    }

    assert.ok(uploaded !== undefined && fs.readdirSync(uploaded).length > 0, "nothing to upload");
    assert.equal(fs.readFileSync(path.join(uploaded, "pr-number"), "utf8").trim(), "42");
    const comment = fs.readFileSync(path.join(uploaded, "comment.md"), "utf8");
    assert.ok(comment.includes(`Rendered \`${head.slice(0, 7)}\` (merged into base) against base \`${base.slice(0, 7)}\``), comment);
    const sections = Object.fromEntries(
        comment
            .split(/^### Plan diff: /m)
            .slice(1)
            .map((s) => [s.split("\n")[0], s]),
    );
    // Every stack file of the checkout, whatever its name (a new one too).
    assert.deepEqual(Object.keys(sections).sort(), stackNames(), comment);
    // gke gains the model the base lacks; istio, new on head, is all additions.
    assert.match(sections["gke"], /\*\*1[0-9] to add, [1-9] to change, 0 to remove, \d+ unchanged\.\*\*/);
    assert.ok(sections["gke"].includes("phi-4-mini-instruct"), sections["gke"]);
    assert.match(sections["istio"], /\*\*\d+ to add, 0 to change, 0 to remove, 0 unchanged\.\*\*/);
    assert.ok(!comment.includes("could not render"), comment);
    assert.equal(fs.readFileSync(summary, "utf8"), comment);
});
