/**
 * The render and plan-diff CLIs under hostile input, on real directories and through real pipes:
 * the render never deletes or changes what it did not write, refuses names that are paths, reads a
 * broken stack file into one line that quotes nothing from it, names the stacks there for a stack
 * without a file, and every byte of a long output
 * arrives through a slow pipe.
 */
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import test, { after } from "node:test";
import { stringify } from "yaml";
import { REPO_ROOT, loadStackConfig } from "../tools/mockRuntime";
import { RENDER_MARKER, RenderRefused, checkOutputDirectory, render, stackNames, writeAtomically } from "../tools/render";
import { StackFileError } from "../tools/stackFile";
import { cli, cliCommand } from "./helpers/cli";
import { configKey, stackVariant } from "./helpers/stackConfigs";

const work = fs.mkdtempSync(path.join(os.tmpdir(), "render-safety-"));
after(() => fs.rmSync(work, { recursive: true, force: true }));

/** Every file under `dir` with its content: what a test compares before and after. */
function snapshot(dir: string): Record<string, string> {
    const files = fs.readdirSync(dir, { recursive: true, encoding: "utf8" }).filter((f) => fs.statSync(path.join(dir, f)).isFile());
    return Object.fromEntries(files.sort().map((f) => [f, fs.readFileSync(path.join(dir, f), "utf8")]));
}

function directoryWith(name: string, files: Record<string, string>): string {
    const dir = path.join(work, name);
    for (const [file, content] of Object.entries(files)) {
        fs.mkdirSync(path.dirname(path.join(dir, file)), { recursive: true });
        fs.writeFileSync(path.join(dir, file), content);
    }
    return dir;
}

test("render refuses an existing directory it did not make and leaves it untouched", () => {
    const dir = directoryWith("not-a-render", { "notes.txt": "mine", "sub/data.bin": "also mine" });
    const before = snapshot(dir);
    const run = cli("render", "--stack", "gke", "--out", dir);
    assert.notEqual(run.status, 0);
    assert.match(run.stderr, /will not write to .*not-a-render: it is not empty and no render made it/);
    assert.deepEqual(snapshot(dir), before);
    assert.deepEqual(
        fs.readdirSync(work).filter((f) => f.includes("not-a-render") && f !== "not-a-render"),
        [],
        "a staging directory was left",
    );
});

test("render refuses stack names that are paths", async () => {
    // From the checkout with no --out, `..` would have named the checkout's parent.
    const run = cli("render", "--stack", "..");
    assert.equal(run.status, 2, run.stderr);
    assert.match(run.stderr, /--stack "\.\." is not a stack name/);
    for (const stack of [".", "a/b", "../gke", "", "x".repeat(101)]) {
        await assert.rejects(render({ stack, out: path.join(work, "never") }), /is not a stack name/);
    }
});

test("a stack with no stack file: the render names the stacks there and writes nothing", () => {
    const out = path.join(work, "prod");
    const run = cli("render", "--stack", "prod", "--out", out);
    assert.equal(run.status, 2, run.stderr);
    assert.equal(
        run.stderr.trim(),
        `render: no stack prod here (no Pulumi.prod.yaml); the stacks: ${stackNames().join(", ")}. Copy one to Pulumi.<name>.yaml, or pass --config-file <path>`,
    );
    assert.ok(stackNames().includes("gke") && stackNames().includes("istio"));
    assert.equal(fs.existsSync(out), false);
});

test("render refuses the checkout, the working directory, their parents, files, paths under files and links", async () => {
    const file = path.join(directoryWith("holds-a-file", { "f.txt": "x" }), "f.txt");
    const link = path.join(work, "link");
    fs.symlinkSync(path.join(work, "holds-a-file"), link);
    const cases: [string, RegExp][] = [
        [REPO_ROOT, /it is the checkout/],
        [path.dirname(REPO_ROOT), /it holds/],
        ["/", /it holds/],
        [".", /it is the checkout|it is the working directory/],
        [file, /it is a file/],
        [link, /it is a symbolic link/],
        [path.join(file, "out"), /f\.txt is a file, so nothing can be written under it/],
    ];
    for (const [out, why] of cases) {
        await assert.rejects(render({ stack: "gke", out }), (error: unknown) => error instanceof RenderRefused && why.test(error.message));
    }
    assert.equal(fs.readFileSync(file, "utf8"), "x");
});

