/**
 * `node build/tools/chartReads.js <git-dir> <tag> <chart-dir> [<owner/repo>]` prints, as JSON,
 * every `.Values` path a chart's templates read at that tag: the data a values schema is checked
 * against (facts/). The templates are parsed by Go's own text/template/parse, the parser Helm's
 * engine runs, and walked by the BBR driver (`chart-reads`, tools/local/bbr-driver/chartreads.go),
 * which evaluates nothing and stops on a construct it does not know.
 */
import { execFileSync } from "node:child_process";
import * as path from "node:path";
import { parse as parseYaml } from "yaml";
import { driverFor } from "./local/bbrDriver";
import { toolsNotBuilt } from "./local/toolchain";
import { SourceTree, gitTree } from "./upstreamSource";
import versions from "./local/versions.json";

/** How a template reads a path. */
export type ReadKind =
    /** Printed or compared as one value. */
    | "value"
    /** Only tested: `if`, `with`, `hasKey`, `empty`. */
    | "test"
    /** Passed on whole (`toYaml`): anything below it reaches the manifest as given. */
    | "subtree"
    /** Iterated with `range`; its items' fields are listed as `<path>[].<field>`. */
    | "list"
    /** Iterated with `range $key, $value :=`: every key and value is read. */
    | "map";

/** One `.Values` path and how and where the templates read it. */
export interface ReadPath {
    /** Dotted path; `[]` stands for any item of a list. */
    path: string;
    /** Ways it is read, sorted. */
    read: ReadKind[];
    /** Template files that read it, relative to the chart. */
    files: string[];
}

/** The chart's template files, and those of every library chart it depends on by a `file://`
 * repository in `Chart.yaml` (the inferencepool chart's `epplib` from v1.5.0, whose helpers run
 * with the parent's values), named relative to the chart (`../epplib/templates/_deployment.yaml`). */
export function chartTemplates(tree: SourceTree, chartDir: string): Map<string, string> {
    const chart = parseYaml(tree.read(`${chartDir}/Chart.yaml`)) as { dependencies?: { repository?: string }[] };
    const local = (chart.dependencies ?? []).flatMap((d) => (d.repository?.startsWith("file://") ? [d.repository.slice("file://".length)] : []));
    const templates = new Map<string, string>();
    for (const relative of [".", ...local]) {
        for (const name of tree.list(path.posix.normalize(`${chartDir}/${relative}/templates`)).filter((f) => /\.(yaml|tpl)$/.test(f))) {
            templates.set(path.posix.relative(chartDir, name), tree.read(name));
        }
    }
    return templates;
}

/** The driver that walks templates: any BBR driver will do (the parser is Go's). */
const WALKER = "bbr-v1.5.0";

/** Why the templates cannot be walked here (the driver not built), or undefined. */
export const chartReadsMissing = () => toolsNotBuilt([WALKER]);

/** Every `.Values` path the templates read (`files`: chart-relative path → text), sorted. */
export function chartReads(files: ReadonlyMap<string, string>): ReadPath[] {
    const input = JSON.stringify(Object.fromEntries(files));
    return JSON.parse(
        execFileSync(driverFor(versions.build[WALKER].version), ["chart-reads"], { input, encoding: "utf8", stdio: ["pipe", "pipe", "pipe"] }),
    ) as ReadPath[];
}

if (require.main === module) {
    // The repository is the inference extension's unless named (llm-d/llm-d-router).
    const [gitDir, tag, chartDir, repository = "kubernetes-sigs/gateway-api-inference-extension"] = process.argv.slice(2);
    if (chartDir === undefined) {
        console.error("usage: chartReads.js <git-dir> <tag> <chart-dir> [<owner/repo>], e.g. .../repo v1.0.0 config/charts/inferencepool");
        process.exit(2);
    }
    const tree = gitTree(gitDir, tag);
    const document = {
        repository,
        tag,
        commit: tree.commit,
        chart: chartDir,
        extractedBy: "tools/chartReads.ts",
        paths: chartReads(chartTemplates(tree, chartDir)),
    };
    process.stdout.write(`${JSON.stringify(document, null, 2)}\n`);
}
