/**
 * Every reference resolves: what a pod mounts or reads (Secrets and their keys, ConfigMaps and
 * their keys, claims, its service account, and every file its containers name in a ConfigMap or
 * Secret volume), what a route attaches to and sends to, a pool's Endpoint Picker Service, an
 * autoscaler's target, a monitor's Secret, a binding's role, a policy's target. A reference the
 * API marks `optional` may dangle.
 */
import { fileAt, keysOf, pathsNamed } from "./files";
import { LabelSelector, selects } from "./labelSelector";
import {
    Environment,
    Finding,
    KubeObject,
    ObjectRef,
    PodTemplate,
    RenderedStack,
    containersOf,
    describe,
    namespaceOf,
    ofKind,
    podTemplates,
    refOf,
} from "./objects";
import { monitorEndpoints } from "./ports";
import { MONITOR_KINDS } from "./upstreamFacts";

/** Keys the token controller fills in a `kubernetes.io/service-account-token` Secret
 * (Kubernetes docs, "Service account token Secrets"). */
const SERVICE_ACCOUNT_TOKEN_KEYS = ["token", "ca.crt", "namespace"];
/** ClusterRoles every cluster has (Kubernetes RBAC docs, "Default roles and role bindings"). */
const DEFAULT_CLUSTER_ROLES = new Set(["cluster-admin", "admin", "edit", "view"]);

class Resolver {
    readonly findings: Finding[] = [];
    constructor(
        private readonly stack: RenderedStack,
        private readonly environment: Environment,
    ) {}

    /** The object, or undefined after a finding that `from` names what does not exist. */
    need(from: ObjectRef, kind: string, namespace: string | undefined, name: string): KubeObject | undefined {
        const object = this.stack.objects.find((o) => o.kind === kind && o.metadata.name === name && (namespace === undefined || namespaceOf(o) === namespace));
        if (object !== undefined) return object;
        const existing = (this.environment.existingObjects ?? []).some(
            (o) => o.kind === kind && o.name === name && (namespace === undefined || (o.namespace ?? "default") === namespace),
        );
        if (!existing) {
            this.findings.push({
                rule: "references",
                message: `${describe(from)} names ${kind} ${namespace === undefined ? "" : `${namespace}/`}${name}, which does not exist`,
                objects: [from, { kind, ...(namespace === undefined ? {} : { namespace }), name }],
            });
        }
        return undefined;
    }

    /** The keys a Secret or ConfigMap holds, with those the token controller adds. */
    private keysOf(object: KubeObject): string[] {
        const keys = keysOf(object);
        return object["type"] === "kubernetes.io/service-account-token" ? [...keys, ...SERVICE_ACCOUNT_TOKEN_KEYS] : keys;
    }

    /** A key of a Secret or ConfigMap. */
    needKey(from: ObjectRef, kind: "Secret" | "ConfigMap", namespace: string, name: string, keys: string[], optional?: boolean): void {
        if (optional === true) return;
        const object = this.need(from, kind, namespace, name);
        if (object === undefined) return;
        const held = this.keysOf(object);
        for (const key of keys.filter((k) => !held.includes(k))) {
            this.findings.push({
                rule: "references",
                message: `${describe(from)} reads key ${key} of ${kind} ${namespace}/${name}, which holds ${held.join(", ") || "no keys"}`,
                objects: [from, refOf(object, `data.${key}`)],
            });
        }
    }
}

/** Every file a container names (a script it runs, a config file its flags or environment point
 * at) that lies in a ConfigMap or Secret volume must be one of the files that volume projects. */
function fileReferences(r: Resolver, stack: RenderedStack, template: PodTemplate): void {
    for (const container of containersOf(template)) {
        for (const { path, where } of pathsNamed(container)) {
            const lookup = fileAt(stack, template, container, path);
            if (lookup.kind !== "missing") continue;
            r.findings.push({
                rule: "references",
                message: `${describe(refOf(template.owner))} reads ${path} (${container.container.name} ${where}), which volume ${lookup.volume} (${lookup.objects.map((o) => `${o.kind} ${o.name}`).join(", ")}) does not hold: it holds ${lookup.holds.join(", ") || "nothing"}`,
                objects: [
                    refOf(template.owner, `${container.path}.${where}`),
                    ...lookup.objects.map((o) => ({ kind: o.kind, namespace: template.namespace, name: o.name })),
                ],
            });
        }
    }
}

