/**
 * A value shared by a file's tests (a mocked run of a stack, say), made once per key. Under
 * `npm run mutation` (stryker.config.mjs) the test files are loaded once and their tests rerun for
 * each mutant, so a value made under one mutant would be stale under the next: the values are
 * then made anew whenever Stryker activates another mutant, and during its first, coverage-
 * collecting run for each test, so that every test that reads a run counts as covering the code
 * the run went through. Under `node --test` Stryker's context is absent and a value is made once.
 */

/** The part of Stryker's instrumenter context (the global `__stryker__`) read here. */
interface StrykerContext {
    activeMutant?: string;
    currentTestId?: string;
}

/** Which mutant, or in Stryker's first run which test, the values are made for; "" without Stryker. */
export function strykerGeneration(): string {
    const stryker = (globalThis as { __stryker__?: StrykerContext }).__stryker__;
    if (stryker === undefined) return "";
    return stryker.activeMutant !== undefined ? `mutant ${stryker.activeMutant}` : `test ${stryker.currentTestId ?? ""}`;
}

/** `make(key)` once per key, and again after Stryker moves to another mutant or test. */
export function sharedBy<T>(make: (key: string) => T): (key: string) => T {
    const values = new Map<string, T>();
    let generation = strykerGeneration();
    return (key) => {
        const now = strykerGeneration();
        if (now !== generation) {
            values.clear();
            generation = now;
        }
        if (!values.has(key)) values.set(key, make(key));
        return values.get(key) as T;
    };
}
