/**
 * `node --require ts-node/register/transpile-only tools/chartValuesRead.ts <git-dir> <tag> <chart-dir> [<owner/repo>]`
 * prints, as JSON, every `.Values` path the chart's templates read at that tag: the data a values
 * schema is checked against (facts/). It reads the templates with `git show`
 * from a local clone or mirror and evaluates nothing: a small walk over the template actions that
 * follows how `with` and `range` rebind the dot, which values paths variables hold (`$x := .Values.a`,
 * `index .Values "a" "b"`) and the templates of a library chart the chart depends on (`file://`).
 * A construct it does not know stops it with the file and action, so a person reads that part by
 * hand instead of trusting a guess.
 */
import { execFileSync } from "node:child_process";
import * as path from "node:path";
import { parse as parseYaml } from "yaml";

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

/** What the dot is inside a block: the chart's root context, a values path, or something that is
 * not values (the counter of `range $i := until n` or `untilStep`), whose fields are not values paths. */
type Dot = { root: true } | { root: false; path: string } | { root: false; path: undefined };

interface Block {
    /** The dot inside the block. */
    dot: Dot;
}

const ROOT_OBJECTS = new Set(["Release", "Chart", "Capabilities", "Template", "Files"]);
const ACTION = /\{\{-?\s*([\s\S]*?)\s*-?\}\}/g;
/** `.Values.a.b` or `$.Values.a.b`. */
const VALUES_REF = /\$?\.Values((?:\.[A-Za-z_][\w]*)*)/g;
/** A field of the dot, `.a.b`, not preceded by a name character (so not `$x.a` or `.Values.a`). */
const DOT_FIELD = /(?<![\w$.)\]])\.([A-Za-z_]\w*(?:\.[A-Za-z_]\w*)*)/g;
/** The dot itself as an argument. */
const BARE_DOT = /(?<![\w$.)\]])\.(?![\w.])/;

class Recorder {
    private readonly paths = new Map<string, { read: Set<ReadKind>; files: Set<string> }>();

    add(path: string, kind: ReadKind, file: string): void {
        const entry = this.paths.get(path) ?? { read: new Set<ReadKind>(), files: new Set<string>() };
        entry.read.add(kind);
        entry.files.add(file);
        this.paths.set(path, entry);
    }

    result(): ReadPath[] {
        return [...this.paths.entries()]
            .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
            .map(([path, entry]) => ({ path, read: [...entry.read].sort(), files: [...entry.files].sort() }));
    }
}

/** The variables of one template file and the values paths each may hold (a variable set again
 * with `=` in a branch may hold either value). */
type Variables = Map<string, string[]>;

/** A variable, with the fields read from it: `$port`, `$dr.host`, or a key `index` named
 * (`$flags.secure-serving`). Not `$` alone (the root). */
const VARIABLE_REF = /\$([A-Za-z_]\w*)((?:\.[A-Za-z_][\w-]*)*)/g;
/** `index <ref> "key" 0 $key …` (a `$key` variable stands for any key; the ref starts with `$` or
 * `.`, so a nested `index` call is not taken for one), optionally parenthesised and followed by fields: `(index .Values.a 0).b`. */
const INDEX_CALL =
    /\(\s*index\s+\(?((?=[$.])[\w.$]*)\)?((?:\s+(?:"[\w-]+"|\d+|\$\w+))+)\s*\)((?:\.\w+)*)|\bindex\s+\(?((?=[$.])[\w.$]*)\)?((?:\s+(?:"[\w-]+"|\d+|\$\w+))+)/g;
/** Stands for a list item in a rewritten `index`; becomes `[]` in the path. */
const ITEM = "__item__";
/** Stands for a map key that a variable holds (`index $presets $proxyType`), named `*` in the output. */
const ANY_KEY = "__key__";

/** Rewrites `index` calls with literal keys into the field chains they stand for, innermost first. */
function withoutIndexCalls(code: string): string {
    const chain = (ref: string, keys: string, fields = "") =>
        ref +
        keys
            .trim()
            .split(/\s+/)
            .map((key) => (key.startsWith('"') ? `.${key.slice(1, -1)}` : key.startsWith("$") ? `.${ANY_KEY}` : `.${ITEM}`))
            .join("") +
        fields;
    const rewritten = code.replace(INDEX_CALL, (_all, ref1?: string, keys1?: string, fields1?: string, ref2?: string, keys2?: string) =>
        ref1 !== undefined ? chain(ref1, keys1!, fields1) : chain(ref2!, keys2!),
    );
    return rewritten === code ? code : withoutIndexCalls(rewritten);
}

