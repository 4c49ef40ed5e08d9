/**
 * Reads a stack config file (`Pulumi.<stack>.yaml`) the way the Pulumi CLI does: YAML with merge
 * keys (`<<:`, which the CLI's YAML library reads) and without repeated keys (which it refuses).
 * A file that cannot be read gives one line naming the file, the line and what is wrong, never the
 * line's text: a stack file holds secrets.
 */
import * as fs from "node:fs";
import { LineCounter, isScalar, parseDocument, visit } from "yaml";
import { MAX_CONFIG_DEPTH, nestedDeeperThan } from "../components/config/configErrors";

/** A stack config file that is missing, not a file, not YAML or not a stack file. */
export class StackFileError extends Error {}

/** The `config:` mapping of a stack file: full keys (`<namespace>:<key>`) and their values. */
export function readStackFile(file: string): Record<string, unknown> {
    const stat = fs.statSync(file, { throwIfNoEntry: false });
    if (stat === undefined) throw new StackFileError(`${file}: no such file`);
    if (!stat.isFile()) throw new StackFileError(`${file} is ${stat.isDirectory() ? "a directory" : "not a regular file"}, not a stack config file`);
    const lines = new LineCounter();
    const tooDeep = `${file}: not a valid stack config file: nested more than ${MAX_CONFIG_DEPTH} levels deep`;
    let document: ReturnType<typeof parseDocument>;
    try {
        document = parseDocument(fs.readFileSync(file, "utf8"), { merge: true, lineCounter: lines, prettyErrors: false });
    } catch (error) {
        // The YAML library recurses per level: thousands of levels exhaust the stack.
        if (error instanceof RangeError) throw new StackFileError(tooDeep);
        throw error;
    }
    const [error] = document.errors;
    if (error !== undefined) {
        const { line, col } = lines.linePos(error.pos[0]);
        const what =
            error.code === "DUPLICATE_KEY"
                ? `key ${JSON.stringify(keyAt(document, error.pos[0]))} appears twice in one mapping`
                : error.code.toLowerCase().replace(/_/g, " ");
        throw new StackFileError(`${file}:${line}:${col}: not a valid stack config file: ${what}`);
    }
    let root: unknown;
    try {
        root = document.toJS();
    } catch (error) {
        if (error instanceof RangeError) throw new StackFileError(tooDeep);
        // An alias naming no anchor; the message would quote the file.
        throw new StackFileError(`${file}: not a valid stack config file: an alias (*name) refers to no anchor (&name)`);
    }
    // What reads the config next (the Pulumi runtime, the schema, JSON) recurses per level too.
    if (nestedDeeperThan(root, MAX_CONFIG_DEPTH)) throw new StackFileError(tooDeep);
    const config = root === null ? undefined : (root as { config?: unknown }).config;
    if ((root !== null && !isMapping(root)) || (config !== undefined && config !== null && !isMapping(config))) {
        throw new StackFileError(`${file}: not a stack config file: expected a mapping with a config: mapping of <namespace>:<key> entries`);
    }
    return (config ?? {}) as Record<string, unknown>;
}

function isMapping(value: unknown): value is Record<string, unknown> {
    return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** The text of the scalar key that starts at `offset`. */
function keyAt(document: ReturnType<typeof parseDocument>, offset: number): string {
    let key = "?";
    visit(document, {
        Pair(_, pair) {
            if (isScalar(pair.key) && pair.key.range?.[0] === offset) key = String(pair.key.value);
        },
    });
    return key;
}
