/**
 * Every relative link in the Markdown a reader follows (README.md, CONTRIBUTING.md, docs/*.md and
 * the examples' READMEs) leads somewhere: the file or folder exists, and an anchor names a heading
 * of the target page by GitHub's rules. The README is a path into docs/, so a page renamed or a
 * heading reworded would otherwise leave a reader at a dead link with no test noticing.
 */
import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import test from "node:test";
import { REPO_ROOT } from "../tools/repoRoot";

/** The Markdown files whose links are checked, repository-relative. CHANGELOG.md is history: its
 * links point at what was there when each entry was written. */
function checkedFiles(): string[] {
    const docs = fs
        .readdirSync(path.join(REPO_ROOT, "docs"))
        .filter((name) => name.endsWith(".md"))
        .map((name) => `docs/${name}`);
    const examples = fs
        .readdirSync(path.join(REPO_ROOT, "examples"))
        .map((name) => `examples/${name}/README.md`)
        .filter((file) => fs.existsSync(path.join(REPO_ROOT, file)));
    return ["README.md", "CONTRIBUTING.md", ...docs.sort(), ...examples.sort()];
}

/** The text outside fenced code blocks, line by line (a fence's lines become empty, so line
 * numbers stay right): a `[x](y)` or a `#` inside code is neither a link nor a heading. */
