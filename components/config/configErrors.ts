/**
 * Config problems and how they are reported: every problem names the full key path (for example
 * `models[1].gpu.type`), the value given and what is allowed, and all problems of a config are
 * reported together.
 */
import * as pulumi from "@pulumi/pulumi";
import { z } from "zod";

/** One thing wrong with a config. */
export interface ConfigProblem {
    /** Key path, e.g. `models[1].gpu.type`. */
    path: string;
    /** What is wrong and what is allowed. */
    message: string;
}

/**
 * Thrown before any resource is registered when a config is invalid. A `RunError`, so Pulumi
 * prints the message without a stack trace.
 */
export class ConfigError extends pulumi.RunError {
    /** Every problem found. */
    readonly problems: ConfigProblem[];

    constructor(problems: ConfigProblem[], subject = "configuration") {
        const shown = problems.map((p) => ({ path: redactTokens(p.path), message: redactTokens(p.message) }));
        const lines = shown.map((p) => `  - ${p.path === "" ? "(top level)" : p.path}: ${p.message}`);
        super(`Invalid ${subject} (${problems.length} problem${problems.length === 1 ? "" : "s"}):\n${lines.join("\n")}`);
        this.problems = shown;
    }
}

/** Formats a key path as config users write it: `models[1].gpu.type`. */
export function formatPath(path: readonly PropertyKey[]): string {
    return path.map((segment, i) => (typeof segment === "number" ? `[${segment}]` : `${i === 0 ? "" : "."}${String(segment)}`)).join("");
}

/** What a Hugging Face access token looks like (`hf_` and letters and digits); one pasted into
 * another key is a secret in plain text all the same. */
const HF_TOKEN_SHAPE = /hf_[A-Za-z0-9]{20,}/g;

/** `text` with anything shaped like a Hugging Face token, and the credentials of a URL
 * (`//user:password@`), replaced, so that no message (nor the plan diff's pull request comment)
 * echoes one. */
