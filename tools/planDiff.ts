/**
 * `npm run plan-diff -- <old-dir> <new-dir>`: prints, in Markdown, what changes between two
 * renders; an empty directory stands for a stack that does not exist on that side. Exits 0
 * whether or not anything changed; non-zero only on bad input.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { diffMarkdown, diffResources } from "./diffResources";
import type { RenderedResource } from "./renderFiles";

/** The resources of a render; an empty directory is an empty plan (a stack one side lacks). */
function readRender(dir: string): RenderedResource[] {
    const file = path.join(dir, "resources.json");
    if (fs.statSync(dir, { throwIfNoEntry: false })?.isDirectory() && fs.readdirSync(dir).length === 0) return [];
    if (!fs.existsSync(file)) throw new Error(`${dir} is not a render: ${file} does not exist (run npm run render first)`);
    let resources: unknown;
    try {
        resources = JSON.parse(fs.readFileSync(file, "utf8"));
    } catch {
        // JSON.parse's message quotes the text near the fault, which may be a secret.
        throw new Error(`${file} is not valid JSON`);
    }
    if (!Array.isArray(resources) || resources.some((r) => typeof (r as RenderedResource).urn !== "string")) {
        throw new Error(`${file} is not a list of rendered resources`);
    }
    return resources as RenderedResource[];
}

function main(args: string[]): number {
    if (args.length !== 2) {
        console.error("usage: npm run plan-diff -- <old-dir> <new-dir>");
        return 2;
    }
    const [before, after] = args;
    try {
        const diff = diffResources(readRender(before), readRender(after));
        process.stdout.write(diffMarkdown(`Plan diff: ${path.basename(path.resolve(after))}`, diff));
        return 0;
    } catch (error) {
        console.error(`plan-diff: ${error instanceof Error ? error.message : String(error)}`);
        return 2;
    }
}

// The exit code is set, not forced: process.exit() would cut output still in a pipe's buffer.
process.exitCode = main(process.argv.slice(2));
