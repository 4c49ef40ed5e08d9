/**
 * `npm run tools`: builds the real programs of `versions.json` from the Go module proxy into a
 * cache outside the checkout, lays out the inference extension's charts and CRDs at each pinned
 * tag from its module archive, then unpacks the Debian packages (nginx and njs), installs the
 * Python programs' requirements (the LoRA syncer's) and unpacks vLLM's modules from PyPI's source
 * archive. A second run finds everything stamped and does nothing.
 */
import { execFileSync } from "node:child_process";
import * as crypto from "node:crypto";
import * as fs from "node:fs";
import * as path from "node:path";
import { REPO_ROOT } from "../repoRoot";
import { BIN_DIR, CACHE_DIR, CHARTS_DIR, downloadModule, go, stamped } from "./cache";
import { packagedSteps, writePythonLock } from "./packagedPrograms";
import versions from "./versions.json";

/** One program built from a Go module. */
export interface GoBuild {
    /** Module path on the proxy. */
    module: string;
    /** Module version. */
    version: string;
    /** Packages to build, relative to the module (`.` its root). */
    packages: string[];
    /** A folder of ours under tools/local/ whose Go files are the entry point instead. */
    main?: string;
    /** Go build tags (a driver of ours picks the tag's API by them). */
    tags?: string[];
    /** Binary name when one package is built and its directory's name is not the command's. */
    binary?: string;
    /** Version of the modules the module's go.mod replaces by local path. */
    replaceLocal?: string;
    /** Why this version. */
    why: string;
}

/** A digest of this file's compiled code: charts and CRDs are laid out again when it changes. */
const LAYOUT_REVISION = crypto.createHash("sha256").update(fs.readFileSync(__filename)).digest("hex").slice(0, 12);

/** Linker flags that give each binary the version it reports. */
const LDFLAGS: Record<string, (version: string) => string[]> = {
    pulumi: (v) => [`-X github.com/pulumi/pulumi/sdk/v3/go/common/version.Version=${v}`],
    "pulumi-resource-kubernetes": (v) => [`-X github.com/pulumi/pulumi-kubernetes/provider/v4/pkg/version.Version=${v.replace(/^v/, "")}`],
    kubernetes: (v) => [
        `-X k8s.io/component-base/version.gitVersion=${v}`,
        "-X k8s.io/component-base/version.gitTreeState=clean",
        `-X k8s.io/component-base/version.gitMajor=1`,
        `-X k8s.io/component-base/version.gitMinor=${v.split(".")[1]}`,
    ],
    kwok: (v) => [`-X sigs.k8s.io/kwok/pkg/consts.Version=${v}`],
    helm: (v) => [`-X helm.sh/helm/v4/internal/version.version=${v}`],
};

/** Files a wrapper's own `main` embeds, copied from the module archive (never committed). */
const EMBEDDED: Record<string, Record<string, string>> = {
    "pulumi-resource-kubernetes": { "schema.json": "cmd/pulumi-resource-kubernetes/schema.json" },
};

/** The `replace` lines of a go.mod, as [from, to] text. */
export function replaceLines(goMod: string): Array<[string, string]> {
    const lines: string[] = [];
    let inBlock = false;
    for (const raw of goMod.split("\n")) {
        const line = raw.replace(/\/\/.*$/, "").trim();
        if (inBlock) {
            if (line === ")") inBlock = false;
            else if (line !== "") lines.push(line);
        } else if (line === "replace (") inBlock = true;
        else if (line.startsWith("replace ")) lines.push(line.slice("replace ".length));
    }
    return lines.map((line) => line.split("=>").map((part) => part.trim()) as [string, string]);
}

/** The wrapper module's go.mod: requires the module, repeats its version replaces, and turns each
 * local-path replace of a module it requires into that module at `replaceLocal` (local paths
 * to modules it does not require, such as etcd's FORBIDDEN_DEPENDENCY guards, are dropped). */
