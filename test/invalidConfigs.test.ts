/**
 * Every config in `test/invalid-configs/` must be refused before any resource is registered, with
 * one message that starts with "Invalid", names every problem listed under `expect` and never
 * shows a secret. Each corpus file is a stack config file plus `description` and `expect`; only
 * its `config` part is given to the program.
 */
import test, { after } from "node:test";
import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { parse, stringify } from "yaml";

import { MOCK_SECRET_VALUE, ProgramRunError, REPO_ROOT, runProgram } from "../tools/mockRuntime";

/** One corpus file. */
interface InvalidConfigCase {
    description: string;
    expect: string[];
    config: Record<string, unknown>;
}

const CORPUS_DIR = path.join(REPO_ROOT, "test", "invalid-configs");
const files = fs.readdirSync(CORPUS_DIR).filter((f) => f.endsWith(".yaml")).sort();
const tempDir = fs.mkdtempSync(path.join(os.tmpdir(), "invalid-configs-"));
after(() => fs.rmSync(tempDir, { recursive: true, force: true }));

test("the invalid-config corpus has at least 30 cases", () => {
    assert.ok(files.length >= 30, `only ${files.length} files in ${CORPUS_DIR}`);
});

for (const file of files) {
    const corpusCase = parse(fs.readFileSync(path.join(CORPUS_DIR, file), "utf8")) as InvalidConfigCase;
    test(`${file}: ${corpusCase.description}`, async () => {
        assert.ok(Array.isArray(corpusCase.expect) && corpusCase.expect.length > 0, "expect: must list substrings");
        const configFile = path.join(tempDir, file);
        fs.writeFileSync(configFile, stringify({ config: corpusCase.config }));
        await assert.rejects(runProgram(path.basename(file, ".yaml"), configFile), (error: unknown) => {
            assert.ok(error instanceof ProgramRunError, `not a ProgramRunError: ${String(error)}`);
            const { message } = error;
            assert.ok(message.startsWith("Invalid"), `message does not start with "Invalid":\n${message}`);
            for (const part of corpusCase.expect) {
                assert.ok(message.includes(part), `message lacks ${JSON.stringify(part)}:\n${message}`);
            }
            assert.ok(!message.includes(MOCK_SECRET_VALUE), `message shows the secret:\n${message}`);
            assert.deepEqual(error.registered, [], "resources were registered");
            return true;
        });
    });
}
