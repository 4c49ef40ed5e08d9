/**
 * Upstream's files at the exact version we pin, read where a registry serves them: the Go module
 * proxy's archive of a tag, PyPI's source archive of a release (unpacked by `npm run tools`), or
 * a clone's tag for a maintainer who has one (and so can check its commit too).
 */
import { execFileSync } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import { downloadModule } from "./local/cache";

/** A source tree at one version: its files by repository-relative path. */
export interface SourceTree {
    /** The commit it was made from, where known. */
    commit?: string;
    /** A file's text. */
    read(file: string): string;
    /** The files below a folder, repository-relative. */
    list(folder: string): string[];
}

/** A git directory at a tag (`git show`, `git ls-tree`). */
export function gitTree(gitDir: string, tag: string): SourceTree {
    const git = (...args: string[]) => execFileSync("git", ["--git-dir", gitDir, ...args], { encoding: "utf8", maxBuffer: 64 * 1024 * 1024 });
    return {
        commit: commitOf(gitDir, tag),
        read: (file) => git("show", `${tag}:${file}`),
        list: (folder) => git("ls-tree", "-r", "--name-only", tag, `${folder}/`).split("\n").filter(Boolean),
    };
}

/** A folder holding a version's files (what is not a folder there lists no files, as in git). */
export function dirTree(root: string, commit?: string): SourceTree {
    return {
        commit,
        read: (file) => fs.readFileSync(path.join(root, file), "utf8"),
        list: (folder) =>
            !fs.statSync(path.join(root, folder), { throwIfNoEntry: false })?.isDirectory()
                ? []
                : fs
                      .readdirSync(path.join(root, folder), { recursive: true, withFileTypes: true })
                      .filter((entry) => entry.isFile())
                      .map((entry) => path.relative(root, path.join(entry.parentPath, entry.name))),
    };
}

/** A Go module archive at a version, as the module proxy serves it (nested modules left out). */
export function moduleTree(module: string, version: string): SourceTree {
    const { dir, commit } = downloadModule(module, version);
    return dirTree(dir, commit);
}

/** `tree`, after checking it was made from `commit` wherever its commit is known. */
export function atCommit(tree: SourceTree, commit: string, what: string): SourceTree {
    if (tree.commit !== undefined && tree.commit !== commit) throw new Error(`${what} is commit ${tree.commit}, not ${commit}`);
    return tree;
}

/** `what` at `tag`: the tag in the clone whose git directory the environment variable `cloneEnv`
 * names, else `archive()` (a registry's); made from `commit` wherever the commit is known. */
export function sourceAt(cloneEnv: string, tag: string, commit: string, what: string, archive: () => SourceTree): SourceTree {
    const gitDir = process.env[cloneEnv];
    return atCommit(gitDir === undefined ? archive() : gitTree(gitDir, tag), commit, `${what} ${tag}`);
}

/** Lines `first` to `last` of a file of `tree` (1-based, inclusive), "" past its end. */
export function linesOf(tree: SourceTree, file: string, first: number, last = first): string {
    return tree
        .read(file)
        .split("\n")
        .slice(first - 1, last)
        .join("\n");
}

/** The commit a tag points to. */
function commitOf(gitDir: string, tag: string): string {
    return execFileSync("git", ["--git-dir", gitDir, "rev-parse", `${tag}^{commit}`], { encoding: "utf8" }).trim();
}