test("a render replaces only its own files: stale files go, a foreign file stops it", () => {
    const out = path.join(work, "renders", "gke");
    writeAtomically(
        out,
        new Map([
            ["resources.json", "[1]"],
            ["manifests/a.yaml", "a"],
            ["manifests/b.yaml", "b"],
        ]),
    );
    checkOutputDirectory(out);
    // A second render without b.yaml: nothing of the first one survives (no merging into it).
    writeAtomically(
        out,
        new Map([
            ["resources.json", "[2]"],
            ["manifests/a.yaml", "a2"],
        ]),
    );
    assert.deepEqual(Object.keys(snapshot(out)), [RENDER_MARKER, "manifests/a.yaml", "resources.json"]);
    assert.equal(fs.readFileSync(path.join(out, "resources.json"), "utf8"), "[2]");
    fs.writeFileSync(path.join(out, "manifests", "mine.yaml"), "mine");
    assert.throws(() => checkOutputDirectory(out), /holds 1 file\(s\) the render did not write, e\.g\. manifests\/mine\.yaml/);
    fs.rmSync(path.join(out, "manifests", "mine.yaml"));
    fs.mkdirSync(path.join(out, "empty-dir"));
    assert.throws(() => checkOutputDirectory(out), /did not write, e\.g\. empty-dir/);
    assert.deepEqual(fs.readdirSync(path.dirname(out)), ["gke"], "a staging or old directory was left");
});

test("a write that fails half-way leaves the old render as it was (it is staged beside it)", () => {
    const out = path.join(work, "staged", "gke");
    writeAtomically(
        out,
        new Map([
            ["resources.json", "[old]"],
            ["summary.txt", "old"],
        ]),
    );
    const before = snapshot(out);
    // The second file cannot be written (a NUL byte in its name), after the first one was.
    assert.throws(() =>
        writeAtomically(
            out,
            new Map([
                ["resources.json", "[new]"],
                ["bad\0name", "x"],
            ]),
        ),
    );
    assert.deepEqual(snapshot(out), before);
    assert.deepEqual(fs.readdirSync(path.dirname(out)), ["gke"]);
});

test("a stack file that is a directory, not YAML, repeats a key, nests too deep or mixes secure and plain keys: one line, no stack trace, none of its text", async () => {
    const secretish = "hf_DoNotPrintThisLineEverAnywhere1234";
    const files: [string, string | undefined, RegExp][] = [
        ["a-directory", undefined, /a-directory is a directory, not a stack config file$/],
        ["broken.yaml", `config:\n  multi-model-inference:models: [\n  token: ${secretish}\n`, /broken\.yaml:3:3: not a valid stack config file: bad indent$/],
        [
            "repeated.yaml",
            `config:\n  multi-model-inference:namespace: a\n  x: ${secretish}\n  multi-model-inference:namespace: b\n`,
            /repeated\.yaml:4:3: not a valid stack config file: key "multi-model-inference:namespace" appears twice in one mapping$/,
        ],
        ["a-list.yaml", `- ${secretish}\n`, /a-list\.yaml: not a stack config file: expected a mapping/],
        // Thousands of levels overflow the YAML library's stack; a hundred, the readers after it.
        [
            "deep.yaml",
            `config:\n  x: ${secretish}\n  multi-model-inference:models: ${"[".repeat(20000)}${"]".repeat(20000)}\n`,
            /deep\.yaml: not a valid stack config file: nested more than 64 levels deep$/,
        ],
        // Pulumi would hold the whole key as a secret, but the plain entry sits in the file in clear.
        [
            "mixed-keys.yaml",
            `config:\n  multi-model-inference:apiKeys:\n    - secure: v1:abc\n    - ${secretish}\n`,
            /mixed-keys\.yaml: multi-model-inference:apiKeys is a list that mixes secure: and plain entries, .*pulumi config set --secret apiKeys '<JSON list>'\)$/,
        ],
        [
            "deepish.yaml",
            `config:\n  x: ${secretish}\n  multi-model-inference:charts: ${"{a: ".repeat(100)}1${"}".repeat(100)}\n`,
            /deepish\.yaml: not a valid stack config file: nested more than 64 levels deep$/,
        ],
    ];
    for (const [name, content, message] of files) {
        const file = path.join(work, name);
        if (content === undefined) fs.mkdirSync(file);
        else fs.writeFileSync(file, content);
        const out = path.join(work, `${name}-out`);
        // One through the CLI (what a user sees), the others through the same function in-process.
        const run =
            name === "repeated.yaml"
                ? cli("render", "--stack", "gke", "--config-file", file, "--out", out)
                : await render({ stack: "gke", configFile: file, out }).then(
                      () => assert.fail("rendered"),
                      (error: Error) => ({ status: error instanceof StackFileError ? 2 : 1, stderr: `${error.message}\n` }),
                  );
        assert.equal(run.status, 2, run.stderr);
        assert.equal(run.stderr.trim().split("\n").length, 1, run.stderr);
        assert.match(run.stderr.trim(), message);
        assert.ok(!run.stderr.includes(secretish) && !run.stderr.includes("    at "), run.stderr);
        assert.equal(fs.existsSync(out), false);
    }
});

test("YAML merge keys are read as the Pulumi CLI reads them: the program gets the same config", () => {
    const gkeFile = path.join(REPO_ROOT, "Pulumi.gke.yaml");
    const gke = fs.readFileSync(gkeFile, "utf8");
    const merged = gke
        .replace("config:\n", "gpu: &gpu { type: nvidia-l4, count: 1 }\nconfig:\n")
        .replaceAll("gpu: { type: nvidia-l4, count: 1 }", "gpu: { <<: *gpu }");
    assert.equal(merged.split("<<: *gpu").length, 3, "both models merge the anchor");
    const file = path.join(work, "merge-keys.yaml");
    fs.writeFileSync(file, merged);
    assert.deepEqual(loadStackConfig(file), loadStackConfig(gkeFile));
});

