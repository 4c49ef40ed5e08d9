/** Runs printed `curl` commands in a real shell with `curl` replaced by a function that prints
 * its arguments, each ended by a NUL: exactly what the shell would pass to curl. */
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import { debianRoot } from "../../tools/local/packagedPrograms";

/** The shells a user pastes into: bash, and zsh as Debian's package unpacked by npm run tools
 * (else the machine's). */
export const SHELLS = {
    bash: "bash",
    zsh: fs.existsSync(path.join(debianRoot("zsh"), "bin", "zsh")) ? path.join(debianRoot("zsh"), "bin", "zsh") : "zsh",
} as const;

/** The argv a shell gives `curl` for each of `commands`, all run in one shell; throws with the
 * shell's error when it cannot parse or run them. */
export function curlArgvs(shell: keyof typeof SHELLS, commands: readonly string[]): string[][] {
    // Each command's output ends with an extra NUL, so an empty argument cannot be mistaken for it.
    const script = `curl() { printf '%s\\0' "$@"; printf '\\0'; }\n${commands.join("\n")}\n`;
    for (const args of [
        ["-n", "-c", script],
        ["-c", script],
    ]) {
        const result = spawnSync(SHELLS[shell], args, { encoding: "utf8" });
        if (result.status !== 0) throw new Error(`${shell} ${args[0]} failed (${result.status}): ${result.stderr}`);
        if (args[0] === "-c")
            return result.stdout
                .split("\0\0")
                .slice(0, -1)
                .map((argv) => `${argv}\0`.split("\0").slice(0, -1));
    }
    return [];
}

/** The argv a shell gives `curl` for `command`. */
export function curlArgv(shell: keyof typeof SHELLS, command: string): string[] {
    return curlArgvs(shell, [command])[0];
}

/** True when `shell` can run here. */
export function hasShell(shell: keyof typeof SHELLS): boolean {
    return spawnSync(SHELLS[shell], ["-c", "true"]).status === 0;
}
