/**
 * Golden renders: each stack's render is committed under test/golden/<stack>/, and a fresh render
 * must match it byte for byte. A change to the program then shows, in its own pull request, what
 * it does to every resource and Kubernetes object of the shipped stacks; an intended change
 * updates the files with the command the failure prints. Only stacks with a golden folder are
 * compared, so a new `Pulumi.<name>.yaml` in a checkout leaves the suite green.
 */
import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import test, { after } from "node:test";
import { render } from "../tools/render";
import { REPO_ROOT } from "../tools/repoRoot";

const GOLDEN = path.join(REPO_ROOT, "test", "golden");
const work = fs.mkdtempSync(path.join(os.tmpdir(), "golden-test-"));
after(() => fs.rmSync(work, { recursive: true, force: true }));

/** Every file below `dir`, dot-files included, as sorted relative paths. */
function filesUnder(dir: string): string[] {
    return fs
        .readdirSync(dir, { recursive: true, encoding: "utf8" })
        .filter((f) => fs.statSync(path.join(dir, f)).isFile())
        .map((f) => f.split(path.sep).join("/"))
        .sort();
}

/** The command that rewrites one stack's golden render, as the failure message gives it. */
const updateCommand = (stack: string) => `npm run render -- --stack ${stack} --out test/golden/${stack}`;

const stacks = fs.readdirSync(GOLDEN).sort();

test("the shipped stacks have golden renders, and every golden render has its stack file", () => {
    for (const stack of ["gke", "istio"]) assert.ok(stacks.includes(stack), `no golden render of ${stack}: run ${updateCommand(stack)}`);
    for (const stack of stacks) {
        assert.ok(fs.existsSync(path.join(REPO_ROOT, `Pulumi.${stack}.yaml`)), `test/golden/${stack} has no Pulumi.${stack}.yaml: delete the folder`);
    }
});

for (const stack of stacks) {
    // In this process, as the render command runs it (render.test.ts runs the command itself), so
    // that a mutation run sees which builders each render reaches.
    test(`a fresh render of ${stack} is byte for byte test/golden/${stack}`, async () => {
        const out = path.join(work, stack);
        await render({ stack, out });
        const expected = path.join(GOLDEN, stack);
        const update = `If the change is intended, update the golden render and commit it with the change:\n  ${updateCommand(stack)}`;
        const [golden, fresh] = [filesUnder(expected), filesUnder(out)];
        assert.deepEqual(fresh, golden, `the render of ${stack} writes other files than test/golden/${stack}.\n${update}`);
        const differing = golden.filter((file) => !fs.readFileSync(path.join(out, file)).equals(fs.readFileSync(path.join(expected, file))));
        assert.deepEqual(
            differing,
            [],
            `the render of ${stack} differs from test/golden/${stack} in these files (git diff shows how, after the update).\n${update}`,
        );
    });
}
