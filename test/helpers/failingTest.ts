/** A test that fails on purpose, run by test/typeScriptStack.test.ts through npm test's reporter
 * (its name does not end in .test.ts, so the suite itself never runs it). */
import assert from "node:assert/strict";
import test from "node:test";

test("fails on purpose", () => {
    assert.equal(1 + 1, 3);
});
