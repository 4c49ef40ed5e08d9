/**
 * Compares two renders' resources by URN, down to the input fields that changed, and formats the
 * result as Markdown for a pull request comment. Pure; planDiff.ts is the CLI.
 */
import { redactTokens } from "../components/config/configErrors";
import type { RenderedResource } from "./renderFiles";

/** One changed input field. */
export interface FieldChange {
    /** Field path, e.g. `spec.replicas` or `nodeConfig.guestAccelerators[0].count`. */
    path: string;
    /** Old value, or undefined when added. */
    before: unknown;
    /** New value, or undefined when removed. */
    after: unknown;
}

/** What changed between two renders. */
export interface ResourceDiff {
    /** Resources only in the new render. */
    added: RenderedResource[];
    /** Resources only in the old render. */
    removed: RenderedResource[];
    /** Resources in both whose inputs, parent, provider or options differ; `replaced` when the
     * object's own name changes, which Pulumi carries out by creating the new object before
     * deleting the old one. */
    changed: { resource: RenderedResource; fields: FieldChange[]; replaced: boolean }[];
    /** Resources that are the same in both. */
    unchanged: number;
}

/** Flattens a value to `path → leaf value`; empty objects and arrays are leaves. */
export function flatten(value: unknown, prefix = "", into = new Map<string, unknown>()): Map<string, unknown> {
    if (Array.isArray(value) && value.length > 0) {
        value.forEach((item, i) => flatten(item, `${prefix}[${i}]`, into));
    } else if (typeof value === "object" && value !== null && !Array.isArray(value) && Object.keys(value).length > 0) {
        for (const [key, item] of Object.entries(value)) {
            const segment = /^[A-Za-z_$][\w$]*$/.test(key) ? key : JSON.stringify(key);
            flatten(item, prefix === "" ? segment : /^[A-Za-z_$]/.test(segment) ? `${prefix}.${segment}` : `${prefix}[${segment}]`, into);
        }
    } else {
        into.set(prefix, value);
    }
    return into;
}

/** The fields that differ between two resources' inputs, parent, provider and options. */
export function fieldChanges(before: RenderedResource, after: RenderedResource): FieldChange[] {
    const old = flatten({ inputs: before.inputs, parent: before.parent, provider: before.provider, options: before.options });
    const now = flatten({ inputs: after.inputs, parent: after.parent, provider: after.provider, options: after.options });
    const paths = [...new Set([...old.keys(), ...now.keys()])].sort();
    return paths
        .filter((p) => JSON.stringify(old.get(p)) !== JSON.stringify(now.get(p)))
        .map((p) => ({ path: p.replace(/^inputs\./, ""), before: old.get(p), after: now.get(p) }));
}

/** The input fields that hold a cloud or Kubernetes object's own name. */
const NAME_FIELDS = ["name", "metadata.name"];

/** Compares two renders' resources. */
export function diffResources(before: RenderedResource[], after: RenderedResource[]): ResourceDiff {
    const old = new Map(before.map((r) => [r.urn, r]));
    const now = new Map(after.map((r) => [r.urn, r]));
    const diff: ResourceDiff = { added: [], removed: [], changed: [], unchanged: 0 };
    for (const resource of after) {
        const previous = old.get(resource.urn);
        if (previous === undefined) {
            diff.added.push(resource);
            continue;
        }
        const fields = fieldChanges(previous, resource);
        const replaced = fields.some((f) => NAME_FIELDS.includes(f.path));
        if (fields.length > 0) diff.changed.push({ resource, fields, replaced });
        else diff.unchanged++;
    }
    diff.removed = before.filter((r) => !now.has(r.urn));
    return diff;
}

/** `text` as inline code in a table cell: a `|` would end the cell and a backtick the code, and a
 * token-shaped part is redacted (a render of a stack that pasted one in plain text holds it). */
function code(text: string): string {
    return `\`${redactTokens(cutAround(text, 0)).replace(/\|/g, "\\|").replace(/`/g, "'")}\``;
}

/** Longest table cell, in characters of the value's JSON. */
const CELL_LENGTH = 120;
/** How much of what the two values share a cut keeps before where they differ. */
const CELL_CONTEXT = 40;

/** `text` cut to {@link CELL_LENGTH} around index `at`, with `...` where text is left out. */
function cutAround(text: string, at: number): string {
    if (text.length <= CELL_LENGTH) return text;
    const start = Math.max(0, Math.min(at - CELL_CONTEXT, text.length - (CELL_LENGTH - 3)));
    if (start === 0) return `${text.slice(0, CELL_LENGTH - 3)}...`;
    if (start + CELL_LENGTH - 3 >= text.length) return `...${text.slice(start)}`;
    return `...${text.slice(start, start + CELL_LENGTH - 6)}...`;
}

/**
 * A changed field's before and after as table cells. A long value is cut around the first
 * character where the two differ, not at its start: URNs and long names share their start and
 * differ at the end, so a cut from the start would show two equal cells.
 */
export function changeCells(before: unknown, after: unknown): [string, string] {
    const [old, now] = [before, after].map((v) => (v === undefined ? undefined : JSON.stringify(v)));
    let at = 0;
    while (old !== undefined && now !== undefined && at < old.length && old[at] === now[at]) at++;
    const cell = (text: string | undefined) => (text === undefined ? "" : code(cutAround(text, at)));
    return [cell(old), cell(now)];
}

function label(resource: RenderedResource): string {
    return `${code(resource.type)} **${resource.name.replace(/[\\`*_[\]<>|]/g, "\\$&")}**`;
}

/** The diff as Markdown, headed by `title`. */
export function diffMarkdown(title: string, diff: ResourceDiff): string {
    const lines = [
        `### ${title}`,
        "",
        `**${diff.added.length} to add, ${diff.changed.length} to change, ${diff.removed.length} to remove, ${diff.unchanged} unchanged.**`,
    ];
    if (diff.added.length + diff.changed.length + diff.removed.length === 0) {
        lines.push("", "No changes.");
    }
    if (diff.added.length > 0) {
        lines.push("", "#### Added", "", ...diff.added.map((r) => `- ${label(r)}`));
    }
    if (diff.removed.length > 0) {
        lines.push("", "#### Removed", "", ...diff.removed.map((r) => `- ${label(r)}`));
    }
    if (diff.changed.length > 0) {
        lines.push("", "#### Changed");
        for (const { resource, fields, replaced } of diff.changed) {
            const replacement = replaced ? " (**replaced**: the new one is created before the old one is deleted)" : "";
            lines.push("", `- ${label(resource)}${replacement}`, "", "  | field | before | after |", "  | --- | --- | --- |");
            for (const f of fields) lines.push(`  | ${code(f.path)} | ${changeCells(f.before, f.after).join(" | ")} |`);
        }
    }
    return `${lines.join("\n")}\n`;
}
