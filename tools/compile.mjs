// `npm run compile`: transpiles the program, the tools and the tests into build/ with esbuild, one
// CommonJS file per TypeScript file with its source map beside it; every npm script runs from
// there, beside copies of the JSON data the code imports. No type check here: `npm test` runs tsc
// once. Plain JavaScript, as it runs before anything is compiled. Writes only files whose content
// changed and deletes those whose source is gone, so a render started while tests run from
// build/ leaves their files alone.
import * as fs from "node:fs";
import * as path from "node:path";
import { fileURLToPath } from "node:url";
import { build } from "esbuild";

const root = fileURLToPath(new URL("..", import.meta.url));
const outdir = path.join(root, "build");
const SOURCE_DIRS = ["components", "stacks", "tools", "policy", "test"];
/** The upstream facts (facts/): data only, read beside the compiled code. */
const DATA_DIRS = [...SOURCE_DIRS, "facts"];
const { outputFiles } = await build({
    absWorkingDir: root,
    entryPoints: ["index.ts", ...SOURCE_DIRS.map((dir) => `${dir}/**/*.ts`)],
    outdir,
    outbase: ".",
    platform: "node",
    format: "cjs",
    target: "node20",
    sourcemap: true,
    logLevel: "warning",
    write: false,
});
// JSON imported by the code (`resolveJsonModule`) is required at run time beside the compiled file.
const dataFiles = DATA_DIRS.flatMap((dir) =>
    fs
        .readdirSync(path.join(root, dir), { recursive: true })
        .filter((name) => String(name).endsWith(".json") && !/(^|\/)(tsconfig|package(-lock)?)\.json$/.test(String(name)))
        .map((name) => ({ path: path.join(outdir, dir, String(name)), contents: fs.readFileSync(path.join(root, dir, String(name))) })),
);
const wanted = new Set([...outputFiles, ...dataFiles].map((file) => file.path));
for (const file of [...outputFiles, ...dataFiles]) {
    if (fs.existsSync(file.path) && fs.readFileSync(file.path).equals(file.contents)) continue;
    fs.mkdirSync(path.dirname(file.path), { recursive: true });
    fs.writeFileSync(file.path, file.contents);
}
for (const entry of fs.readdirSync(outdir, { recursive: true, withFileTypes: true })) {
    const file = path.join(entry.parentPath ?? entry.path, entry.name);
    if (entry.isFile() && !wanted.has(file)) fs.rmSync(file);
}