/** Runs `args` with one of its outputs read through a real pipe (bash's `|`) by a reader that
 * stops for a moment after the first line, as a slow pager would: the writer must wait for it
 * rather than exit with the rest unwritten. */
function throughSlowPipe(args: string[], stream: "stdout" | "stderr"): { code: number | null; text: string } {
    const redirect = stream === "stdout" ? "2>/dev/null" : "2>&1 >/dev/null";
    const script = `"$@" ${redirect} | { IFS= read -r first; sleep 0.3; printf '%s\\n' "$first"; cat; }; exit "\${PIPESTATUS[0]}"`;
    const result = spawnSync("bash", ["-c", script, "bash", ...args], { cwd: REPO_ROOT, encoding: "utf8", maxBuffer: 16 * 1024 * 1024 });
    return { code: result.status, text: result.stdout };
}

test("a long error arrives whole through a slow pipe (no exit before the write drains)", () => {
    const document = {
        config: { "multi-model-inference:models": Array.from({ length: 800 }, (_, i) => ({ name: `org/model-${i}`, gpu: { type: "nvidia-l5" } })) },
    };
    const file = path.join(work, "800-bad-models.yaml");
    fs.writeFileSync(file, stringify(document));
    const run = throughSlowPipe([...cliCommand("render"), "--stack", "big", "--config-file", file, "--out", path.join(work, "big")], "stderr");
    assert.equal(run.code, 1);
    assert.ok(run.text.length > 64 * 1024, `only ${run.text.length} bytes`);
    assert.match(run.text, /^Invalid stack configuration of multi-model-inference \(803 problems\)/);
    assert.match(run.text, /models\[799\]\.gpu\.type: got "nvidia-l5"; allowed: [^\n]+\n$/);
});

test("a long summary arrives whole through a slow pipe", () => {
    // The gke stack with many adapters under long names, on the line that routes by base model (no
    // limit per route): the summary lists them.
    const file = stackVariant("gke", "many-adapters", (config) => {
        config[configKey("charts")] = { inferencePool: { version: "v1.5.0" }, bodyBasedRouting: { version: "v1.5.0" } };
        config[configKey("models")].forEach((model: Record<string, unknown>, m: number) => {
            model["adapters"] = Array.from({ length: 127 }, (_, i) => ({ name: `m${m}-adapter-${i}-${"x".repeat(240)}`, source: `example-org/adapter-${i}` }));
        });
    });
    const out = path.join(work, "many-adapters");
    const run = throughSlowPipe([...cliCommand("render"), "--stack", "gke", "--config-file", file, "--out", out], "stdout");
    assert.equal(run.code, 0);
    assert.ok(run.text.length > 64 * 1024, `only ${run.text.length} bytes`);
    assert.ok(run.text.includes(`m1-adapter-126-${"x".repeat(240)}`), "the last adapter is missing");
    assert.match(run.text, /\nWrote \d+ files to .*many-adapters\n$/);
});

test("a long plan diff arrives whole through a slow pipe", () => {
    const resources = Array.from({ length: 1500 }, (_, i) => ({
        urn: `urn:pulumi:gke::multi-model-inference::kubernetes:core/v1:ConfigMap::config-${i}`,
        type: "kubernetes:core/v1:ConfigMap",
        name: `config-${i}`,
        parent: null,
        custom: true,
        provider: null,
        inputs: { data: { i } },
        options: { protect: false, dependsOn: [], customTimeouts: {} },
    }));
    const [before, afterDir] = [
        directoryWith("diff-before", { "resources.json": "[]" }),
        directoryWith("diff-after", { "resources.json": JSON.stringify(resources) }),
    ];
    const run = throughSlowPipe([...cliCommand("planDiff"), before, afterDir], "stdout");
    assert.equal(run.code, 0);
    assert.ok(run.text.length > 64 * 1024, `only ${run.text.length} bytes`);
    assert.match(run.text, /\*\*1500 to add, 0 to change, 0 to remove, 0 unchanged\.\*\*/);
    assert.ok(run.text.includes("config-1499"), "the last resource is missing");
});

test("plan-diff on a malformed resources.json: one line naming the file, none of its text", () => {
    const token = "hf_DoNotPrintThisLineEverAnywhere1234";
    const broken = directoryWith("diff-broken", { "resources.json": `[{"urn": "u", "token": ${token}}]` });
    const run = cli("planDiff", broken, broken);
    assert.equal(run.status, 2);
    assert.match(run.stderr.trim(), /^plan-diff: .*diff-broken\/resources\.json is not valid JSON$/);
    assert.ok(!run.stderr.includes(token) && !run.stdout.includes(token), run.stderr);
});