function podReferences(r: Resolver, template: PodTemplate): void {
    const ns = template.namespace;
    const at = (path: string) => refOf(template.owner, path);
    const account = template.spec.serviceAccountName ?? template.spec.serviceAccount;
    if (account !== undefined && account !== "default") r.need(at(`${template.specPath}.serviceAccountName`), "ServiceAccount", ns, account);
    const volumes = (template.spec.volumes ?? []) as Record<string, any>[];
    volumes.forEach((volume, i) => {
        const path = `${template.specPath}.volumes[${i}]`;
        const items = (source: { items?: { key: string }[] }) => (source.items ?? []).map((item) => item.key);
        if (volume["secret"] !== undefined)
            r.needKey(at(`${path}.secret`), "Secret", ns, volume["secret"].secretName, items(volume["secret"]), volume["secret"].optional);
        if (volume["configMap"] !== undefined)
            r.needKey(at(`${path}.configMap`), "ConfigMap", ns, volume["configMap"].name, items(volume["configMap"]), volume["configMap"].optional);
        if (volume["persistentVolumeClaim"] !== undefined)
            r.need(at(`${path}.persistentVolumeClaim.claimName`), "PersistentVolumeClaim", ns, volume["persistentVolumeClaim"].claimName);
        ((volume["projected"]?.sources ?? []) as Record<string, any>[]).forEach((source, j) => {
            if (source["secret"] !== undefined)
                r.needKey(
                    at(`${path}.projected.sources[${j}].secret`),
                    "Secret",
                    ns,
                    source["secret"].name,
                    items(source["secret"]),
                    source["secret"].optional,
                );
            if (source["configMap"] !== undefined)
                r.needKey(
                    at(`${path}.projected.sources[${j}].configMap`),
                    "ConfigMap",
                    ns,
                    source["configMap"].name,
                    items(source["configMap"]),
                    source["configMap"].optional,
                );
        });
    });
    const volumeNames = new Set(volumes.map((v) => v["name"]));
    for (const { container, path } of containersOf(template)) {
        ((container.env ?? []) as { valueFrom?: { secretKeyRef?: any; configMapKeyRef?: any } }[]).forEach((env, i) => {
            const secret = env.valueFrom?.secretKeyRef;
            if (secret !== undefined) r.needKey(at(`${path}.env[${i}].valueFrom.secretKeyRef`), "Secret", ns, secret.name, [secret.key], secret.optional);
            const configMap = env.valueFrom?.configMapKeyRef;
            if (configMap !== undefined)
                r.needKey(at(`${path}.env[${i}].valueFrom.configMapKeyRef`), "ConfigMap", ns, configMap.name, [configMap.key], configMap.optional);
        });
        ((container.envFrom ?? []) as { secretRef?: any; configMapRef?: any }[]).forEach((source, i) => {
            if (source.secretRef !== undefined)
                r.needKey(at(`${path}.envFrom[${i}].secretRef`), "Secret", ns, source.secretRef.name, [], source.secretRef.optional);
            if (source.configMapRef !== undefined)
                r.needKey(at(`${path}.envFrom[${i}].configMapRef`), "ConfigMap", ns, source.configMapRef.name, [], source.configMapRef.optional);
        });
        ((container.volumeMounts ?? []) as { name: string }[]).forEach((mount, i) => {
            if (!volumeNames.has(mount.name))
                r.findings.push({
                    rule: "references",
                    message: `${describe(refOf(template.owner))} mounts volume ${mount.name}, which its pod does not have`,
                    objects: [at(`${path}.volumeMounts[${i}]`)],
                });
        });
    }
}

function routeReferences(r: Resolver, route: KubeObject): void {
    const ns = namespaceOf(route);
    ((route["spec"]?.parentRefs ?? []) as { kind?: string; name: string; namespace?: string; sectionName?: string }[]).forEach((ref, i) => {
        if ((ref.kind ?? "Gateway") !== "Gateway") return;
        const gateway = r.need(refOf(route, `spec.parentRefs[${i}]`), "Gateway", ref.namespace ?? ns, ref.name);
        const listeners = ((gateway?.["spec"]?.listeners ?? []) as { name: string }[]).map((l) => l.name);
        if (gateway !== undefined && ref.sectionName !== undefined && !listeners.includes(ref.sectionName)) {
            r.findings.push({
                rule: "references",
                message: `${describe(refOf(route))} attaches to listener ${ref.sectionName} of ${describe(refOf(gateway))}, which has ${listeners.join(", ")}`,
                objects: [refOf(route, `spec.parentRefs[${i}].sectionName`), refOf(gateway, "spec.listeners")],
            });
        }
    });
    ((route["spec"]?.rules ?? []) as { backendRefs?: { kind?: string; name: string; namespace?: string; port?: number }[] }[]).forEach((rule, i) =>
        (rule.backendRefs ?? []).forEach((backend, j) => {
            const from = refOf(route, `spec.rules[${i}].backendRefs[${j}]`);
            const kind = backend.kind ?? "Service";
            const target = r.need(from, kind, backend.namespace ?? ns, backend.name);
            const ports = ((target?.["spec"]?.ports ?? []) as { port: number }[]).map((p) => p.port);
            if (target !== undefined && kind === "Service" && !ports.includes(Number(backend.port))) {
                r.findings.push({
                    rule: "references",
                    message: `${describe(from)} sends to port ${String(backend.port)} of ${describe(refOf(target))}, which serves ${ports.join(", ")}`,
                    objects: [from, refOf(target, "spec.ports")],
                });
            }
        }),
    );
}

