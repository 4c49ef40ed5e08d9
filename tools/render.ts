/**
 * `npm run render -- --stack <name> [--config-file <path>] [--out <dir>]`: runs the real program
 * under Pulumi's mock runtime with a stack's config and writes what `pulumi up` would create.
 * A bad config exits non-zero with the program's message and writes nothing. The output directory
 * is replaced only when a previous render made it (its marker file lists every file it wrote):
 * the render never deletes what it did not write.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { parseArgs } from "node:util";
import { REPO_ROOT } from "./repoRoot";
import { StackFileError, readStackFile } from "./stackFile";
import { printError } from "./typeScriptStack";

/** The file a render writes into its output directory: which tool made it, and every file. */
export const RENDER_MARKER = ".multi-model-inference-render";
const MARKER_TOOL = "multi-model-inference render";
const MARKER_VERSION = 1;

const USAGE = "usage: npm run render -- --stack <name> [--config-file <path>] [--out <dir>]";

/** A render that must not start: a bad argument or an output directory it may not replace. */
export class RenderRefused extends Error {}

/** Pulumi's rule for stack names (`^[A-Za-z0-9_.-]{1,100}$`, pulumi/pulumi `validateStackName`),
 * without `.` and `..`, which Pulumi allows but which the render's default paths would read as
 * directories. */
export function checkStackName(stack: string): void {
    if (!/^[A-Za-z0-9_.-]{1,100}$/.test(stack) || stack === "." || stack === "..") {
        throw new RenderRefused(`render: --stack ${JSON.stringify(stack)} is not a stack name: 1-100 letters, digits, - _ and ., and not . or ..`);
    }
}

/** The stacks of a checkout: one per `Pulumi.<stack>.yaml` in `dir`. */
export function stackNames(dir = REPO_ROOT): string[] {
    return fs
        .readdirSync(dir)
        .map((file) => /^Pulumi\.(.+)\.yaml$/.exec(file)?.[1])
        .filter((stack): stack is string => stack !== undefined)
        .sort();
}

interface Marker {
    tool: string;
    version: number;
    files: string[];
}

/** Files and directories under `dir`, relative, `/`-separated. */
function entriesUnder(dir: string): { files: string[]; dirs: string[] } {
    const files: string[] = [];
    const dirs: string[] = [];
    for (const entry of fs.readdirSync(dir, { recursive: true, withFileTypes: true })) {
        const relative = path.relative(dir, path.join(entry.parentPath, entry.name)).split(path.sep).join("/");
        (entry.isDirectory() ? dirs : files).push(relative);
    }
    return { files, dirs };
}

function readMarker(dir: string): Marker | undefined {
    try {
        const marker = JSON.parse(fs.readFileSync(path.join(dir, RENDER_MARKER), "utf8")) as Marker;
        return marker.tool === MARKER_TOOL && Array.isArray(marker.files) ? marker : undefined;
    } catch {
        return undefined;
    }
}

/**
 * Refuses an output directory the render may not replace: the checkout, the working directory or
 * a directory holding either; a file or symbolic link, or a path under a file; a directory that is not empty and was not
 * made by a render, or that holds anything the render did not write. A missing or empty directory
 * is fine: replacing it loses nothing.
 */
export function checkOutputDirectory(out: string): void {
    const refuse = (why: string) => new RenderRefused(`render: will not write to ${out}: ${why}. Choose a new directory (or one a previous render wrote).`);
    const real = (p: string) => fs.realpathSync.native(p);
    const underFile = path
        .dirname(out)
        .split(path.sep)
        .map((_, i, parts) => parts.slice(0, i + 1).join(path.sep) || path.sep)
        .find((ancestor) => fs.statSync(ancestor, { throwIfNoEntry: false })?.isFile() === true);
    if (underFile !== undefined) throw refuse(`${underFile} is a file, so nothing can be written under it`);
    const existing = fs.lstatSync(out, { throwIfNoEntry: false });
    const target = existing === undefined ? out : real(out);
    for (const kept of [REPO_ROOT, process.cwd()].map(real)) {
        if (kept === target || kept.startsWith(target.endsWith(path.sep) ? target : target + path.sep)) {
            throw refuse(kept === target ? `it is ${kept === real(REPO_ROOT) ? "the checkout" : "the working directory"}` : `it holds ${kept}`);
        }
    }
    if (existing === undefined) return;
    if (existing.isSymbolicLink()) throw refuse("it is a symbolic link");
    if (!existing.isDirectory()) throw refuse("it is a file, not a directory");
    const { files, dirs } = entriesUnder(out);
    if (files.length === 0 && dirs.length === 0) return;
    const marker = readMarker(out);
    if (marker === undefined) throw refuse(`it is not empty and no render made it (it has no ${RENDER_MARKER})`);
    const written = new Set([...marker.files, RENDER_MARKER]);
    const ancestors = (file: string) =>
        file
            .split("/")
            .slice(0, -1)
            .map((_, i, parts) => parts.slice(0, i + 1).join("/"));
    const writtenDirs = new Set([...written].flatMap(ancestors));
    const foreign = [...files.filter((f) => !written.has(f)), ...dirs.filter((d) => !writtenDirs.has(d))];
    if (foreign.length > 0) throw refuse(`it holds ${foreign.length} file(s) the render did not write, e.g. ${foreign.sort()[0]}`);
}

