/**
 * Errors as a user should see them: the stack's frames in compiled code (`build/**.js`) pointed
 * back at their TypeScript line through the source map esbuild wrote beside each file. Mapped only
 * when an error is printed: Node's own `--enable-source-maps` maps every stack the Pulumi SDK
 * captures for its promises, which made a 64-model render about 60% slower (docs/offline.md).
 */
import * as fs from "node:fs";
import { SourceMap } from "node:module";
import * as path from "node:path";
import { inspect } from "node:util";
import { CODE_ROOT } from "./repoRoot";

/** A frame's position as V8 prints it: `/abs/file.js:line:column`. */
const FRAME_POSITION = /(\/[^\s():]+\.js):(\d+):(\d+)/g;

function sourceMapOf(file: string): SourceMap | undefined {
    const mapFile = `${file}.map`;
    return fs.existsSync(mapFile) ? new SourceMap(JSON.parse(fs.readFileSync(mapFile, "utf8"))) : undefined;
}

/** A position in a file, lines and columns from 1 as in a stack frame. */
export interface Position {
    file: string;
    line: number;
    column: number;
}

/** The TypeScript position of a position in compiled project code, or undefined for any other
 * file (the SDK's, or code without a map). */
export function typeScriptPosition(position: Position, maps = new Map<string, SourceMap | undefined>()): Position | undefined {
    const { file } = position;
    if (!file.startsWith(CODE_ROOT + path.sep) || file.includes(`${path.sep}node_modules${path.sep}`)) return undefined;
    if (!maps.has(file)) maps.set(file, sourceMapOf(file));
    const entry = maps.get(file)?.findEntry(position.line - 1, position.column - 1);
    if (entry === undefined || !("originalSource" in entry)) return undefined;
    return { file: path.resolve(path.dirname(file), entry.originalSource), line: entry.originalLine + 1, column: entry.originalColumn + 1 };
}

/** `text` (an error as printed) with each frame in compiled project code replaced by its
 * TypeScript file, line and column; other frames are left as they are. */
export function withTypeScriptPositions(text: string): string {
    const maps = new Map<string, SourceMap | undefined>();
    return text.replace(FRAME_POSITION, (frame: string, file: string, line: string, column: string) => {
        const mapped = typeScriptPosition({ file, line: Number(line), column: Number(column) }, maps);
        return mapped === undefined ? frame : `${mapped.file}:${mapped.line}:${mapped.column}`;
    });
}

/** Prints `error` as `console.error` would, with TypeScript positions. */
export function printError(error: unknown): void {
    console.error(withTypeScriptPositions(inspect(error)));
}
