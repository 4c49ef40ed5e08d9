/**
 * Every config in `test/invalid-configs/` must be refused by the render before any resource is
 * registered and before anything is written, with one message that starts with "Invalid", names
 * every problem listed under `expect`, holds nothing listed under `forbid` and never shows a
 * secret or anything shaped like a Hugging Face token. Each corpus file is a stack config file plus
 * `description`, `expect` and optionally `forbid`; only its `config` part is given to the program.
 * Nearly all of the time goes into loading the SDKs and the program once: a case takes ~25 ms.
 */
import test, { after } from "node:test";
import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { parse, stringify } from "yaml";

import { MOCK_SECRET_VALUE, ProgramRunError, REPO_ROOT } from "../tools/mockRuntime";
import { render } from "../tools/render";

/** One corpus file. */
interface InvalidConfigCase {
    description: string;
    expect: string[];
    forbid?: string[];
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
        const outParent = fs.mkdtempSync(path.join(tempDir, "out-"));
        const out = path.join(outParent, "render");
        await assert.rejects(render({ stack: path.basename(file, ".yaml"), configFile, out }), (error: unknown) => {
            assert.ok(error instanceof ProgramRunError, `not a ProgramRunError: ${String(error)}`);
            const { message } = error;
            assert.ok(message.startsWith("Invalid"), `message does not start with "Invalid":\n${message}`);
            for (const part of corpusCase.expect) {
                assert.ok(message.includes(part), `message lacks ${JSON.stringify(part)}:\n${message}`);
            }
            for (const part of corpusCase.forbid ?? []) {
                assert.ok(!message.includes(part), `message shows ${JSON.stringify(part)}:\n${message}`);
            }
            assert.ok(!message.includes(MOCK_SECRET_VALUE), `message shows the secret:\n${message}`);
            assert.doesNotMatch(message, /hf_[A-Za-z0-9]{20,}/, "message shows a Hugging Face token");
            assert.deepEqual(error.registered, [], "resources were registered");
            return true;
        });
        assert.deepEqual(fs.readdirSync(outParent), [], "the render wrote something");
    });
}