function poolReferences(r: Resolver, pool: KubeObject): void {
    const epp = pool["spec"]?.endpointPickerRef;
    if (epp === undefined) {
        r.findings.push({ rule: "references", message: `${describe(refOf(pool))} names no Endpoint Picker`, objects: [refOf(pool, "spec.endpointPickerRef")] });
        return;
    }
    const from = refOf(pool, "spec.endpointPickerRef");
    const service = r.need(from, "Service", namespaceOf(pool), epp.name);
    const ports = ((service?.["spec"]?.ports ?? []) as { port: number }[]).map((p) => p.port);
    if (service !== undefined && !ports.includes(Number(epp.port?.number))) {
        r.findings.push({
            rule: "references",
            message: `${describe(from)} calls port ${String(epp.port?.number)} of ${describe(refOf(service))}, which serves ${ports.join(", ")}`,
            objects: [from, refOf(service, "spec.ports")],
        });
    }
}

function otherReferences(r: Resolver, stack: RenderedStack, object: KubeObject): void {
    const ns = namespaceOf(object);
    const spec = object["spec"] ?? {};
    if (object.kind === "HorizontalPodAutoscaler") r.need(refOf(object, "spec.scaleTargetRef"), spec.scaleTargetRef?.kind, ns, spec.scaleTargetRef?.name);
    if (
        object.kind === "PodDisruptionBudget" &&
        !podTemplates(stack).some((t) => t.namespace === ns && selects((spec.selector ?? {}) as LabelSelector, t.labels))
    ) {
        r.findings.push({ rule: "references", message: `${describe(refOf(object))} selects no pods`, objects: [refOf(object, "spec.selector")] });
    }
    if (MONITOR_KINDS[object.kind] !== undefined) {
        const { endpoints, at } = monitorEndpoints(object);
        endpoints.forEach((endpoint, i) => {
            const secret = MONITOR_KINDS[object.kind].secret(endpoint);
            if (secret !== undefined) r.needKey(refOf(object, `${at(i)}.authorization`), "Secret", secret.namespace ?? ns, secret.name, [secret.key]);
        });
    }
    if (object.kind === "RoleBinding" || object.kind === "ClusterRoleBinding") {
        const role = object["roleRef"] ?? {};
        const builtIn = role.kind === "ClusterRole" && (DEFAULT_CLUSTER_ROLES.has(role.name) || String(role.name).startsWith("system:"));
        if (!builtIn) r.need(refOf(object, "roleRef"), role.kind, role.kind === "Role" ? ns : undefined, role.name);
        const stackNamespaces = new Set(stack.objects.map(namespaceOf));
        ((object["subjects"] ?? []) as { kind: string; name: string; namespace?: string }[]).forEach((subject, i) => {
            if (subject.kind === "ServiceAccount" && stackNamespaces.has(subject.namespace ?? ns) && subject.name !== "default")
                r.need(refOf(object, `subjects[${i}]`), "ServiceAccount", subject.namespace ?? ns, subject.name);
        });
    }
    if (object.kind === "Secret" && object["type"] === "kubernetes.io/service-account-token") {
        r.need(refOf(object, "metadata.annotations"), "ServiceAccount", ns, object.metadata.annotations?.["kubernetes.io/service-account.name"] ?? "");
    }
    if (object.kind === "HealthCheckPolicy" || object.kind === "GCPBackendPolicy")
        r.need(refOf(object, "spec.targetRef"), spec.targetRef?.kind, ns, spec.targetRef?.name);
    if (object.kind === "GCPRoutingExtension") {
        ((spec.targetRefs ?? []) as { kind: string; name: string }[]).forEach((t, i) => r.need(refOf(object, `spec.targetRefs[${i}]`), t.kind, ns, t.name));
    }
    if (object.kind === "DestinationRule") {
        const host = /^([a-z0-9-]+)\.([a-z0-9-]+)\.svc\.cluster\.local$/.exec(String(spec.host));
        if (host !== null) r.need(refOf(object, "spec.host"), "Service", host[2], host[1]);
    }
}

/** Every reference finding. */
export function referenceFindings(stack: RenderedStack, environment: Environment): Finding[] {
    const r = new Resolver(stack, environment);
    for (const template of podTemplates(stack)) {
        podReferences(r, template);
        fileReferences(r, stack, template);
    }
    for (const route of ofKind(stack, "HTTPRoute")) routeReferences(r, route);
    for (const pool of ofKind(stack, "InferencePool")) poolReferences(r, pool);
    for (const object of stack.objects) otherReferences(r, stack, object);
    return r.findings;
}
