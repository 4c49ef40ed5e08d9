// @ts-check
/**
 * `npm run mutation`: StrykerJS over the config, the planner (the names among it) and the pure
 * builders, so that tests which pass whatever the code does show up as surviving mutants. Not part
 * of `npm test`. Incremental: results are kept in reports/ (ignored by git), so a rerun tests only
 * mutants whose code or covering tests changed.
 *
 * Modules that make no resource (the config, the catalogs, each concept's plan and pure builders)
 * are mutated whole; of the modules that declare a component, only the module-level functions and
 * constants, found with the TypeScript compiler on every run; the component classes are left to
 * the mocked runs of `npm test`. Stryker mutates the TypeScript in its sandbox, `npm run compile` turns it into
 * build/ as always, and the compiled test files run under mocha (test/helpers/nodeTestOnMocha.ts),
 * each mutant against only the tests that reach it.
 */
import * as fs from "node:fs";
import ts from "typescript";

/** Lines of the module-level functions and constants of a module, as mutation ranges. */
function builderRanges(file) {
    const source = ts.createSourceFile(file, fs.readFileSync(file, "utf8"), ts.ScriptTarget.Latest, true);
    const line = (position) => source.getLineAndCharacterOfPosition(position).line + 1;
    return source.statements
        .filter((s) => ts.isFunctionDeclaration(s) || ts.isVariableStatement(s))
        .map((s) => `${file}:${line(s.getStart(source))}-${line(s.getEnd())}`);
}

const modules = fs
    .readdirSync("components", { recursive: true })
    .map((f) => `components/${f}`)
    .filter((f) => f.endsWith(".ts") && f !== "components/index.ts");
// `npm run mutation` compiles first; the report groups by the same rule.
const { declaresComponent } = await import("./build/tools/mutationReport.js");
const makesResources = (file) => declaresComponent(fs.readFileSync(file, "utf8"));

/** The test files a mutant may run: those whose assertions reach the config, the plan and the
 * builders. The rest check tools, workflows, packaging and types, and would only add time.
 * crossLanguageInputs is left out: its component provider loads a second copy of the package
 * inside a test, which makes every module-level mutant look covered by that test, so each would
 * need a fresh process (and would survive it, as the test checks only how inputs arrive). */
const TEST_FILES = [
    "builders",
    "planFunctions",
    "configErrors",
    "builderFacts",
    "acceptedInputs",
    "invalidConfigs",
    "releaseLines",
    "upstreamFacts",
    "vllmFacts",
    "clientRequests",
    "loraAdapters",
    "adapterFetcher",
    "weightCache",
    "monitoring",
    "frontDoor",
    "routing",
    "consistency",
    "releaseLineStacks",
    "stacks",
    "updates",
    "clusterFromZero",
    "anyCluster",
    "contextPlan",
    "llmdRouterLine",
    "properties",
    "bodyBasedRouter",
    "goldenRenders",
].map((name) => `build/test/${name}.test.js`);

/** @type {import("@stryker-mutator/api/core").PartialStrykerOptions} */
export default {
    packageManager: "npm",
    mutate: modules.flatMap((f) => (makesResources(f) ? builderRanges(f) : [f])),
    testRunner: "mocha",
    mochaOptions: { spec: TEST_FILES, require: ["./build/test/helpers/nodeTestOnMocha.js"] },
    buildCommand: "node tools/compile.mjs",
    // Mutants evaluated only while a module loads (the tables of facts, the schemas) need a fresh
    // process each; the tables are facts, each checked against its source by `npm test`.
    ignoreStatic: true,
    coverageAnalysis: "perTest",
    concurrency: 2,
    incremental: true,
    incrementalFile: "reports/stryker-incremental.json",
    tempDirName: ".stryker-tmp",
    // Not needed to run the tests: keeps the sandbox copy small. build/ stays in: the tests that
    // run are its compiled files, and the incremental run reuses a result only when it can see
    // that the test file it came from is unchanged (`npm run mutation` compiles first).
    ignorePatterns: ["dist", "out", "reports", "docs", "examples", "*.tgz", ".ci/node24"],
    reporters: ["clear-text", "progress", "html", "json"],
    htmlReporter: { fileName: "reports/mutation/mutation.html" },
    jsonReporter: { fileName: "reports/mutation/mutation.json" },
    thresholds: { high: 90, low: 80, break: null },
};
