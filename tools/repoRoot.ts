/**
 * Where things are, whether the code runs as source or compiled to `build/` (`npm run compile`;
 * every script runs from there). Read the repository's files from {@link REPO_ROOT}, never from
 * `__dirname`: compiled code sits one level deeper, and test/layout.test.ts fails on any other
 * use of `__dirname`.
 */
import * as fs from "node:fs";
import * as path from "node:path";

/** The root of the running code: the repository itself, or `build/` when compiled. */
export const CODE_ROOT = path.resolve(__dirname, "..");

/** The repository root, where `package.json`, `Pulumi.yaml` and the stack files are (`build/`
 * has no package.json, so this is the nearest directory up from the code that has one). */
export const REPO_ROOT = fs.existsSync(path.join(CODE_ROOT, "package.json")) ? CODE_ROOT : path.dirname(CODE_ROOT);
