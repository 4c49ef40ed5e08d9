// `npm run compile`: transpiles the program, the tools and the tests into build/ with esbuild, one
// CommonJS file per TypeScript file with its source map beside it; every npm script runs from
// there. No type check here: `npm test` runs tsc once. Plain JavaScript, as it runs before
// anything is compiled. Writes only files whose content changed and deletes those whose source
// is gone, so a render started while tests run from build/ leaves their files alone.
import * as fs from "node:fs";
import * as path from "node:path";
import { fileURLToPath } from "node:url";
import { build } from "esbuild";

const root = fileURLToPath(new URL("..", import.meta.url));
const outdir = path.join(root, "build");
const { outputFiles } = await build({
    absWorkingDir: root,
    entryPoints: ["index.ts", "components/**/*.ts", "stacks/**/*.ts", "tools/**/*.ts", "test/**/*.ts"],
    outdir,
    outbase: ".",
    platform: "node",
    format: "cjs",
    target: "node20",
    sourcemap: true,
    logLevel: "warning",
    write: false,
});
const wanted = new Set(outputFiles.map((file) => file.path));
for (const file of outputFiles) {
    if (fs.existsSync(file.path) && fs.readFileSync(file.path).equals(file.contents)) continue;
    fs.mkdirSync(path.dirname(file.path), { recursive: true });
    fs.writeFileSync(file.path, file.contents);
}
for (const entry of fs.readdirSync(outdir, { recursive: true, withFileTypes: true })) {
    const file = path.join(entry.parentPath ?? entry.path, entry.name);
    if (entry.isFile() && !wanted.has(file)) fs.rmSync(file);
}
