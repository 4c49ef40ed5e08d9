/**
 * The tools' cache, outside the checkout: where `npm run tools` puts what it builds and unpacks,
 * the stamps that make a second run do nothing, and the Go module cache it reads archives from.
 */
import { execFileSync } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";

/** Where the tools, charts and the local cluster live: `$MMI_CACHE`, else the user's cache. */
export const CACHE_DIR =
    process.env.MMI_CACHE ?? path.join(process.env.XDG_CACHE_HOME ?? path.join(process.env.HOME ?? "/tmp", ".cache"), "multi-model-inference");
/** The built binaries. */
export const BIN_DIR = path.join(CACHE_DIR, "bin");
/** The packaged charts and CRD manifests, laid out as `charts.source.directory` reads them. */
export const CHARTS_DIR = path.join(CACHE_DIR, "charts");

/** `go <args>` in `cwd`, every module from the proxy. */
export function go(args: string[], cwd: string): string {
    return execFileSync("go", args, { cwd, encoding: "utf8", env: { ...process.env, GOFLAGS: "-mod=mod" }, stdio: ["ignore", "pipe", "inherit"] });
}

/** The module's directory in the module cache, its go.mod and, where the proxy recorded it, the
 * commit the version was made from; downloaded when missing. */
export function downloadModule(module: string, version: string): { dir: string; goMod: string; commit?: string } {
    const info = JSON.parse(go(["mod", "download", "-json", `${module}@${version}`], CACHE_DIR)) as { Dir: string; GoMod: string; Origin?: { Hash?: string } };
    return { dir: info.Dir, goMod: fs.readFileSync(info.GoMod, "utf8"), commit: info.Origin?.Hash };
}

/** Whether a step with this description already ran: its stamp holds the same description. */
export function stamped(name: string, description: unknown): { done: boolean; exists: boolean; mark: () => void } {
    const file = path.join(CACHE_DIR, "stamps", name);
    const text = JSON.stringify(description);
    return {
        done: fs.existsSync(file) && fs.readFileSync(file, "utf8") === text,
        exists: fs.existsSync(file),
        mark: () => {
            fs.mkdirSync(path.dirname(file), { recursive: true });
            fs.writeFileSync(file, text);
        },
    };
}
