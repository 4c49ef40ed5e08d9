/**
 * Paths inside a pod, resolved as the kubelet resolves them: a path belongs to the volume of the
 * container's deepest mount that holds it (`volumeMounts[].mountPath`, with `subPath`), and in a
 * ConfigMap or Secret volume a file is a key of the object (all of them, or only `items`, each at
 * its `path`). Kubernetes docs, "Volumes" (configMap, secret, projected) and "Use a subPath".
 */
import { ContainerAt, KubeObject, PodTemplate, RenderedStack, find } from "./objects";

/** Where a path of a container lands: a volume of its pod, and the path inside that volume. */
export interface VolumePath {
    /** The volume's name in the pod. */
    volume: string;
    /** The path inside the volume, without a leading `/` (empty for the volume's root). */
    inside: string;
    /** Whether the container mounts it read-only. */
    readOnly: boolean;
    /** The mount's index in the container's `volumeMounts`. */
    mountIndex: number;
}

const trimSlash = (path: string) => path.replace(/\/+$/, "");

/** The volume and path inside it that `path` of `container` refers to; undefined when no mount
 * holds it (the image's own file system). */
export function volumePathOf(container: ContainerAt, path: string): VolumePath | undefined {
    const mounts = (container.container.volumeMounts ?? []) as { name: string; mountPath: string; subPath?: string; readOnly?: boolean }[];
    let best: VolumePath | undefined;
    let bestLength = -1;
    mounts.forEach((mount, i) => {
        const root = trimSlash(mount.mountPath);
        if (path !== root && !path.startsWith(`${root}/`)) return;
        if (root.length <= bestLength) return;
        const rest = path.slice(root.length + 1);
        const inside = [mount.subPath ?? "", rest].filter((part) => part !== "").join("/");
        best = { volume: mount.name, inside, readOnly: mount.readOnly === true, mountIndex: i };
        bestLength = root.length;
    });
    return best;
}

/** A file a ConfigMap or Secret volume projects. */
export interface ProjectedFile {
    kind: "ConfigMap" | "Secret";
    name: string;
    /** The object's key the file holds. */
    key: string;
    /** The key's text, when the object is in the stack and holds it as text. */
    text?: string;
}

/** What a ConfigMap or Secret volume source projects: its object and the files (`path` → key). */
interface Projection {
    kind: "ConfigMap" | "Secret";
    name: string;
    /** path → key, or undefined for every key at its own name. */
    items?: Record<string, string>;
    optional: boolean;
}

function projectionsOf(volume: Record<string, any>): Projection[] {
    const items = (source: { items?: { key: string; path: string }[] }) =>
        source.items === undefined ? undefined : Object.fromEntries(source.items.map((item) => [item.path, item.key]));
    const one = (
        kind: "ConfigMap" | "Secret",
        source: { name?: string; secretName?: string; items?: { key: string; path: string }[]; optional?: boolean },
    ): Projection => ({
        kind,
        name: String(source.name ?? source.secretName),
        items: items(source),
        optional: source.optional === true,
    });
    if (volume["configMap"] !== undefined) return [one("ConfigMap", volume["configMap"])];
    if (volume["secret"] !== undefined) return [one("Secret", volume["secret"])];

    return ((volume["projected"]?.sources ?? []) as Record<string, any>[]).flatMap((source) => [
        ...(source["configMap"] === undefined ? [] : [one("ConfigMap", source["configMap"])]),
        ...(source["secret"] === undefined ? [] : [one("Secret", source["secret"])]),
    ]);
}

/** The keys an object holds (`data`, `stringData`, `binaryData`). */
export function keysOf(object: KubeObject): string[] {
    return [...Object.keys(object["data"] ?? {}), ...Object.keys(object["stringData"] ?? {}), ...Object.keys(object["binaryData"] ?? {})];
}

/** The result of looking a file up: not in a ConfigMap or Secret volume at all, a file one of them
 * projects, or a path such a volume does not hold (with what it does hold). */
export type FileLookup =
    | { kind: "elsewhere" }
    | { kind: "directory" }
    | { kind: "file"; file: ProjectedFile }
    | { kind: "missing"; volume: string; objects: { kind: string; name: string }[]; holds: string[] };

/** What `path` of `container` is, when it lies in a ConfigMap or Secret volume of its pod. The
 * volume's root is a directory; an object the stack does not hold is taken at its word (the
 * references rule reports it). */
export function fileAt(stack: RenderedStack, template: PodTemplate, container: ContainerAt, path: string): FileLookup {
    const at = volumePathOf(container, path);
    if (at === undefined) return { kind: "elsewhere" };

    const volume = ((template.spec.volumes ?? []) as Record<string, any>[]).find((v) => v["name"] === at.volume);
    const projections = volume === undefined ? [] : projectionsOf(volume);
    if (projections.length === 0) return { kind: "elsewhere" };
    if (at.inside === "") return { kind: "directory" };
    const holds: string[] = [];
    for (const projection of projections) {
        const object = find(stack, projection.kind, template.namespace, projection.name);
        const paths = projection.items ?? Object.fromEntries((object === undefined ? [] : keysOf(object)).map((key) => [key, key]));
        const key = Object.hasOwn(paths, at.inside) ? paths[at.inside] : undefined;
        if (key !== undefined || (object === undefined && projection.items === undefined) || projection.optional) {
            const resolved = key ?? at.inside;
            const value = object?.["data"]?.[resolved] ?? object?.["stringData"]?.[resolved];
            return {
                kind: "file",
                file: { kind: projection.kind, name: projection.name, key: resolved, ...(typeof value === "string" ? { text: value } : {}) },
            };
        }
        if (Object.keys(paths).some((p) => p.startsWith(`${at.inside}/`))) return { kind: "directory" };
        holds.push(...Object.keys(paths));
    }
    return { kind: "missing", volume: at.volume, objects: projections.map((p) => ({ kind: p.kind, name: p.name })), holds };
}

/** The absolute paths a container names: its command and arguments (`--flag=/path` too) and its
 * environment's plain values. */
export function pathsNamed(container: ContainerAt): { path: string; where: string }[] {
    const c = container.container as { command?: string[]; args?: string[]; env?: { name: string; value?: string }[] };
    const argv = [
        ...(c.command ?? []).map((a, i) => ({ value: a, where: `command[${i}]` })),
        ...(c.args ?? []).map((a, i) => ({ value: a, where: `args[${i}]` })),
    ];
    const fromArgv = argv.map(({ value, where }) => ({ value: String(value).replace(/^--[^=]+=/, ""), where }));
    const fromEnv = (c.env ?? []).flatMap((e, i) => (typeof e.value === "string" ? [{ value: e.value, where: `env[${i}].value` }] : []));
    return [...fromArgv, ...fromEnv].filter(({ value }) => /^\/[^\s:]*$/.test(value)).map(({ value, where }) => ({ path: value, where }));
}
