/**
 * Paths of a chart's values, for checking a values schema against the `.Values` paths the chart's
 * templates read at a tag (the lists in facts/).
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { z } from "zod";
import type { ReadPath } from "../../tools/chartReads";
import { moduleStep, toolsNotBuilt } from "../../tools/local/toolchain";
import { SourceTree, moduleTree, sourceAt } from "../../tools/upstreamSource";
import { REPO_ROOT } from "../../tools/repoRoot";

const EXTENSION = "sigs.k8s.io/gateway-api-inference-extension";

/** The inference extension at `tag`: the module proxy's archive of it, or the tag in the clone
 * INFERENCE_EXTENSION_GIT_DIR names; either way made from `commit` where the commit is known (the
 * proxy records it for most tags). */
export function extensionAt(tag: string, commit: string): SourceTree {
    return sourceAt("INFERENCE_EXTENSION_GIT_DIR", tag, commit, "the inference extension", () => moduleTree(EXTENSION, tag));
}

/** Why the inference extension's archives at `tags` cannot be read here (npm run tools downloads them), or undefined. */
export const extensionMissing = (tags: string[]) =>
    process.env["INFERENCE_EXTENSION_GIT_DIR"] === undefined ? toolsNotBuilt(tags.map((tag) => moduleStep(EXTENSION, tag))) : undefined;

/** A values-read list as `tools/chartReads.ts` writes it. */
export interface ValuesRead {
    /** Repository read. */
    repository: string;
    /** Its tag. */
    tag: string;
    /** The tag's commit. */
    commit: string;
    /** The chart's directory. */
    chart: string;
    /** The tool that extracted it. */
    extractedBy: string;
    /** Every path read. */
    paths: ReadPath[];
}

/** The values-read list `file` under facts/. */
export const valuesRead = (file: string) => JSON.parse(fs.readFileSync(path.join(REPO_ROOT, "facts", file), "utf8")) as ValuesRead;

/** Paths whose whole subtree a template passes on (`toYaml`, or a map it ranges over). */
export const passedWhole = (paths: ReadPath[]) => paths.filter((p) => p.read.includes("subtree") || p.read.includes("map")).map((p) => p.path);

/** The paths of a list that no other path of it extends: what a values file can set. */
export function leaves(paths: Iterable<string>): string[] {
    const all = [...paths];
    return all.filter((p) => !all.some((q) => q.startsWith(`${p}.`) || q.startsWith(`${p}[]`))).sort();
}

/** Every path a zod values schema accepts, stopping where the chart passes a value on whole. */
export function schemaPaths(schema: z.ZodType, whole: string[], at = ""): string[] {
    let inner: z.ZodType = schema;
    while (inner instanceof z.ZodOptional || inner instanceof z.ZodDefault) inner = inner.unwrap() as z.ZodType;
    if (at !== "" && whole.includes(at)) return [at];
    if (inner instanceof z.ZodObject) {
        return Object.entries(inner.shape as Record<string, z.ZodType>).flatMap(([key, value]) => schemaPaths(value, whole, at === "" ? key : `${at}.${key}`));
    }
    if (inner instanceof z.ZodArray) return schemaPaths(inner.element as z.ZodType, whole, `${at}[]`);
    return [at];
}

/** The read paths a values file can set, as {@link schemaPaths} names them: below a path the
 * chart passes on whole, that path itself (the llm-d router reads `router.epp.flags` as a map and
 * `router.epp.flags.secure-serving` besides); a list whose items are used whole, its items
 * (`router.epp.parsers[]`). */
export function readLeaves(paths: ReadPath[]): string[] {
    const whole = passedWhole(paths);
    const under = (p: string) => whole.find((w) => p.startsWith(`${w}.`) || p.startsWith(`${w}[]`));
    const items = (p: ReadPath) => (p.read.includes("list") && !paths.some((q) => q.path.startsWith(`${p.path}[]`)) ? `${p.path}[]` : p.path);
    return leaves(new Set(paths.map((p) => under(p.path) ?? items(p))));
}