/** The longest dotted path every one of `paths` starts with, or "". */
function commonPrefix(paths: string[]): string {
    const [first, ...rest] = paths.map((p) => p.split("."));
    const length = first.findIndex((part, i) => rest.some((other) => other[i] !== part));
    return first.slice(0, length === -1 ? first.length : length).join(".");
}

/** The values paths one action's pipeline refers to, with the dot `dot` and the file's
 * `variables`. String literals are left out: a `fail` message naming a path reads nothing. */
function referencedPaths(action: string, dot: Dot, where: string, variables: Variables = new Map()): string[] {
    const code = withoutIndexCalls(action.replace(/"(?:[^"\\]|\\.)*"/g, (literal) => (/^"[\w-]+"$/.test(literal) ? literal : '""')));
    const found: string[] = [];
    const add = (path: string) => found.push(path.split(`.${ITEM}`).join("[]").split(`.${ANY_KEY}`).join(".*"));
    for (const match of code.matchAll(VALUES_REF)) {
        if (match[1] === "") continue;
        // Inside `with` or `range`, `.Values` is a field of the dot (a template bug, but what Helm
        // does: inferencepool v1.5.0 templates/inferenceobjectives.yaml); `$.Values` is the root's.
        const ofDot = !match[0].startsWith("$") && !dot.root;
        // A dot that is not values has no `.Values` (a helper no template calls reads nothing).
        if (ofDot && dot.path === undefined) continue;
        add(ofDot ? `${dot.path}.Values${match[1]}` : match[1].slice(1));
    }
    const withoutValues = code.replace(VALUES_REF, "");
    for (const match of withoutValues.matchAll(VARIABLE_REF)) {
        for (const path of variables.get(match[1]) ?? []) add(`${path}${match[2]}`);
    }
    const withoutVariables = withoutValues.replace(VARIABLE_REF, "");
    for (const match of withoutVariables.matchAll(DOT_FIELD)) {
        const field = match[1];
        if (ROOT_OBJECTS.has(field.split(".")[0])) continue;
        if (dot.root) throw new Error(`${where}: .${field} on the chart's root context is not a values path I know how to read`);
        // Fields of a dot that is not values (a counter, a helper's output) are not values paths.
        if (dot.path === undefined) continue;
        add(`${dot.path}.${field}`);
    }
    if (BARE_DOT.test(withoutVariables) && !dot.root && dot.path !== undefined) add(dot.path);
    return found;
}

/** Every `.Values` path the templates read. `files` maps a template's chart-relative path to its
 * text. Throws on a construct it cannot follow. */
