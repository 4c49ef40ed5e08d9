/**
 * Every config in `test/invalid-configs/` must be refused by the render before any resource is
 * registered and before anything is written, with one message that starts with "Invalid", names
 * every problem listed under `expect`, holds nothing listed under `forbid` and never shows a
 * secret (one given as `secure:`, its stand-in under `secretValues`, or one put in plain text under
 * a key that should hold a secret) or anything shaped like a Hugging Face token. Each corpus file is a stack config file plus
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
    /** Stand-ins for what `secure:` values decrypt to, by config key (default: the mock secret). */
    secretValues?: Record<string, string>;
    forbid?: string[];
    config: Record<string, unknown>;
}

/** Every string in a value, e.g. each key of a plain-text key list. */
function stringsIn(value: unknown): string[] {
    if (typeof value === "string") return [value];
    if (Array.isArray(value)) return value.flatMap(stringsIn);
    if (typeof value === "object" && value !== null) return Object.values(value).flatMap(stringsIn);
    return [];
}

/** What a message must never show: the secrets the case gives, and whatever it put in plain text
 * under a key that holds secrets (the key names and `secure:` ciphertexts aside). */
function secretsOf(corpusCase: InvalidConfigCase): string[] {
    const plain = [
        ...["hfToken", "apiKeys"].flatMap((key) => stringsIn(corpusCase.config[`multi-model-inference:${key}`])),
        // A key passed to vLLM as an argument.
        ...stringsIn(corpusCase.config).flatMap((s) => (s.startsWith("--api-key=") ? [s.slice("--api-key=".length)] : [])),
    ];
    const given = Object.values(corpusCase.secretValues ?? {}).flatMap((text) => [text, ...stringsIn((() => { try { return JSON.parse(text) as unknown; } catch { return []; } })())]);
    return [MOCK_SECRET_VALUE, ...plain, ...given].filter((s) => s.length >= 8 && !s.startsWith("v1:"));
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
        await assert.rejects(render({ stack: path.basename(file, ".yaml"), configFile, out, secretValues: corpusCase.secretValues }), (error: unknown) => {
            assert.ok(error instanceof ProgramRunError, `not a ProgramRunError: ${String(error)}`);
            const { message } = error;
            assert.ok(message.startsWith("Invalid"), `message does not start with "Invalid":\n${message}`);
            for (const part of corpusCase.expect) {
                assert.ok(message.includes(part), `message lacks ${JSON.stringify(part)}:\n${message}`);
            }
            for (const secret of secretsOf(corpusCase)) assert.ok(!message.includes(secret), `message shows a secret:\n${message}`);
            for (const part of corpusCase.forbid ?? []) {
                assert.ok(!message.includes(part), `message shows ${JSON.stringify(part)}:\n${message}`);
            }
            assert.doesNotMatch(message, /hf_[A-Za-z0-9]{20,}/, "message shows a Hugging Face token");
            assert.deepEqual(error.registered, [], "resources were registered");
            return true;
        });
        assert.deepEqual(fs.readdirSync(outParent), [], "the render wrote something");
    });
}
