/**
 * Runs the node:test files under Stryker's mocha runner (`npm run mutation`, stryker.config.mjs):
 * loaded with mocha's `require`, it answers `require("node:test")` with a `test`, `before` and
 * `after` that register mocha tests. A runner then loads the SDKs and the test files once and runs,
 * for each mutant, only the tests that cover it; the tap runner would start a process per test
 * file per mutant, hours instead of minutes on two cores.
 *
 * node:test's semantics kept: `test(name, fn)` and `test(name, { skip }, fn)`, `t.skip()`, `t.test()`
 * subtests (run inside their parent, which fails with them), no time limit per test. A file's `before` hooks run inside the
 * first of its tests that runs for each mutant (and in Stryker's first run inside each test), so
 * that what they make is made under the active mutant, and only for files whose tests run
 * (mocha's own root hooks would run every file's hooks for every mutant). `after` (a file's
 * clean-up) runs once, when the process exits, since the next mutant's run still needs what the
 * file made when it was loaded.
 */
import Module from "node:module";
import { strykerGeneration } from "./sharedRuns";

/** What a node:test test function receives, as far as the tests use it. */
interface TestContext {
    name: string;
    skip(message?: string): void;
    diagnostic(message: string): void;
    test(name: string, optionsOrFn?: TestOptions | TestFunction, fn?: TestFunction): Promise<void>;
}

type TestFunction = (context: TestContext) => unknown;
interface TestOptions {
    skip?: boolean | string;
    todo?: boolean | string;
}
type Hook = () => unknown;

/** What a mocha test function gets as `this`, as far as the shim uses it. */
interface MochaContext {
    skip(): never;
    timeout(ms: number): void;
}

/** The mocha global the shim registers with (present while mocha loads the test files). */
interface MochaGlobals {
    it: ((title: string, fn: (this: MochaContext) => unknown) => void) & { skip(title: string): void };
}

const mocha = () => globalThis as unknown as MochaGlobals;

/** The body and whether it runs, from node:test's `(name, fn)` or `(name, options, fn)`. */
function parse(optionsOrFn?: TestOptions | TestFunction, fn?: TestFunction): TestFunction | undefined {
    const options = typeof optionsOrFn === "object" ? optionsOrFn : {};
    const body = typeof optionsOrFn === "function" ? optionsOrFn : fn;
    return options.skip || options.todo ? undefined : body;
}

/** Runs a test body with its context, and then every subtest it started, awaited or not. */
async function runBody(name: string, body: TestFunction, skip: () => void): Promise<void> {
    const subtests: Promise<void>[] = [];
    const context: TestContext = {
        name,
        skip,
        diagnostic: () => undefined,
        test: (subName, optionsOrFn, fn) => {
            const subBody = parse(optionsOrFn, fn);
            const run = subBody === undefined ? Promise.resolve() : runBody(`${name} > ${subName}`, subBody, () => undefined);
            subtests.push(run);
            return run;
        },
    };
    await body(context);
    await Promise.all(subtests);
}

/** The `before` hooks of one test file and the generation they last ran for. */
interface FileHooks {
    hooks: Hook[];
    ranFor?: string;
}
const hooksByFile = new Map<string, FileHooks>();

/** The test file that is calling `test` or `before`: the first compiled test file on the stack. */
function callingFile(): string {
    const frame = (new Error().stack ?? "").split("\n").find((line) => /\.test\.[jt]s:\d+:\d+\)?$/.test(line));
    return frame === undefined ? "" : frame.replace(/^.*?\(?([^()\s]+\.test\.[jt]s):\d+:\d+\)?$/, "$1");
}

function hooksOf(file: string): FileHooks {
    if (!hooksByFile.has(file)) hooksByFile.set(file, { hooks: [] });
    return hooksByFile.get(file) as FileHooks;
}

async function runHooks(file: string): Promise<void> {
    const entry = hooksOf(file);
    const generation = strykerGeneration();
    if (entry.ranFor === generation) return;
    entry.ranFor = generation;
    for (const hook of entry.hooks) await hook();
}

function test(name: string, optionsOrFn?: TestOptions | TestFunction, fn?: TestFunction): void {
    const body = parse(optionsOrFn, fn);
    if (body === undefined) return mocha().it.skip(name);
    const file = callingFile();
    mocha().it(name, async function () {
        // node:test has no time limit of its own; Stryker times out a mutant's run as a whole.
        this.timeout(0);
        await runHooks(file);
        return runBody(name, body, () => this.skip());
    });
}
test.skip = (name: string) => mocha().it.skip(name);

const atExit: Hook[] = [];
process.on("exit", () => atExit.forEach((hook) => hook()));

const shim = {
    __esModule: true,
    default: test,
    test,
    before: (hook: Hook) => void hooksOf(callingFile()).hooks.push(hook),
    after: (hook: Hook) => void atExit.push(hook),
};

const modules = Module as unknown as { _load(request: string, ...rest: unknown[]): unknown };
const load = modules._load;
modules._load = function (request: string, ...rest: unknown[]) {
    return request === "node:test" ? shim : load.call(this, request, ...rest);
};
