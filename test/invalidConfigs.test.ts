/**
 * Every config in `test/invalid-configs/` must be refused before any resource is registered, with
 * one message that starts with "Invalid", names every problem listed under `expect` and never
 * shows a secret: neither one given as `secure:` (or its stand-in under `secretValues`) nor one
 * put in plain text under a key that should hold a secret. Each corpus file is a stack config file plus `description` and `expect`; only
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
    /** Stand-ins for what `secure:` values decrypt to, by config key (default: the mock secret). */
    secretValues?: Record<string, string>;
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
        await assert.rejects(runProgram(path.basename(file, ".yaml"), configFile, corpusCase.secretValues), (error: unknown) => {
            assert.ok(error instanceof ProgramRunError, `not a ProgramRunError: ${String(error)}`);
            const { message } = error;
            assert.ok(message.startsWith("Invalid"), `message does not start with "Invalid":\n${message}`);
            for (const part of corpusCase.expect) {
                assert.ok(message.includes(part), `message lacks ${JSON.stringify(part)}:\n${message}`);
            }
            for (const secret of secretsOf(corpusCase)) assert.ok(!message.includes(secret), `message shows a secret:\n${message}`);
            assert.deepEqual(error.registered, [], "resources were registered");
            return true;
        });
    });
}