export function wrapperGoMod(name: string, tool: GoBuild, goMod: string, goVersion: string): string {
    const required = new Set([...goMod.matchAll(/^\s*(?:require\s+)?([\w.\-/]+)\s+v[\w.\-+]+/gm)].map((m) => m[1]));
    const replaces = replaceLines(goMod).flatMap(([from, to]) => {
        const target = from.split(/\s+/)[0];
        if (!/^\.\.?\//.test(to)) return [`replace ${from} => ${to}`];
        if (!required.has(target)) return [];
        if (tool.replaceLocal === undefined) throw new Error(`${name}: ${tool.module} replaces ${target} by a local path; set replaceLocal in versions.json`);
        return [`replace ${target} => ${target} ${tool.replaceLocal}`];
    });
    return [`module mmi.local/${name}`, "", `go ${goVersion}`, "", `require ${tool.module} ${tool.version}`, "", ...replaces, ""].join("\n");
}

function buildTool(name: string, tool: GoBuild, goVersion: string): void {
    const { dir, goMod } = downloadModule(tool.module, tool.version);
    const work = path.join(CACHE_DIR, "wrappers", name);
    fs.rmSync(work, { recursive: true, force: true });
    fs.mkdirSync(work, { recursive: true });
    fs.writeFileSync(path.join(work, "go.mod"), wrapperGoMod(name, tool, goMod, goVersion));
    if (tool.main !== undefined) {
        for (const file of goSources(tool.main)) fs.copyFileSync(path.join(REPO_ROOT, "tools", "local", tool.main, file), path.join(work, file));
        for (const [file, from] of Object.entries(EMBEDDED[name] ?? {})) fs.copyFileSync(path.join(dir, from), path.join(work, file));
    }
    const packages = tool.main !== undefined ? ["."] : tool.packages.map((p) => (p === "." ? tool.module : `${tool.module}/${p}`));
    const out = packages.length === 1 ? path.join(BIN_DIR, tool.binary ?? tool.main ?? path.basename(packages[0])) : `${BIN_DIR}/`;
    const ldflags = ["-s", "-w", ...(LDFLAGS[name]?.(tool.version) ?? [])].join(" ");
    go(["build", "-trimpath", "-ldflags", ldflags, ...(tool.tags === undefined ? [] : ["-tags", tool.tags.join(",")]), "-o", out, ...packages], work);
}

/** The Go files of a folder of ours under tools/local/. */
function goSources(main: string): string[] {
    return fs
        .readdirSync(path.join(REPO_ROOT, "tools", "local", main))
        .filter((f) => f.endsWith(".go"))
        .sort();
}

/** A digest of a folder's Go files: an edit of our own entry point rebuilds it. */
function sourcesDigest(main: string): string {
    const hash = crypto.createHash("sha256");
    for (const file of goSources(main)) hash.update(file).update(fs.readFileSync(path.join(REPO_ROOT, "tools", "local", main, file)));
    return hash.digest("hex").slice(0, 12);
}

/** Charts as the inference extension's release script packages them (hack/push-chart.sh at each
 * tag: `helm package --version <tag> --app-version <tag>`, after `helm dependency update` where a
 * chart has a `file://` dependency, as v1.5.0's inferencepool on epplib), and the CRD manifest
 * its Makefile builds (`kustomize build config/crd`: the bases the kustomization lists). */
function layOutCharts(version: string): void {
    const { dir } = downloadModule("sigs.k8s.io/gateway-api-inference-extension", version);
    const staging = fs.mkdtempSync(path.join(CACHE_DIR, "charts-staging-"));
    try {
        fs.cpSync(path.join(dir, "config", "charts"), staging, { recursive: true });
        execFileSync("chmod", ["-R", "u+w", staging]);
        fs.mkdirSync(CHARTS_DIR, { recursive: true });
        for (const chart of ["inferencepool", "body-based-routing"]) {
            const chartDir = path.join(staging, chart);
            if (fs.readFileSync(path.join(chartDir, "Chart.yaml"), "utf8").includes("file://")) {
                execFileSync(path.join(BIN_DIR, "helm"), ["dependency", "update", chartDir], { stdio: ["ignore", "ignore", "inherit"] });
            }
            execFileSync(path.join(BIN_DIR, "helm"), ["package", "--version", version, "--app-version", version, chartDir, "-d", CHARTS_DIR], {
                stdio: ["ignore", "ignore", "inherit"],
            });
        }
    } finally {
        fs.rmSync(staging, { recursive: true, force: true });
    }
    const kustomization = fs.readFileSync(path.join(dir, "config", "crd", "kustomization.yaml"), "utf8");
    const bases = [...kustomization.matchAll(/^\s*- (bases\/[\w.-]+\.yaml)$/gm)].map((m) => m[1]);
    if (bases.length === 0) throw new Error(`no CRD bases listed in config/crd/kustomization.yaml at ${version}`);
    fs.writeFileSync(
        path.join(CHARTS_DIR, `manifests-${version}.yaml`),
        bases.map((b) => fs.readFileSync(path.join(dir, "config", "crd", b), "utf8")).join("\n---\n"),
    );
}

/** CRDs a module archive holds at a tag: the YAML files of one folder that `include` keeps, in
 * name order, as one manifest. */
function layOutCrds(module: string, version: string, folder: string, include: (file: string) => boolean, out: string): void {
    const dir = path.join(downloadModule(module, version).dir, folder);
    const files = fs
        .readdirSync(dir)
        .filter((f) => f.endsWith(".yaml") && include(f))
        .sort();
    if (files.length === 0) throw new Error(`no CRDs in ${folder} of ${module}@${version}`);
    fs.mkdirSync(CHARTS_DIR, { recursive: true });
    fs.writeFileSync(path.join(CHARTS_DIR, out), files.map((f) => fs.readFileSync(path.join(dir, f), "utf8")).join("\n---\n"));
}

/** The CRD manifest of a module's tag that the local cluster installs. */
export function crdManifest(module: "sigs.k8s.io/gateway-api" | "github.com/prometheus-operator/prometheus-operator", tag: string): string {
    return path.join(CHARTS_DIR, `${module.split("/").pop()}-${tag}.yaml`);
}

/** How each module archive is laid out: the inference extension's charts and CRDs; Gateway API's
 * standard channel; the Prometheus Operator's PodMonitor, which the local stack's monitors are. */
const LAYOUTS: Record<keyof typeof versions.archives, (tag: string) => void> = {
    "sigs.k8s.io/gateway-api-inference-extension": layOutCharts,
    "sigs.k8s.io/gateway-api": (tag) =>
        layOutCrds("sigs.k8s.io/gateway-api", tag, "config/crd/standard", () => true, path.basename(crdManifest("sigs.k8s.io/gateway-api", tag))),
    "github.com/prometheus-operator/prometheus-operator": (tag) =>
        layOutCrds(
            "github.com/prometheus-operator/prometheus-operator",
            tag,
            "example/prometheus-operator-crd",
            (f) => f === "monitoring.coreos.com_podmonitors.yaml",
            path.basename(crdManifest("github.com/prometheus-operator/prometheus-operator", tag)),
        ),
};

/** The step that lays out or downloads a module archive at a tag (for toolsReady). */
export const moduleStep = (module: string, tag: string): string => `${module.replace(/\//g, "_")}@${tag}`;

/** The module archives as steps: laid out (charts, CRDs), or only downloaded for the tests to read. */
function archiveSteps(): Array<{ name: string; spec: unknown; make: () => void }> {
    return [
        ...(Object.entries(versions.archives) as Array<[keyof typeof versions.archives, string[]]>).flatMap(([module, tags]) =>
            tags.map((tag) => ({
                name: moduleStep(module, tag),
                // The layout is redone when this file changes: it is cheap, and a stale one misleads.
                spec: { module, tag, helm: versions.build.helm.version, tool: LAYOUT_REVISION },
                make: () => LAYOUTS[module](tag),
            })),
        ),
        ...Object.entries(versions.sources).flatMap(([module, { tags }]) =>
            tags.map((tag) => ({ name: moduleStep(module, tag), spec: { module, tag }, make: () => void downloadModule(module, tag) })),
        ),
    ];
}

/** Whether every tool named (all built ones by default) is made and stamped, a Go program from
 * its present sources (for tests that need them). */
export function toolsReady(names: readonly string[] = Object.keys(versions.build)): boolean {
    const steps = [...packagedSteps(), ...archiveSteps()];
    const specs: Record<string, unknown> = { ...versions.build, ...Object.fromEntries(steps.map((step) => [step.name, step.spec])) };
    const main = (name: string) => (versions.build as Record<string, GoBuild | undefined>)[name]?.main;
    return names.every((name) => stamped(name, specs[name]).done && (main(name) === undefined || stamped(`${name}.sources`, sourcesDigest(main(name)!)).done));
}

/** Why the real-program tests (of the tools named, all by default) do not run here, or undefined
 * when they do. */
export function toolsMissing(names?: readonly string[]): string | undefined {
    if (process.env.MMI_REAL_ENGINE === "skip") return "MMI_REAL_ENGINE=skip (set by .ci/run for its second Node.js line: they ran on the first)";
    return toolsNotBuilt(names);
}

/** Why the tools named (all by default) cannot run here, or undefined: for fast tests that use
 * a built tool (Helm) on every Node.js line, whatever MMI_REAL_ENGINE says. */
export function toolsNotBuilt(names?: readonly string[]): string | undefined {
    if (goLine() === undefined) return "Go is not installed: the real programs are built from the Go module proxy (npm run tools)";
    return toolsReady(names) ? undefined : `the real programs are not built yet: run npm run tools (cache: ${CACHE_DIR})`;
}

/** The Go toolchain's version as a go.mod `go` line (`1.26`), or undefined without Go. */
function goLine(): string | undefined {
    try {
        return execFileSync("go", ["env", "GOVERSION"], { encoding: "utf8" }).trim().replace(/^go/, "").split(".").slice(0, 2).join(".");
    } catch {
        return undefined;
    }
}

/** A stamped step that warns instead of failing when it cannot run here. */
function optionalStep(name: string, spec: unknown, make: () => void): void {
    const step = stamped(name, spec);
    if (step.done) return;
    console.log(`making ${name}`);
    try {
        make();
        step.mark();
    } catch (error) {
        console.warn(`  ${name} not made, its tests will skip: ${(error as Error).message}`);
    }
}

function main(): void {
    if (process.argv.includes("--lock")) {
        writePythonLock();
        return;
    }
    const goVersion = goLine();
    if (goVersion === undefined) {
        console.error("npm run tools: Go is not installed (go 1.26 or later builds the real programs from the Go module proxy)");
        process.exitCode = 1;
        return;
    }
    fs.mkdirSync(BIN_DIR, { recursive: true });
    for (const [name, tool] of Object.entries(versions.build) as Array<[string, GoBuild]>) {
        const step = stamped(name, tool);
        const sources = tool.main === undefined ? undefined : stamped(`${name}.sources`, sourcesDigest(tool.main));
        // A build stamped before its sources were is taken as built from them: not rebuilt for that.
        if (step.done && sources !== undefined && !sources.exists) sources.mark();
        if (step.done && (sources?.done ?? true)) continue;
        const started = Date.now();
        console.log(`building ${name} (${tool.module}@${tool.version})`);
        buildTool(name, tool, goVersion);
        step.mark();
        sources?.mark();
        console.log(`  built in ${Math.round((Date.now() - started) / 1000)} s`);
    }
    for (const { name, spec, make } of archiveSteps()) {
        const step = stamped(name, spec);
        if (step.done) continue;
        console.log(`preparing ${name}`);
        make();
        step.mark();
    }
    // Programs from apt and PyPI come last and do not stop the rest: where this machine has no
    // Debian 12 lists or no Python, their tests say why they skip.
    for (const { name, spec, make } of packagedSteps()) optionalStep(name, spec, make);
    console.log(`tools ready in ${BIN_DIR}; charts and CRDs in ${CHARTS_DIR}`);
}

if (require.main === module) main();
