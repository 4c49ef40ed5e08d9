/**
 * A user sees TypeScript positions in an error's stack although every script runs compiled code
 * from build/: the render CLI, failing for real, prints frames of tools/render.ts, and npm test's
 * reporter shows a failing test at its TypeScript line.
 */
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import test from "node:test";
import { CODE_ROOT, REPO_ROOT } from "../tools/repoRoot";

test("an unexpected render error points at the TypeScript line that failed", () => {
    // procfs takes no new directories, whoever asks: staging the render there fails unexpectedly.
    const run = spawnSync(process.execPath, [path.join(CODE_ROOT, "tools", "render.js"), "--stack", "gke", "--out", "/proc/1/render-out"], {
        cwd: REPO_ROOT,
        encoding: "utf8",
    });
    assert.equal(run.status, 1, run.stderr);
    assert.match(run.stderr, /ENOENT|EACCES|EPERM/);
    const frame = /at writeAtomically \((.+):(\d+):(\d+)\)/.exec(run.stderr);
    assert.ok(frame, run.stderr);
    assert.equal(frame[1], path.join(REPO_ROOT, "tools", "render.ts"));
    const line = fs.readFileSync(frame[1], "utf8").split("\n")[Number(frame[2]) - 1];
    assert.match(line, /fs\.(rmSync|mkdirSync|mkdtempSync|writeFileSync|renameSync)\(/);
    assert.ok(!run.stderr.includes(`${path.sep}build${path.sep}`), run.stderr);
});

test("npm test's reporter shows a failure at the test's TypeScript line", () => {
    const reporter = path.join(CODE_ROOT, "test", "helpers", "typeScriptReporter.js");
    const failing = path.join(CODE_ROOT, "test", "helpers", "failingTest.js");
    // Without the variable that tells a test file it runs under a parent runner.
    const { NODE_TEST_CONTEXT: _parentRunner, ...env } = process.env;
    const run = spawnSync(process.execPath, ["--test", `--test-reporter=${reporter}`, failing], { cwd: REPO_ROOT, encoding: "utf8", env });
    // 1: a test failed; a reporter that throws ends the run with another code.
    assert.equal(run.status, 1, `${run.stdout}${run.stderr}`);
    const source = path.join(REPO_ROOT, "test", "helpers", "failingTest.ts");
    const after = run.stdout.split(`${source}:`)[1];
    assert.ok(after !== undefined, run.stdout);
    const line = fs.readFileSync(source, "utf8").split("\n")[Number(after.split(":")[0]) - 1];
    assert.match(line, /assert\.equal\(1 \+ 1, 3\)/);
    assert.ok(!run.stdout.includes(failing), run.stdout);
});
