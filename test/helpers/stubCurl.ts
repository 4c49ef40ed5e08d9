/** Runs printed `curl` commands in a real shell with `curl` replaced by a function that prints
 * its arguments, each ended by a NUL: exactly what the shell would pass to curl. */
import { spawnSync } from "node:child_process";

/** The argv a shell gives `curl` for `command`, or throws with the shell's error. */
export function curlArgv(shell: "bash" | "zsh", command: string): string[] {
    const script = `curl() { printf '%s\\0' "$@"; }\n${command}\n`;
    const result = spawnSync(shell, ["-c", script], { encoding: "utf8" });
    if (result.status !== 0) throw new Error(`${shell} failed (${result.status}): ${result.stderr}`);
    return result.stdout.split("\0").slice(0, -1);
}

/** True when `shell` is installed. */
export function hasShell(shell: string): boolean {
    return spawnSync(shell, ["-c", "true"]).status === 0;
}
