/**
 * How a bad config is reported (components/config/configErrors.ts): every problem names its key
 * path as a user writes it, the value given (shortened, token-shaped parts redacted) and what is
 * allowed there, including the keys allowed where an unknown one was given, through defaults,
 * records and arrays; and an input that is a Pulumi Output is refused at its path. Pure.
 */
import assert from "node:assert/strict";
import test from "node:test";
import * as pulumi from "@pulumi/pulumi";
import { z } from "zod";
import { ConfigError, describeValue, outputProblems, problemsFromZod } from "../components/config/configErrors";

const schema = z.strictObject({
    name: z.string().min(3),
    tags: z.array(z.string()).max(1).optional(),
    replicas: z.number().min(1).optional(),
    size: z.number().min(10, "must hold the weights").optional(),
    kind: z.enum(["a", "b"]).optional(),
    pools: z.record(z.enum(["nvidia-l4", "nvidia-h100-80gb"]), z.strictObject({ n: z.number() })).optional(),
    adapters: z.array(z.strictObject({ source: z.string() })).optional(),
    nested: z.strictObject({ x: z.number() }).default({ x: 1 }),
});

function problems(input: unknown) {
    const result = schema.safeParse(input);
    assert.equal(result.success, false);
    return problemsFromZod(schema, input, result.error!.issues, ["cfg"]);
}

test("each problem: the key path as written, the value given, and what is allowed there", () => {
    const input = {
        name: "ab",
        tags: ["x", "y"],
        replicas: 0,
        size: 2,
        kind: "c",
        pools: { "nvidia-l5": { n: 1 }, "nvidia-l4": { n: 1, m: 2 } },
        adapters: [{ source: "a/b", retierd: true }],
        nested: { x: 1, y: 2 },
        extra: 1,
    };
    assert.deepEqual(problems(input), [
        { path: "cfg.name", message: 'got "ab"; must be at least 3 characters' },
        { path: "cfg.tags", message: 'got ["x","y"]; must be at most 1 items' },
        { path: "cfg.replicas", message: "got 0; must be at least 1" },
        // A bound with its own message keeps it.
        { path: "cfg.size", message: "got 2; must hold the weights" },
        { path: "cfg.kind", message: 'got "c"; allowed: a, b' },
        { path: "cfg.pools.nvidia-l4.m", message: "unknown key; allowed keys here: n" },
        { path: "cfg.pools.nvidia-h100-80gb", message: "is required (object)" },
        { path: "cfg.pools.nvidia-l5", message: "unknown key; allowed keys here: nvidia-l4, nvidia-h100-80gb" },
        { path: "cfg.adapters[0].retierd", message: "unknown key; allowed keys here: source" },
        { path: "cfg.nested.y", message: "unknown key; allowed keys here: x" },
        { path: "cfg.extra", message: "unknown key; allowed keys here: name, tags, replicas, size, kind, pools, adapters, nested" },
    ]);
    assert.deepEqual(problems({ name: 5 }), [{ path: "cfg.name", message: "got 5; expected string" }]);
    assert.deepEqual(problems({}), [{ path: "cfg.name", message: "is required (string)" }]);
});

test("values in messages: undefined is 'nothing', long ones are cut at 80 characters, tokens never shown", () => {
    assert.equal(describeValue(undefined), "nothing");
    const exactly = "x".repeat(78); // 80 characters with its quotes
    assert.equal(describeValue(exactly), JSON.stringify(exactly));
    assert.equal(describeValue(`${exactly}y`), `${JSON.stringify(exactly).slice(0, 77)}...`);
    assert.equal(describeValue({ key: `hf_${"A1".repeat(15)}` }), '{"key":"hf_[redacted]"}');
});

test("the error lists every problem under one line that counts them, (top level) for the root, tokens redacted", () => {
    const token = `hf_${"Zq".repeat(12)}`;
    const one = new ConfigError([{ path: "", message: `got ${token}` }]);
    assert.equal(one.message, "Invalid configuration (1 problem):\n  - (top level): got hf_[redacted]");
    const two = new ConfigError(
        [
            { path: "a", message: "x" },
            { path: `b.${token}`, message: "y" },
        ],
        "stack file",
    );
    assert.equal(two.message, "Invalid stack file (2 problems):\n  - a: x\n  - b.hf_[redacted]: y");
    assert.deepEqual(two.problems[1], { path: "b.hf_[redacted]", message: "y" });
});

test("an input that is a Pulumi Output is refused at its path, however deep; plain values pass", () => {
    const input = { cluster: { name: "c" }, models: [{ name: "m" }, { name: pulumi.output("from another resource") }], hfToken: pulumi.secret("t") };
    assert.deepEqual(
        outputProblems(input).map((p) => p.path),
        ["models[1].name", "hfToken"],
    );
    assert.match(outputProblems(input)[0].message, /^is a Pulumi Output .* pass a plain value/);
    assert.deepEqual(outputProblems({ a: [1, "two", null, { b: false }] }), []);
    assert.deepEqual(outputProblems(null), []);
});