/**
 * Writes `files` (and the marker listing them) to `out` all at once: into a fresh sibling
 * directory first, then swapped in, so a failed render leaves `out` as it was and an old render's
 * files do not survive into the new one. Refuses (see {@link checkOutputDirectory}) a directory
 * it may not replace, checked again just before the swap.
 */
export function writeAtomically(out: string, files: Map<string, string>): void {
    const parent = path.dirname(out);
    fs.mkdirSync(parent, { recursive: true });
    const staging = fs.mkdtempSync(path.join(parent, `.${path.basename(out)}.partial-`));
    try {
        fs.chmodSync(staging, 0o755); // mkdtemp makes it private; the render is an ordinary directory
        for (const [file, content] of files) {
            const target = path.join(staging, file);
            fs.mkdirSync(path.dirname(target), { recursive: true });
            fs.writeFileSync(target, content);
        }
        const marker: Marker = { tool: MARKER_TOOL, version: MARKER_VERSION, files: [...files.keys()].sort() };
        fs.writeFileSync(path.join(staging, RENDER_MARKER), `${JSON.stringify(marker, null, 2)}\n`);
        checkOutputDirectory(out);
        if (!fs.existsSync(out)) {
            fs.renameSync(staging, out);
            return;
        }
        // rename(2) replaces an empty directory: reserve a name, move the old render onto it.
        const old = fs.mkdtempSync(path.join(parent, `.${path.basename(out)}.old-`));
        fs.renameSync(out, old);
        try {
            fs.renameSync(staging, out);
        } catch (error) {
            fs.renameSync(old, out);
            throw error;
        }
        fs.rmSync(old, { recursive: true, force: true });
    } finally {
        fs.rmSync(staging, { recursive: true, force: true });
    }
}

/** The render's output: where it went and what the summary says. */
export interface RenderResult {
    /** Every file written, by path relative to `out`. */
    files: Map<string, string>;
    /** The stack config file read. */
    configFile: string;
    /** The output directory. */
    out: string;
}

/** Checks the arguments and the output directory, runs the program and writes the render. Throws
 * {@link RenderRefused} or {@link StackFileError} before running anything, and the program's
 * `ProgramRunError` for a bad config; writes nothing then. */
export async function render(options: {
    stack: string;
    configFile?: string;
    out?: string;
    /** Stand-ins for what `secure:` values decrypt to, by config key (tests only; see `loadStackConfig`). */
    secretValues?: Record<string, string>;
}): Promise<RenderResult> {
    checkStackName(options.stack);
    const configFile = path.resolve(options.configFile ?? path.join(REPO_ROOT, `Pulumi.${options.stack}.yaml`));
    const out = path.resolve(options.out ?? path.join("out", options.stack));
    // A mistyped or new stack name: say which stacks there are rather than which file is missing.
    if (options.configFile === undefined && !fs.existsSync(configFile)) {
        throw new RenderRefused(
            `render: no stack ${options.stack} here (no ${path.basename(configFile)}); the stacks: ${stackNames().join(", ") || "none"}. ` +
                "Copy one to Pulumi.<name>.yaml, or pass --config-file <path>",
        );
    }
    checkOutputDirectory(out);
    readStackFile(configFile);
    // Loaded only now, and with require (the compiled CommonJS has no resolver for import() of a
    // path without extension): a refused render does not wait for the SDKs.
    const { runProgram } = require("./mockRuntime") as typeof import("./mockRuntime");
    const { renderFiles } = require("./renderFiles") as typeof import("./renderFiles");
    const files = renderFiles(await runProgram(options.stack, configFile, options.secretValues));
    writeAtomically(out, files);
    return { files, configFile, out };
}

async function main(args: string[]): Promise<number> {
    let values: { stack?: string; "config-file"?: string; out?: string };
    try {
        ({ values } = parseArgs({ args, options: { stack: { type: "string" }, "config-file": { type: "string" }, out: { type: "string" } }, strict: true }));
    } catch (error) {
        console.error(`render: ${error instanceof Error ? error.message : String(error)}\n${USAGE}`);
        return 2;
    }
    if (values.stack === undefined) {
        console.error(USAGE);
        return 2;
    }
    try {
        const result = await render({ stack: values.stack, configFile: values["config-file"], out: values.out });
        const shown = (p: string) => path.relative(process.cwd(), p) || p;
        process.stdout.write(`Stack ${values.stack} (${shown(result.configFile)})\n\n`);
        process.stdout.write(result.files.get("summary.txt") ?? "");
        process.stdout.write(`\nWrote ${result.files.size} files to ${shown(result.out)}\n`);
        return 0;
    } catch (error) {
        if (error instanceof RenderRefused || error instanceof StackFileError) {
            console.error(error.message);
            return 2;
        }
        const { ProgramRunError } = require("./mockRuntime") as typeof import("./mockRuntime");
        if (!(error instanceof ProgramRunError)) throw error;
        console.error(error.message);
        return 1;
    }
}

// The exit code is set, not forced: process.exit() would cut output still in a pipe's buffer.
if (require.main === module) {
    main(process.argv.slice(2)).then(
        (code) => {
            process.exitCode = code;
        },
        (error: unknown) => {
            printError(error);
            process.exitCode = 1;
        },
    );
}