export function redactTokens(text: string): string {
    return text.replace(HF_TOKEN_SHAPE, "hf_[redacted]").replace(/\/\/[^/@\s"]*@/g, "//[redacted]@");
}

/** Shows a value in a message, shortened, with token-shaped parts redacted; values of keys held as
 * secrets must never reach this function. */
export function describeValue(value: unknown): string {
    if (value === undefined) return "nothing";
    const text = redactTokens(JSON.stringify(value) ?? String(value));
    return text.length > 80 ? `${text.slice(0, 77)}...` : text;
}

function valueAt(root: unknown, path: readonly PropertyKey[]): unknown {
    let current: unknown = root;
    for (const segment of path) {
        if (current === null || typeof current !== "object") return undefined;
        current = (current as Record<PropertyKey, unknown>)[segment];
    }
    return current;
}

/** The keys allowed at `path` in `schema` (an object's keys, or a record's enum keys), looking
 * through defaults, optionals and refinements; listed where an unknown key was given. */
function allowedKeysAt(schema: z.ZodType, path: readonly PropertyKey[]): string[] {
    let current: z.ZodType | undefined = schema;
    const unwrap = (s: z.ZodType): z.ZodType => {
        let inner = s;
        while (inner instanceof z.ZodDefault || inner instanceof z.ZodOptional || inner instanceof z.ZodPipe) {
            inner = inner instanceof z.ZodPipe ? (inner.in as z.ZodType) : (inner.unwrap() as z.ZodType);
        }
        return inner;
    };
    for (const segment of path) {
        current = current === undefined ? undefined : unwrap(current);
        if (current instanceof z.ZodObject) current = current.shape[String(segment)] as z.ZodType | undefined;
        else if (current instanceof z.ZodArray) current = current.element as z.ZodType;
        else if (current instanceof z.ZodRecord) current = current.valueType as z.ZodType;
        else return [];
    }
    const found = current === undefined ? undefined : unwrap(current);
    if (found instanceof z.ZodObject) return Object.keys(found.shape);
    if (found instanceof z.ZodRecord && found.keyType instanceof z.ZodEnum) return found.keyType.options.map(String);
    return [];
}

/** Turns zod's issues into problems that name the key, the value given and what is allowed. */
export function problemsFromZod(
    schema: z.ZodType,
    input: unknown,
    issues: readonly z.core.$ZodIssue[],
    pathPrefix: readonly PropertyKey[] = [],
): ConfigProblem[] {
    const problems: ConfigProblem[] = [];
    for (const issue of issues) {
        const value = valueAt(input, issue.path);
        const given = `got ${describeValue(value)}`;
        if (issue.code === "unrecognized_keys") {
            const allowed = allowedKeysAt(schema, issue.path);
            for (const key of issue.keys) {
                problems.push({
                    path: formatPath([...pathPrefix, ...issue.path, key]),
                    message: allowed.length > 0 ? `unknown key; allowed keys here: ${allowed.join(", ")}` : "unknown key",
                });
            }
            continue;
        }
        const path = formatPath([...pathPrefix, ...issue.path]);
        switch (issue.code) {
            case "invalid_type":
                problems.push({
                    path,
                    message: value === undefined ? `is required (${issue.expected})` : `${given}; expected ${issue.expected}`,
                });
                break;
            case "invalid_value":
                problems.push({ path, message: `${given}; allowed: ${issue.values.map((v) => String(v)).join(", ")}` });
                break;
            case "invalid_key":
                problems.push({ path, message: `${given} is not an allowed key` });
                break;
            case "too_small":
            case "too_big": {
                const custom = !/^Too (small|big)/.test(issue.message);
                const bound = issue.code === "too_small" ? `at least ${String(issue.minimum)}` : `at most ${String(issue.maximum)}`;
                const unit = issue.origin === "string" ? " characters" : issue.origin === "array" ? " items" : "";
                problems.push({ path, message: `${given}; ${custom ? issue.message : `must be ${bound}${unit}`}` });
                break;
            }
            default:
                problems.push({ path, message: `${given}; ${issue.message}` });
        }
    }
    return problems;
}

/**
 * A problem for every Pulumi Output in `input` (a config given as a component's args). Through
 * `pulumi package add`, an input that depends on another resource reaches the component as an
 * Output, whose value is not known while the program runs; the plan needs every value before it
 * registers anything, so such an input must be a plain value.
 */
export function outputProblems(input: unknown, path: readonly PropertyKey[] = []): ConfigProblem[] {
    if (pulumi.Output.isInstance(input)) {
        return [
            {
                path: formatPath(path),
                message:
                    "is a Pulumi Output (it depends on another resource, or is a secret), but the plan needs its value before it " +
                    "registers anything: pass a plain value. (A cluster created in the same program goes in createdCluster, which takes outputs.)",
            },
        ];
    }
    if (Array.isArray(input)) return input.flatMap((item, i) => outputProblems(item, [...path, i]));
    if (typeof input === "object" && input !== null) {
        return Object.entries(input).flatMap(([key, value]) => outputProblems(value, [...path, key]));
    }
    return [];
}

/** Every plain string in `input` shaped like a Hugging Face token: the token belongs in the secret
 * `hfToken`; anywhere else (a node label, chart values, an EPP environment value) it would land in
 * plain text in the render, the state and the cluster. */
export function tokenShapedProblems(input: unknown, path: readonly PropertyKey[] = []): ConfigProblem[] {
    if (typeof input === "string") {
        if (!new RegExp(HF_TOKEN_SHAPE.source).test(input)) return [];
        return [
            {
                path: formatPath(path),
                message:
                    "holds what looks like a Hugging Face token (hf_...), which would be stored in plain text: give the token only as the secret hfToken (pulumi config set --secret hfToken)",
            },
        ];
    }
    if (typeof input !== "object" || input === null) return [];
    return Object.entries(input).flatMap(([key, value]) => [
        ...(new RegExp(HF_TOKEN_SHAPE.source).test(key)
            ? [{ path: formatPath([...path, key]), message: "is a key shaped like a Hugging Face token: give the token only as the secret hfToken" }]
            : []),
        ...tokenShapedProblems(value, [...path, Array.isArray(input) ? Number(key) : key]),
    ]);
}

/** Deeper than any config needs (the deepest key of ours is a few levels), and shallow enough
 * for every recursive reader of it (the YAML library, the schema, the checks here). */
export const MAX_CONFIG_DEPTH = 64;

/** Whether `value` nests more than `max` lists or mappings deep; iterative, so it cannot overflow. */
export function nestedDeeperThan(value: unknown, max: number): boolean {
    const pending: [unknown, number][] = [[value, 0]];
    while (pending.length > 0) {
        const [item, depth] = pending.pop() as [unknown, number];
        if (typeof item !== "object" || item === null) continue;
        if (depth >= max) return true;
        for (const child of Object.values(item)) pending.push([child, depth + 1]);
    }
    return false;
}

/** Parses `input` with `schema`, or throws a {@link ConfigError} listing every problem. */
export function parseOrThrow<S extends z.ZodType>(schema: S, input: unknown, subject?: string): z.output<S> {
    const result = schema.safeParse(input);
    if (!result.success) throw new ConfigError(problemsFromZod(schema, input, result.error.issues), subject);
    return result.data;
}
