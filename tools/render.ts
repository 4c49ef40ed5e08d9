/**
 * `npm run render -- --stack <name> [--config-file <path>] [--out <dir>]`: runs the real program
 * under Pulumi's mock runtime with a stack's config and writes what `pulumi up` would create.
 * A bad config exits non-zero with the program's message and writes nothing.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { parseArgs } from "node:util";
import { ProgramRunError, REPO_ROOT, runProgram } from "./mockRuntime";
import { renderFiles } from "./renderFiles";
import { printError } from "./typeScriptStack";

/** Writes `files` to `out` all at once: into a fresh sibling directory first, then renamed, so
 * a failed render never leaves a half-written directory. */
export function writeAtomically(out: string, files: Map<string, string>): void {
    const staging = `${out}.partial-${process.pid}`;
    fs.rmSync(staging, { recursive: true, force: true });
    try {
        for (const [file, content] of files) {
            const target = path.join(staging, file);
            fs.mkdirSync(path.dirname(target), { recursive: true });
            fs.writeFileSync(target, content);
        }
        fs.rmSync(out, { recursive: true, force: true });
        fs.renameSync(staging, out);
    } finally {
        fs.rmSync(staging, { recursive: true, force: true });
    }
}

async function main(): Promise<number> {
    const { values } = parseArgs({
        options: {
            stack: { type: "string" },
            "config-file": { type: "string" },
            out: { type: "string" },
        },
        strict: true,
    });
    if (values.stack === undefined) {
        console.error("usage: npm run render -- --stack <name> [--config-file <path>] [--out <dir>]");
        return 2;
    }
    const configFile = path.resolve(values["config-file"] ?? path.join(REPO_ROOT, `Pulumi.${values.stack}.yaml`));
    if (!fs.existsSync(configFile)) {
        console.error(`render: no config file ${configFile}`);
        return 2;
    }
    const out = path.resolve(values.out ?? path.join("out", values.stack));
    try {
        const run = await runProgram(values.stack, configFile);
        const files = renderFiles(run);
        writeAtomically(out, files);
        process.stdout.write(`Stack ${values.stack} (${path.relative(process.cwd(), configFile) || configFile})\n\n`);
        process.stdout.write(files.get("summary.txt") ?? "");
        process.stdout.write(`\nWrote ${files.size} files to ${path.relative(process.cwd(), out) || out}\n`);
        return 0;
    } catch (error) {
        if (!(error instanceof ProgramRunError)) throw error;
        console.error(error.message);
        return 1;
    }
}

main().then(
    (code) => process.exit(code),
    (error: unknown) => {
        printError(error);
        process.exit(1);
    },
);
