/**
 * The objects the consistency check reads, read generically: any Kubernetes object as its
 * manifest (kind, metadata, spec), Helm releases by their chart inputs, dashboards by their JSON.
 * Nothing here knows which component made an object, so a new kind is read by the same rules.
 */

/** A Kubernetes object as rendered: its manifest. Fields are read loosely, as a cluster would. */
export interface KubeObject {
    apiVersion: string;
    kind: string;
    metadata: { name: string; namespace?: string; labels?: Record<string, string>; annotations?: Record<string, string> };

    [field: string]: any;
}

/** A Helm release as the program asks for it: the chart, its version and the values. */
export interface HelmRelease {
    /** The chart reference, e.g. `oci://registry.k8s.io/gateway-api-inference-extension/charts/inferencepool`. */
    chart: string;
    /** The chart version, e.g. `v1.0.0`. */
    version: string;
    /** The release name. */
    name: string;
    /** The release namespace. */
    namespace: string;
    /** The values given to the chart. */
    values: Record<string, unknown>;
}

/** A Cloud Monitoring dashboard: its name and JSON. */
export interface Dashboard {
    /** The resource's name. */
    name: string;
    /** The dashboard JSON (`dashboardJson`). */
    json: string;
}

/** Everything the check reads of one stack. */
export interface RenderedStack {
    /** Every Kubernetes object, including those the charts render (see `withChartObjects`). */
    objects: KubeObject[];
    /** Dashboards. */
    dashboards: Dashboard[];
}

/** What the check is told about the cluster's surroundings: what the stack's objects cannot say. */
export interface Environment {
    /** The region's proxy-only subnet ranges, where GKE's Gateway proxies connect from. */
    proxyOnlySubnetRanges?: string[];
    /** Objects that exist outside the stack (made by hand or by another stack), which references
     * may name. */
    existingObjects?: { kind: string; namespace?: string; name: string }[];
}

/** One object a finding is about, with the field that is wrong. */
export interface ObjectRef {
    kind: string;
    namespace?: string;
    name: string;
    /** The field, as a path into the object, e.g. `spec.template.spec.containers[0].ports[0].containerPort`. */
    path?: string;
}

/** Something the objects contradict, with every object involved. */
export interface Finding {
    /** The rule that found it: `request-path`, `model-list`, `ports`, `references`, `network-policy`,
     * `metrics` or `duplicates`. */
    rule: string;
    /** What is wrong, in a sentence. */
    message: string;
    /** The objects involved. */
    objects: ObjectRef[];
}

/** The namespace the check assumes for an object that names none (as `kubectl apply` would). */
export const DEFAULT_NAMESPACE = "default";

/** The object's namespace, `default` when it names none (cluster-scoped kinds are never asked). */
export function namespaceOf(object: KubeObject): string {
    return object.metadata.namespace ?? DEFAULT_NAMESPACE;
}

/** A reference to `object`, at `path` when given. */
export function refOf(object: KubeObject, path?: string): ObjectRef {
    return {
        kind: object.kind,
        ...(object.metadata.namespace === undefined ? {} : { namespace: object.metadata.namespace }),
        name: object.metadata.name,
        ...(path === undefined ? {} : { path }),
    };
}

/** `kind namespace/name` of a reference, for messages. */
export function describe(ref: ObjectRef): string {
    return `${ref.kind} ${ref.namespace === undefined ? "" : `${ref.namespace}/`}${ref.name}`;
}

/** Objects of `kind` (and `namespace`, when given). */
export function ofKind(stack: RenderedStack, kind: string, namespace?: string): KubeObject[] {
    return stack.objects.filter((o) => o.kind === kind && (namespace === undefined || namespaceOf(o) === namespace));
}

/** The object of `kind` named `name` in `namespace`, if there is one. */
export function find(stack: RenderedStack, kind: string, namespace: string, name: string): KubeObject | undefined {
    return ofKind(stack, kind, namespace).find((o) => o.metadata.name === name);
}

export type PodSpec = any;

/** The pods an object runs, as its pod template: where they come from, their labels and spec. */
export interface PodTemplate {
    /** The workload. */
    owner: KubeObject;
    /** Path of the pod spec in the owner, e.g. `spec.template.spec`. */
    specPath: string;
    /** The pods' labels. */
    labels: Record<string, string>;
    /** The pods' namespace. */
    namespace: string;
    /** The pod spec. */
    spec: PodSpec;
}

