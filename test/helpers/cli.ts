/** The project's compiled CLIs, run as their npm scripts run them once compiled, without npm's
 * half second each (`npm test` compiles first; test/render.test.ts runs the npm scripts themselves). */
import { spawnSync } from "node:child_process";
import * as path from "node:path";
import { CODE_ROOT, REPO_ROOT } from "../../tools/repoRoot";

/** A finished run. */
export type Run = { status: number | null; stdout: string; stderr: string };

/** The argv that runs `tool` (build/tools/<tool>.js). */
export function cliCommand(tool: "render" | "planDiff"): string[] {
    return [process.execPath, path.join(CODE_ROOT, "tools", `${tool}.js`)];
}

/** Runs `tool` with `args` from the repository's root. */
export function cli(tool: "render" | "planDiff", ...args: string[]): Run {
    const [command, ...script] = cliCommand(tool);
    return spawnSync(command, [...script, ...args], { cwd: REPO_ROOT, encoding: "utf8" });
}
