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
    const short = text.length > 120 ? `${text.slice(0, 117)}...` : text;
    return `\`${redactTokens(short).replace(/\|/g, "\\|").replace(/`/g, "'")}\``;
}

function cell(value: unknown): string {
    return value === undefined ? "" : code(JSON.stringify(value));
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
            for (const f of fields) lines.push(`  | ${code(f.path)} | ${cell(f.before)} | ${cell(f.after)} |`);
        }
    }
    return `${lines.join("\n")}\n`;
}
