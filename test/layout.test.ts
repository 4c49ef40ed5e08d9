/**
 * The tree says how the program works: no module imports itself back through others (an import
 * cycle hides which module is the foundation), the config and the catalogs (GPUs, models,
 * providers, release lines) import only each other, a module that makes no resource imports none
 * that does (the plan and the builders stay pure, whichever concept's folder holds them), the
 * consistency check never imports what it checks (so its expectations cannot be the builders'
 * own constants), and no module of code grows past the size a reader takes in at once. The graph
 * is read from the sources with the TypeScript compiler's own pre-processor, type-only imports
 * included. Two rules keep the loop fast: code that runs compiled from build/ finds files through
 * REPO_ROOT, and no module pulls in the types of every Google Cloud service.
 */
import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import test from "node:test";
import * as ts from "typescript";
import { declaresComponent } from "../tools/mutationReport";
import { REPO_ROOT as ROOT } from "../tools/repoRoot";

const SOURCE_DIRS = ["components", "stacks", "tools", "policy"];
/** Lines a module of code may have. */
const MAX_MODULE_LINES = 400;

function sourceFiles(dir: string): string[] {
    return fs.readdirSync(path.join(ROOT, dir), { withFileTypes: true }).flatMap((entry) => {
        const relative = path.join(dir, entry.name);
        if (entry.isDirectory()) return sourceFiles(relative);
        return entry.name.endsWith(".ts") ? [relative] : [];
    });
}

/** Each module's relative imports of project modules, as repository-relative paths. */
function importGraph(files: string[]): Map<string, string[]> {
    const known = new Set(files);
    const resolve = (from: string, specifier: string): string | undefined => {
        const base = path.normalize(path.join(path.dirname(from), specifier));
        return [`${base}.ts`, path.join(base, "index.ts")].find((candidate) => known.has(candidate));
    };
    return new Map(
        files.map((file) => {
            const info = ts.preProcessFile(fs.readFileSync(path.join(ROOT, file), "utf8"), true, true);
            const imports = info.importedFiles
                .map((f) => f.fileName)
                .filter((name) => name.startsWith("."))
                .map((name) => resolve(file, name))
                .filter((target): target is string => target !== undefined);
            return [file, imports];
        }),
    );
}

/** Every cycle in the graph, each as the list of modules it passes through. */
function cycles(graph: Map<string, string[]>): string[][] {
    const found: string[][] = [];
    const state = new Map<string, "open" | "done">();
    const stack: string[] = [];
    const visit = (node: string) => {
        state.set(node, "open");
        stack.push(node);
        for (const next of graph.get(node) ?? []) {
            if (state.get(next) === "open") found.push([...stack.slice(stack.indexOf(next)), next]);
            else if (state.get(next) === undefined) visit(next);
        }
        stack.pop();
        state.set(node, "done");
    };
    for (const node of graph.keys()) if (state.get(node) === undefined) visit(node);
    return found;
}

const files = [...SOURCE_DIRS.flatMap(sourceFiles), "index.ts"];
const graph = importGraph(files);
const withTests = [...files, ...sourceFiles("test")];

test("the cycle finder finds a cycle it is given and none in a tree", () => {
    assert.deepEqual(
        cycles(
            new Map([
                ["a", ["b"]],
                ["b", ["c"]],
                ["c", ["a"]],
            ]),
        ),
        [["a", "b", "c", "a"]],
    );
    assert.deepEqual(
        cycles(
            new Map([
                ["a", ["b", "c"]],
                ["b", ["c"]],
                ["c", []],
            ]),
        ),
        [],
    );
});

test("no module imports itself back through others", () => {
    assert.ok(graph.get(path.join("components", "index.ts"))?.length, "the import graph is empty: the reader is broken");
    assert.deepEqual(
        cycles(graph).map((cycle) => cycle.join(" -> ")),
        [],
    );
});

const FOUNDATION = [path.join("components", "config") + path.sep, path.join("components", "catalogs") + path.sep, path.join("components", "names.ts")];