export function valuesReadByTemplates(files: ReadonlyMap<string, string>): ReadPath[] {
    const recorder = new Recorder();
    // Helpers some template calls; a helper no template calls (llm-d-router v0.10.0's
    // `llm-d-router.normalizedPortList`, written for a dict context) renders nothing.
    const called = new Set([...files.values()].flatMap((text) => [...text.matchAll(/\b(?:include|template)\s+"([^"]+)"/g)].map((m) => m[1])));
    for (const [file, text] of files) {
        const blocks: Block[] = [{ dot: { root: true } }];
        const variables: Variables = new Map();
        for (const match of text.matchAll(ACTION)) {
            const action = match[1].trim();
            const line = text.slice(0, match.index).split("\n").length;
            const where = `${file}:${line} {{ ${action} }}`;
            const dot = blocks[blocks.length - 1].dot;
            const keyword = /^(\/\*|define|if|else if|else|with|range|end|include|template|block)\b/.exec(action)?.[1];
            const record = (kind: ReadKind, pipeline: string) => {
                const paths = referencedPaths(pipeline, dot, where, variables);
                for (const path of paths) recorder.add(path, /\btoYaml\b|\btoJson\b/.test(pipeline) ? "subtree" : kind, file);
                return paths;
            };
            switch (keyword) {
                case "/*":
                    break;
                case "define":
                    // Helpers are called with the root context here (`include "x" .` at the top level).
                    blocks.push({ dot: called.has(/^define\s+"([^"]+)"/.exec(action)?.[1] ?? "") ? { root: true } : { root: false, path: undefined } });
                    break;
                case "if":
                case "else if": {
                    if (keyword === "if") blocks.push({ dot });
                    const hasKey = /hasKey\s+\$?\.Values((?:\.\w+)*)\s+"(\w+)"/.exec(action);
                    if (hasKey) recorder.add(`${hasKey[1].slice(1)}.${hasKey[2]}`, "test", file);
                    record("test", action.replace(/^(else )?if\s+/, ""));
                    break;
                }
                case "else":
                    break;
                case "with": {
                    const paths = record("test", action.slice("with".length));
                    if (paths.length > 1) throw new Error(`${where}: with over ${paths.length} paths`);
                    // Over no values path (a helper's output, such as llm-d-router's `$proxy`, whose
                    // reads the helper records), the dot is not values.
                    blocks.push({ dot: { root: false, path: paths[0] } });
                    break;
                }
                case "range": {
                    const counter = /^range\s+\$\w+\s*:=\s*(?:until|untilStep)\s+(.+)$/.exec(action);
                    if (counter) {
                        // `range $i := until n` (or `untilStep a b step`, llm-d-router's gke.yaml):
                        // the bounds are read as values; the dot is a number.
                        record("value", counter[1]);
                        blocks.push({ dot: { root: false, path: undefined } });
                        break;
                    }
                    const keyValue = /^range\s+\$\w+\s*,\s*\$\w+\s*:=\s*(.+)$/.exec(action);
                    const paths = referencedPaths(keyValue ? keyValue[1] : action.slice("range".length), dot, where, variables);
                    if (paths.length > 1) throw new Error(`${where}: range over ${paths.length} paths`);
                    if (paths.length === 0) {
                        // Over no values path (as `with` above), the items are not values.
                        blocks.push({ dot: { root: false, path: undefined } });
                        break;
                    }
                    recorder.add(paths[0], keyValue ? "map" : "list", file);
                    // Inside `range $k, $v :=` the templates use $k and $v; the dot is the item either way.
                    blocks.push({ dot: { root: false, path: keyValue ? `${paths[0]}.*` : `${paths[0]}[]` } });
                    break;
                }
                case "end":
                    blocks.pop();
                    if (blocks.length === 0) throw new Error(`${where}: end without a block`);
                    break;
                case "include":
                case "template":
                    if (!/^(include|template)\s+"[^"]+"\s+(\.|\$)(\s*\|.*)?$/.test(action)) throw new Error(`${where}: include with another context`);
                    break;
                case "block":
                    throw new Error(`${where}: block is not supported`);
                default: {
                    // A variable set from a values path is read where the variable is used: it holds
                    // the path (`:=`), or one more path it may hold (`=`, set again in a branch).
                    // `$_ := <expression>` discards its result (llm-d-router v0.10.0: `set` into a
                    // template's own copy, `required`): what it refers to is read as a value.
                    const discarded = /^\$_\s*:=\s*(?:set\s+\$\w+\s+"[^"]*"\s+)?([\s\S]*)$/.exec(action);
                    if (discarded) {
                        record("value", discarded[1]);
                        break;
                    }
                    // `$list = append $list <item>` (llm-d-router v0.10.0) reads the item as a value; the
                    // list holds what it held.
                    const append = /^\$(\w+)\s*=\s*append\s+\$(\w+)\s+([\s\S]*)$/.exec(action);
                    if (append && append[1] === append[2]) {
                        record("value", append[3]);
                        break;
                    }
                    // `$x = mergeOverwrite $a $b` (llm-d-router v0.10.0) may hold a key of either.
                    const merge = /^\$(\w+)\s*(:?=)\s*(?:merge|mergeOverwrite)((?:\s+\$\w+)+)$/.exec(action);
                    if (merge) {
                        const paths = referencedPaths(merge[3], dot, where, variables);
                        variables.set(merge[1], [...new Set([...(merge[2] === "=" ? (variables.get(merge[1]) ?? []) : []), ...paths])]);
                        break;
                    }
                    // A variable set from a comparison (`$x := ne .Values.a false`, llm-d-router v0.10.0)
                    // holds a boolean, not a path: the comparison reads the paths as values.
                    const comparison = /^\$(\w+)\s*(:?=)\s*\(?\s*(?:eq|ne|lt|le|gt|ge|and|or|not)\s([\s\S]*)$/.exec(action);
                    if (comparison) {
                        record("value", comparison[3]);
                        variables.set(comparison[1], []);
                        break;
                    }
                    const assignment = /^\$(\w+)\s*(:?=)\s*([\s\S]*)$/.exec(action);
                    if (assignment) {
                        const [, name, operator, pipeline] = assignment;
                        const paths = referencedPaths(pipeline, dot, where, variables);
                        if (paths.length > 1) {
                            // Several paths under one (llm-d-router v0.10.0's `$resolved`, merged from
                            // `router.proxy` and a preset below it): the variable stands for everything
                            // below their common prefix, read whole.
                            const prefix = commonPrefix(paths);
                            if (prefix === "") throw new Error(`${where}: a variable set from ${paths.length} paths`);
                            recorder.add(prefix, "subtree", file);
                            variables.set(name, [prefix]);
                            break;
                        }
                        // `deepCopy (.Values.a | default dict)` (llm-d-router v0.10.0) still holds the path.
                        const holdsPath =
                            /^((int|int64|float64|toString|deepCopy)\s+)?\(?\s*\$?[\w.-]*\s*(\|\s*default\s+[^|)]+)?\)?\s*(\|\s*default\s+[^|]+)?(\|\s*(int|int64|float64|toString)\s*)*$/;
                        if (paths.length === 1 && !holdsPath.test(withoutIndexCalls(pipeline))) {
                            throw new Error(`${where}: a variable set from an expression over a values path`);
                        }
                        variables.set(name, [...new Set([...(operator === "=" ? (variables.get(name) ?? []) : []), ...paths])]);
                        break;
                    }
                    record("value", action);
                }
            }
        }
        if (blocks.length !== 1) throw new Error(`${file}: ${blocks.length - 1} block(s) not closed`);
    }
    return recorder.result();
}

/** The chart's template files at `tag`, read from the git directory `gitDir`, and those of every
 * library chart it depends on by a `file://` repository in `Chart.yaml` (the inferencepool chart's
 * `epplib` from v1.5.0, whose helpers run with the parent's values), named relative to the chart
 * (`../epplib/templates/_deployment.yaml`). */
export function templatesAt(gitDir: string, tag: string, chartDir: string): Map<string, string> {
    const git = (...args: string[]) => execFileSync("git", ["--git-dir", gitDir, ...args], { encoding: "utf8", maxBuffer: 16 * 1024 * 1024 });
    const chart = parseYaml(gitShow(gitDir, tag, `${chartDir}/Chart.yaml`)) as { dependencies?: { repository?: string }[] };
    const local = (chart.dependencies ?? []).flatMap((d) => (d.repository?.startsWith("file://") ? [d.repository.slice("file://".length)] : []));
    const templates = new Map<string, string>();
    for (const relative of [".", ...local]) {
        const dir = path.posix.normalize(`${chartDir}/${relative}`);
        const names = git("ls-tree", "-r", "--name-only", tag, `${dir}/templates/`)
            .split("\n")
            .filter((f) => /\.(yaml|tpl)$/.test(f));
        for (const name of names) templates.set(path.posix.relative(chartDir, name), gitShow(gitDir, tag, name));
    }
    return templates;
}

/** A file as it is at `tag` in the git directory `gitDir` (`git show <tag>:<file>`). */
export function gitShow(gitDir: string, tag: string, file: string): string {
    return execFileSync("git", ["--git-dir", gitDir, "show", `${tag}:${file}`], { encoding: "utf8", maxBuffer: 16 * 1024 * 1024 });
}

/** The commit a tag points to. */
export function commitOf(gitDir: string, tag: string): string {
    return execFileSync("git", ["--git-dir", gitDir, "rev-parse", `${tag}^{commit}`], { encoding: "utf8" }).trim();
}

if (require.main === module) {
    // The repository is the inference extension's unless named (llm-d/llm-d-router).
    const [gitDir, tag, chartDir, repository = "kubernetes-sigs/gateway-api-inference-extension"] = process.argv.slice(2);
    if (chartDir === undefined) {
        console.error("usage: chartValuesRead.ts <git-dir> <tag> <chart-dir> [<owner/repo>], e.g. .../repo v1.0.0 config/charts/inferencepool");
        process.exit(2);
    }
    const document = {
        repository,
        tag,
        commit: commitOf(gitDir, tag),
        chart: chartDir,
        extractedBy: "tools/chartValuesRead.ts",
        paths: valuesReadByTemplates(templatesAt(gitDir, tag, chartDir)),
    };
    process.stdout.write(`${JSON.stringify(document, null, 2)}\n`);
}
