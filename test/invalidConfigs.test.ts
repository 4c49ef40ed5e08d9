/**
 * Every config in `test/invalid-configs/` must be refused by the render before any resource is
 * registered and before anything is written, with one message that starts with "Invalid", names
 * every problem listed under `expect`, holds nothing listed under `forbid` and never shows a
 * secret (one given as `secure:`, its stand-in under `secretValues`, or one put in plain text under
 * a key that should hold a secret) or anything shaped like a Hugging Face token. A case is a base
 * config from `bases.yaml` and a JSON merge patch (RFC 7386) of it, or stand-ins for its secrets;
 * a patch part that changes nothing, or a stand-in for a key that holds no secret, fails the case,
 * so a case cannot silently become the base. Nearly all of the time goes into loading the SDKs and
 * the program once: a case takes ~25 ms.
 */
import test, { after } from "node:test";
import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { isDeepStrictEqual } from "node:util";
import { parse, stringify } from "yaml";

import { MOCK_SECRET_VALUE, ProgramRunError, REPO_ROOT } from "../tools/mockRuntime";
import { render } from "../tools/render";

type Config = Record<string, unknown>;

/** One case, as written in a corpus file. */
interface InvalidConfigCase {
    description: string;
    expect: string[];
    /** Stand-ins for what `secure:` values decrypt to, by config key (default: the mock secret). */
    secretValues?: Record<string, string>;
    forbid?: string[];
    /** The config in `bases.yaml` it starts from (default: gke). */
    base?: string;
    patch?: Config;
}

function isObject(value: unknown): value is Config {
    return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** `target` with the JSON merge patch `patch` applied (objects merge key by key, null deletes a
 * key, anything else replaces), and the paths where the patch changed nothing. Keys are set as own
 * properties, so `__proto__` stays data. */
function mergePatch(target: unknown, patch: unknown, at = "$"): { value: unknown; unchanged: string[] } {
    if (!isObject(patch)) return { value: patch, unchanged: isDeepStrictEqual(target, patch) ? [at] : [] };
    const merged = new Map(Object.entries(isObject(target) ? target : {}));
    const unchanged: string[] = [];
    for (const [key, value] of Object.entries(patch)) {
        if (value === null) {
            if (!merged.delete(key)) unchanged.push(`${at}.${key}`);
            continue;
        }
        const child = mergePatch(merged.get(key), value, `${at}.${key}`);
        merged.set(key, child.value);
        unchanged.push(...child.unchanged);
    }
    const value = Object.fromEntries(merged);
    return { value, unchanged: unchanged.length === 0 && isDeepStrictEqual(value, target) ? [at] : unchanged };
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
function secretsOf(corpusCase: InvalidConfigCase, config: Config): string[] {
    const plain = [
        ...["hfToken", "apiKeys"].flatMap((key) => stringsIn(config[`multi-model-inference:${key}`])),
        // A key passed to vLLM as an argument.
        ...stringsIn(config).flatMap((s) => (s.startsWith("--api-key=") ? [s.slice("--api-key=".length)] : [])),
    ];
    const given = Object.values(corpusCase.secretValues ?? {}).flatMap((text) => [
        text,
        ...stringsIn(
            (() => {
                try {
                    return JSON.parse(text) as unknown;
                } catch {
                    return [];
                }
            })(),
        ),
    ]);
    return [MOCK_SECRET_VALUE, ...plain, ...given].filter((s) => s.length >= 8 && !s.startsWith("v1:"));
}

const CORPUS_DIR = path.join(REPO_ROOT, "test", "invalid-configs");
const readYaml = (file: string): Record<string, unknown> => parse(fs.readFileSync(path.join(CORPUS_DIR, file), "utf8")) as Record<string, unknown>;
const bases = readYaml("bases.yaml") as Record<string, Config>;
const cases = new Map<string, InvalidConfigCase>();
for (const file of fs
    .readdirSync(CORPUS_DIR)
    .filter((f) => f.endsWith(".yaml") && f !== "bases.yaml")
    .sort()) {
    for (const [name, corpusCase] of Object.entries(readYaml(file))) {
        assert.ok(!cases.has(name), `case ${name} (${file}) is named twice`);
        cases.set(name, corpusCase as InvalidConfigCase);
    }
}
const tempDir = fs.mkdtempSync(path.join(os.tmpdir(), "invalid-configs-"));
after(() => fs.rmSync(tempDir, { recursive: true, force: true }));

test("the invalid-config corpus has at least 30 cases", () => {
    assert.ok(cases.size >= 30, `only ${cases.size} cases in ${CORPUS_DIR}`);
});

test("a patch part that changes nothing is reported", () => {
    const base = { a: { b: 1, c: [1] }, d: "x" };
    assert.deepEqual(mergePatch(base, { a: { b: 2 }, e: null }), { value: { a: { b: 2, c: [1] }, d: "x" }, unchanged: ["$.e"] });
    assert.deepEqual(mergePatch(base, { a: { c: [1] } }).unchanged, ["$.a.c"]);
    assert.deepEqual(mergePatch(base, { a: {} }).unchanged, ["$.a"]);
    assert.deepEqual(mergePatch(base, { d: null, f: {} }), { value: { a: { b: 1, c: [1] }, f: {} }, unchanged: [] });
});

for (const [name, corpusCase] of cases) {
    test(`${name}: ${corpusCase.description}`, async () => {
        assert.ok(Array.isArray(corpusCase.expect) && corpusCase.expect.length > 0, "expect: must list substrings");
        const base = bases[corpusCase.base ?? "gke"];
        assert.ok(base !== undefined, `no base ${String(corpusCase.base)} in bases.yaml`);
        assert.ok(corpusCase.patch !== undefined || corpusCase.secretValues !== undefined, "the case changes nothing: give a patch or secretValues");
        const { value, unchanged } = mergePatch(base, corpusCase.patch ?? {});
        if (corpusCase.patch !== undefined) assert.deepEqual(unchanged, [], "the patch changes nothing there");
        const config = value as Config;
        for (const key of Object.keys(corpusCase.secretValues ?? {}))
            assert.ok(isObject(config[key]) && "secure" in config[key], `secretValues.${key}: the config holds no secret there`);
        const configFile = path.join(tempDir, `${name}.yaml`);
        fs.writeFileSync(configFile, stringify({ config }));
        const outParent = fs.mkdtempSync(path.join(tempDir, "out-"));
        const out = path.join(outParent, "render");
        await assert.rejects(render({ stack: name, configFile, out, secretValues: corpusCase.secretValues }), (error: unknown) => {
            assert.ok(error instanceof ProgramRunError, `not a ProgramRunError: ${String(error)}`);
            const { message } = error;
            assert.ok(message.startsWith("Invalid"), `message does not start with "Invalid":\n${message}`);
            for (const part of corpusCase.expect) {
                assert.ok(message.includes(part), `message lacks ${JSON.stringify(part)}:\n${message}`);
            }
            for (const secret of secretsOf(corpusCase, config)) assert.ok(!message.includes(secret), `message shows a secret:\n${message}`);
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