test("the config and the catalogs import only each other and names.ts: the foundation every concept reads", () => {
    for (const [file, imports] of graph) {
        if (!FOUNDATION.some((f) => file.startsWith(f))) continue;
        const outward = imports.filter((target) => !FOUNDATION.some((f) => target.startsWith(f)));
        assert.deepEqual(outward, [], `${file} reaches out of the config and catalogs`);
    }
});

test("the plan and the builders import no component: a module that makes no resource imports none that does", () => {
    const components = new Set(
        files.filter((file) => file.startsWith("components" + path.sep) && declaresComponent(fs.readFileSync(path.join(ROOT, file), "utf8"))),
    );
    assert.ok(components.has(path.join("components", "multiModelInference.ts")), "the component finder is broken");
    for (const [file, imports] of graph) {
        if (!file.startsWith("components" + path.sep) || components.has(file) || file === path.join("components", "index.ts")) continue;
        assert.deepEqual(
            imports.filter((target) => components.has(target)),
            [],
            `${file} makes no resource but imports a module that does`,
        );
    }
});

test("the consistency check imports neither the plan nor the components (only the config's CIDR arithmetic, BBR's facts, the route evaluator and the real tools, Helm among them)", () => {
    // BBR's facts are the one store's (facts/bbr-model-header.json), shared with the builders
    // because the real BBR of each tag judges both (test/bodyBasedRouter.test.ts).
    const allowed = [
        path.join("components", "catalogs", "charts", "bodyBasedRouterFacts.ts"),
        path.join("tools", "consistency") + path.sep,
        path.join("tools", "routeMatching.ts"),
        path.join("components", "config", "cidr.ts"),
        path.join("tools", "local", "cache.ts"),
    ];
    let checked = 0;
    for (const [file, imports] of graph) {
        if (!file.startsWith(path.join("tools", "consistency") + path.sep)) continue;
        checked++;
        assert.deepEqual(
            imports.filter((target) => !allowed.some((a) => target === a || target.startsWith(a))),
            [],
            `${file} reaches into what it checks`,
        );
    }
    assert.ok(checked > 0, "no module of the consistency check found");
});

test(`no module of code is over ${MAX_MODULE_LINES} lines`, () => {
    for (const file of files) {
        const lines = fs.readFileSync(path.join(ROOT, file), "utf8").split("\n").length;
        assert.ok(lines <= MAX_MODULE_LINES, `${file} has ${lines} lines`);
    }
});

/** True when the module's code (not its comments or strings) names `identifier`. */
function usesIdentifier(file: string, identifier: string): boolean {
    const visit = (node: ts.Node): boolean => (ts.isIdentifier(node) && node.text === identifier) || ts.forEachChild(node, visit) === true;
    return visit(ts.createSourceFile(file, fs.readFileSync(path.join(ROOT, file), "utf8"), ts.ScriptTarget.Latest));
}

test("the identifier finder sees code and skips comments and strings", () => {
    assert.equal(usesIdentifier(path.join("tools", "repoRoot.ts"), "__dirname"), true);
    assert.equal(usesIdentifier(path.join("test", "layout.test.ts"), "__dirname"), false);
});

test("files are found from REPO_ROOT, not __dirname, which is under build/ when compiled", () => {
    const locator = path.join("tools", "repoRoot.ts");
    const users = withTests.filter((file) => file !== locator && usesIdentifier(file, "__dirname"));
    assert.deepEqual(users, [], `use REPO_ROOT or CODE_ROOT from ${locator}`);
});

test("no module imports @pulumi/gcp's index, which adds every service's types to each type check", () => {
    const importers = withTests.filter((file) =>
        ts.preProcessFile(fs.readFileSync(path.join(ROOT, file), "utf8"), true, true).importedFiles.some((f) => f.fileName === "@pulumi/gcp"),
    );
    assert.deepEqual(importers, [], 'import the service, e.g. `import * as container from "@pulumi/gcp/container"`');
});