function proseLines(markdown: string): string[] {
    let fence: string | undefined;
    return markdown.split("\n").map((line) => {
        const opening = /^\s{0,3}(`{3,}|~{3,})/.exec(line);
        if (fence === undefined) {
            if (opening) {
                fence = opening[1];
                return "";
            }
            return line;
        }
        if (opening && opening[1][0] === fence[0] && opening[1].length >= fence.length && line.trim() === opening[1]) fence = undefined;
        return "";
    });
}

/** A line without its inline code spans, which hold no links. */
const withoutCodeSpans = (line: string) => line.replace(/(`+)[^`]*?\1/g, "");

/**
 * GitHub's anchor for a heading's text: the text as rendered (code spans' content and links' labels
 * kept, HTML tags dropped), lower-cased, every character that is not a letter, a digit, a space,
 * `-` or `_` removed (so `*` emphasis goes too), each space turned into `-`.
 */
function headingSlug(heading: string): string {
    const rendered = heading
        .replace(/!?\[([^\]]*)\]\([^)]*\)/g, "$1")
        .replace(/<[^>]+>/g, "")
        .replace(/`/g, "");
    return rendered
        .trim()
        .toLowerCase()
        .replace(/[^\p{L}\p{N}\p{M} _-]/gu, "")
        .replace(/ /g, "-");
}

/** The anchors a page offers: one per heading, a repeated slug getting `-1`, `-2`, ... as GitHub
 * numbers them, and any explicit `<a name>` or `id`. */
function pageAnchors(markdown: string): Set<string> {
    const anchors = new Set<string>();
    const seen = new Map<string, number>();
    for (const line of proseLines(markdown)) {
        const heading = /^\s{0,3}#{1,6}\s+(.*?)\s*#*\s*$/.exec(line);
        if (heading) {
            const slug = headingSlug(heading[1]);
            const count = seen.get(slug) ?? 0;
            seen.set(slug, count + 1);
            anchors.add(count === 0 ? slug : `${slug}-${count}`);
        }
        for (const explicit of line.matchAll(/<a\s+(?:name|id)="([^"]+)"/g)) anchors.add(explicit[1]);
    }
    return anchors;
}

/** Each link of a page: inline `[label](target)` (and images), and reference definitions. */
function pageLinks(markdown: string): { line: number; target: string }[] {
    const links: { line: number; target: string }[] = [];
    proseLines(markdown).forEach((raw, index) => {
        const line = withoutCodeSpans(raw);
        for (const link of line.matchAll(/\]\(\s*<?([^)\s>]+)>?(?:\s+"[^"]*")?\s*\)/g)) links.push({ line: index + 1, target: link[1] });
        const definition = /^\s{0,3}\[[^\]]+\]:\s+<?(\S+?)>?(\s|$)/.exec(line);
        if (definition) links.push({ line: index + 1, target: definition[1] });
    });
    return links;
}

/** What is wrong with one link from `file`, or undefined when it resolves. */
function brokenLink(file: string, target: string, anchorsOf: (file: string) => Set<string>): string | undefined {
    if (/^[a-z][a-z0-9+.-]*:/i.test(target)) return undefined; // https:, mailto: — not ours to resolve
    const hash = target.indexOf("#");
    const filePart = decodeURIComponent(hash === -1 ? target : target.slice(0, hash));
    const anchor = hash === -1 ? undefined : decodeURIComponent(target.slice(hash + 1));
    const resolved = filePart === "" ? file : path.posix.normalize(path.posix.join(path.posix.dirname(file), filePart));
    if (resolved.startsWith("../")) return `leaves the repository (${resolved})`;
    const absolute = path.join(REPO_ROOT, resolved);
    if (!fs.existsSync(absolute)) return `no such file or folder: ${resolved}`;
    if (anchor === undefined || !resolved.endsWith(".md")) return undefined;
    return anchorsOf(resolved).has(anchor) ? undefined : `no heading in ${resolved} has the anchor #${anchor}`;
}

test("headingSlug follows GitHub's rules: lower case, punctuation dropped but - and _, spaces to -", () => {
    const cases: [string, string][] = [
        ["Offline: render, diff, benchmark", "offline-render-diff-benchmark"],
        ["What is checked here, and what only a cluster can show", "what-is-checked-here-and-what-only-a-cluster-can-show"],
        ["The local cluster (`npm run cluster`)", "the-local-cluster-npm-run-cluster"],
        ["API keys, HTTPS and clients", "api-keys-https-and-clients"],
        ["snake_case and kebab-case", "snake_case-and-kebab-case"],
        ["Upgrading from v1.0.0 to v1.5.0", "upgrading-from-v100-to-v150"],
        ["**Bold** and [a link](x.md)", "bold-and-a-link"],
        ["Two  spaces", "two--spaces"],
    ];
    for (const [heading, slug] of cases) assert.equal(headingSlug(heading), slug, heading);
});

test("pageAnchors numbers a repeated heading -1, -2 and ignores headings inside code", () => {
    const anchors = pageAnchors(["# Notes", "## Setup", "## Setup", "```sh", "# not a heading", "```", "## Setup"].join("\n"));
    assert.deepEqual([...anchors].sort(), ["notes", "setup", "setup-1", "setup-2"]);
});

test("pageLinks finds inline links and definitions, not links inside code", () => {
    const links = pageLinks(["see [a](a.md#x) and `[b](b.md)`", "```", "[c](c.md)", "```", '![d](d.png "title")', "[e]: docs/e.md"].join("\n"));
    assert.deepEqual(links, [
        { line: 1, target: "a.md#x" },
        { line: 5, target: "d.png" },
        { line: 6, target: "docs/e.md" },
    ]);
});

test("every relative link and anchor in the README, CONTRIBUTING.md, docs/ and the examples' READMEs resolves", () => {
    const anchorCache = new Map<string, Set<string>>();
    const anchorsOf = (file: string) => {
        let anchors = anchorCache.get(file);
        if (!anchors) anchorCache.set(file, (anchors = pageAnchors(fs.readFileSync(path.join(REPO_ROOT, file), "utf8"))));
        return anchors;
    };
    const broken: string[] = [];
    let checked = 0;
    for (const file of checkedFiles()) {
        for (const { line, target } of pageLinks(fs.readFileSync(path.join(REPO_ROOT, file), "utf8"))) {
            checked++;
            const problem = brokenLink(file, target, anchorsOf);
            if (problem) broken.push(`${file}:${line}: (${target}) ${problem}`);
        }
    }
    assert.ok(checked > 50, `only ${checked} links found: is the link pattern still right?`);
    assert.deepEqual(broken, [], `broken links:\n${broken.join("\n")}`);
});