/** Where each workload kind keeps its pod template (Kubernetes API: apps/v1, batch/v1, v1 Pod). */
const POD_TEMPLATE_PATHS: Record<string, string[]> = {
    Deployment: ["spec", "template"],
    StatefulSet: ["spec", "template"],
    DaemonSet: ["spec", "template"],
    ReplicaSet: ["spec", "template"],
    Job: ["spec", "template"],
    CronJob: ["spec", "jobTemplate", "spec", "template"],
};

/** Every pod template of the stack: one per workload, and bare Pods. */
export function podTemplates(stack: RenderedStack): PodTemplate[] {
    const templates: PodTemplate[] = [];
    for (const object of stack.objects) {
        if (object.kind === "Pod") {
            templates.push({
                owner: object,
                specPath: "spec",
                labels: object.metadata.labels ?? {},
                namespace: namespaceOf(object),
                spec: object["spec"] ?? {},
            });
            continue;
        }
        const path = POD_TEMPLATE_PATHS[object.kind];
        if (path === undefined) continue;
        const template = path.reduce<Record<string, unknown> | undefined>((value, key) => value?.[key] as Record<string, unknown> | undefined, object);
        if (template === undefined) continue;
        const metadata = (template["metadata"] ?? {}) as { labels?: Record<string, string> };
        templates.push({
            owner: object,
            specPath: `${path.join(".")}.spec`,
            labels: metadata.labels ?? {},
            namespace: namespaceOf(object),
            spec: template["spec"] ?? {},
        });
    }
    return templates;
}

/** A container of a pod template, with its path. */
export interface ContainerAt {
    container: any;
    /** Path of the container in its owner. */
    path: string;
}

/** Every container of a pod template: init containers (sidecars among them) and containers. */
export function containersOf(template: PodTemplate): ContainerAt[] {
    return (["initContainers", "containers"] as const).flatMap((field) =>
        ((template.spec[field] ?? []) as unknown[]).map((container, i) => ({ container, path: `${template.specPath}.${field}[${i}]` })),
    );
}

/** The image's repository (with its registry) and tag, e.g. `vllm/vllm-openai` and `v0.11.0`. */
/** What a container runs: its command, then its args, as strings. */
export function argvOf(container: { command?: unknown[]; args?: unknown[] }): string[] {
    return [...(container.command ?? []), ...(container.args ?? [])].map(String);
}

export function imageOf(container: { image?: string }): { repository: string; tag?: string } {
    const image = container.image ?? "";
    const at = image.indexOf("@");
    const withoutDigest = at === -1 ? image : image.slice(0, at);
    const colon = withoutDigest.lastIndexOf(":");
    if (colon > withoutDigest.lastIndexOf("/")) return { repository: withoutDigest.slice(0, colon), tag: withoutDigest.slice(colon + 1) };
    return { repository: withoutDigest };
}

/** A port a container declares. */
export interface DeclaredPort {
    name?: string;
    number: number;
    protocol: string;
    /** Path of the port in the owner. */
    path: string;
    /** The container's path. */
    containerPath: string;
}

/** Every port the containers of a template declare. */
export function declaredPorts(template: PodTemplate): DeclaredPort[] {
    return containersOf(template).flatMap(({ container, path }) =>
        ((container.ports ?? []) as { name?: string; containerPort: number; protocol?: string }[]).map((p, i) => ({
            ...(p.name === undefined ? {} : { name: p.name }),
            number: Number(p.containerPort),
            protocol: p.protocol ?? "TCP",
            path: `${path}.ports[${i}]`,
            containerPath: path,
        })),
    );
}

/** A port as a number: itself, or the number of the template's port of that name (only that
 * container's ports when `containerPath` is given, as for probes); undefined when no port has
 * that name. */
export function resolvePort(template: PodTemplate, port: number | string | undefined, containerPath?: string): number | undefined {
    if (port === undefined) return undefined;
    if (typeof port === "number" || /^\d+$/.test(port)) return Number(port);
    return declaredPorts(template).find((p) => p.name === port && (containerPath === undefined || p.containerPath === containerPath))?.number;
}
