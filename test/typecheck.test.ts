/**
 * The type check of the whole project (program, tools and tests), run by the TypeScript compiler
 * itself. It is a test so that the runner schedules it beside the others on the second core:
 * every other file runs the code esbuild compiled without checking it. Incremental, its state kept
 * beside ESLint's cache (node_modules/.cache/): a rerun checks again only what changed.
 */
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import * as path from "node:path";
import test from "node:test";
import { REPO_ROOT } from "../tools/repoRoot";

test("tsc --noEmit -p . finds no type error", () => {
    const tsc = path.join(REPO_ROOT, "node_modules", "typescript", "bin", "tsc");
    const state = path.join(REPO_ROOT, "node_modules", ".cache", "tsc", "typecheck.tsbuildinfo");
    const result = spawnSync(process.execPath, [tsc, "--noEmit", "-p", REPO_ROOT, "--incremental", "--tsBuildInfoFile", state], {
        cwd: REPO_ROOT,
        encoding: "utf8",
    });
    assert.equal(result.status, 0, `${result.stdout}${result.stderr}`);
});
