/**
 * `npm run mutation` runs the test files under mocha through test/helpers/nodeTestOnMocha.ts. Here
 * that shim runs a real node:test file under the installed mocha: tests, options, skips, subtests
 * that fail their parent, and `before` hooks and shared runs (test/helpers/sharedRuns.ts) made
 * again when Stryker activates another mutant (as its instrumenter context says), so that no
 * mutant is judged on a run made under another; and the page `npm run mutation` writes from its
 * report (tools/mutationReport.ts).
 */
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import test, { after } from "node:test";
import { MutationReport, moduleScores, mutationMarkdown } from "../tools/mutationReport";
import { REPO_ROOT } from "../tools/repoRoot";

const work = fs.mkdtempSync(path.join(os.tmpdir(), "mutation-shim-"));
after(() => fs.rmSync(work, { recursive: true, force: true }));

/** A node:test file as the suite writes them; its `before` counts its runs in a file. */
const TEST_FILE = `
const assert = require("node:assert/strict");
const fs = require("node:fs");
const { test, before, after } = require("node:test");
const runs = ${JSON.stringify(path.join(work, "before-runs"))};
const { sharedBy } = require(${JSON.stringify(path.join(REPO_ROOT, "build", "test", "helpers", "sharedRuns.js"))});
const shared = sharedBy((key) => key + " under " + String(globalThis.__stryker__?.activeMutant));
let made;
before(async () => { fs.appendFileSync(runs, "x"); made = "made under " + String(globalThis.__stryker__?.activeMutant); });
after(() => fs.appendFileSync(runs, "after"));
test("reads what before made", () => { assert.equal(made, "made under undefined"); assert.equal(shared("run"), "run under undefined"); });
test("skipped by option", { skip: "not here" }, () => assert.fail("ran"));
test("skipped from inside", (t) => { t.skip(); assert.fail("ran"); });
test("a failing subtest fails its parent", async (t) => { await t.test("inner", () => assert.fail("inner failed")); });
test("the next mutant", () => { globalThis.__stryker__ = { activeMutant: "7" }; });
test("before ran again for it", () => { assert.equal(made, "made under 7"); assert.equal(shared("run"), "run under 7"); });
`;

test("the node:test files run under mocha as under node --test, hooks made anew per mutant", () => {
    const file = path.join(work, "shim.test.js");
    fs.writeFileSync(file, TEST_FILE);
    const mocha = path.join(REPO_ROOT, "node_modules", "mocha", "bin", "mocha.js");
    const shim = path.join(REPO_ROOT, "build", "test", "helpers", "nodeTestOnMocha.js");
    const result = spawnSync(process.execPath, [mocha, "--require", shim, "--reporter", "json", file], { encoding: "utf8" });
    assert.ok(result.stdout.startsWith("{"), `mocha did not report: ${result.stderr}`);
    const report = JSON.parse(result.stdout) as {
        passes: { title: string }[];
        pending: { title: string }[];
        failures: { title: string; err: { message: string } }[];
    };
    assert.deepEqual(
        report.passes.map((t) => t.title),
        ["reads what before made", "the next mutant", "before ran again for it"],
    );
    assert.deepEqual(report.pending.map((t) => t.title).sort(), ["skipped by option", "skipped from inside"]);
    assert.deepEqual(
        report.failures.map((t) => [t.title, t.err.message]),
        [["a failing subtest fails its parent", "inner failed"]],
    );
    assert.equal(result.status, 1);
    // Once for the first test, once for mutant 7; `after` once, at exit.
    assert.equal(fs.readFileSync(path.join(work, "before-runs"), "utf8"), "xxafter");
});

test("the mutation page scores each module as Stryker does and lists each survivor", () => {
    const at = (line: number) => ({ start: { line, column: 5 } });
    const report: MutationReport = {
        files: {
            "components/names.ts": {
                source: "a\nb\nc\nd\ne\nf\ng\nh\n    return a `x` || b;\n",
                mutants: [
                    { mutatorName: "StringLiteral", replacement: '""', status: "Killed", location: at(3) },
                    { mutatorName: "ConditionalExpression", replacement: "true", status: "Timeout", location: at(4) },
                    { mutatorName: "EqualityOperator", replacement: "a && b", status: "Survived", location: at(9) },
                    { mutatorName: "BlockStatement", replacement: "{}", status: "NoCoverage", location: at(2) },
                    { mutatorName: "ArrayDeclaration", replacement: "[]", status: "Ignored", location: at(1) },
                ],
            },
            "components/config/cidr.ts": { mutants: [{ mutatorName: "StringLiteral", replacement: '""', status: "Killed", location: at(1) }] },
            "components/routing/modelRoute.ts": {
                source: "export class ModelRoute extends pulumi.ComponentResource {}\n",
                mutants: [{ mutatorName: "StringLiteral", replacement: '""', status: "Survived", location: at(1) }],
            },
        },
    };
    assert.deepEqual(moduleScores(report), [
        { file: "components/config/cidr.ts", detected: 1, survived: 0, noCoverage: 0, ignored: 0 },
        { file: "components/names.ts", detected: 2, survived: 1, noCoverage: 1, ignored: 1 },
        { file: "components/routing/modelRoute.ts", detected: 0, survived: 1, noCoverage: 0, ignored: 0 },
    ]);
    const page = mutationMarkdown(report).split("\n");
    assert.ok(page.includes("| planner | 2 | 1 | 1 | 1 | 50.0 % |"));
    assert.ok(page.includes("| config | 1 | 0 | 0 | 0 | 100.0 % |"));
    assert.ok(page.includes("| builders | 0 | 1 | 0 | 0 | 0.0 % |"));
    assert.ok(page.includes("| all | 3 | 2 | 1 | 1 | 50.0 % |"));
    // Survivors in line order, with the line they changed; killed and ignored mutants not listed.
    const listed = page
        .slice(page.indexOf("### components/names.ts") + 2, page.indexOf("### components/routing/modelRoute.ts"))
        .filter((line) => line.startsWith("- "));
    assert.deepEqual(listed, ["- 2:5 BlockStatement (no test reaches it): `{}` in `b`", "- 9:5 EqualityOperator: `a && b` in `return a 'x' || b;`"]);
});
