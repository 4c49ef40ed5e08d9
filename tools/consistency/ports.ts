/**
 * One port, agreed by everything that names it: an InferencePool's target port is a port its pods'
 * containers declare, the port vLLM listens on (`--port`), the port every probe of the vLLM
 * container checks, the port GKE's health check probes; a Service's target port and a monitor's
 * scrape port are ports of the pods they select (the LoRA syncer's port: adapters.ts).
 * Named ports are resolved against the containers' own ports, as the kubelet does.
 */
import { selects } from "./labelSelector";
import { modelServersOf } from "./modelServers";
import {
    DeclaredPort,
    Finding,
    KubeObject,
    PodTemplate,
    RenderedStack,
    declaredPorts,
    describe,
    namespaceOf,
    ofKind,
    podTemplates,
    refOf,
    resolvePort,
} from "./objects";
import { MONITOR_KINDS, MonitorKind } from "./upstreamFacts";
import { poolTemplates, serviceTemplates, targetPortOf } from "./workloads";

const PROBES = ["startupProbe", "readinessProbe", "livenessProbe"] as const;

function listPorts(ports: DeclaredPort[]): string {
    return ports.length === 0 ? "none" : ports.map((p) => (p.name === undefined ? String(p.number) : `${p.name}=${p.number}`)).join(", ");
}

/** What a pool's pods must agree on. */
function poolPortFindings(stack: RenderedStack, pool: KubeObject): Finding[] {
    const findings: Finding[] = [];
    const target = targetPortOf(pool);
    const templates = poolTemplates(stack, pool);
    if (templates.length === 0) {
        findings.push({ rule: "request-path", message: `${describe(refOf(pool))} selects no pods`, objects: [refOf(pool, "spec.selector.matchLabels")] });
    }
    if (target === undefined) {
        findings.push({ rule: "ports", message: `${describe(refOf(pool))} has no target port`, objects: [refOf(pool, "spec.targetPorts")] });
        return findings;
    }
    const poolRef = refOf(pool, "spec.targetPorts[0].number");
    for (const template of templates) {
        const owner = describe(refOf(template.owner));
        const ports = declaredPorts(template);
        if (!ports.some((p) => p.number === target)) {
            findings.push({
                rule: "ports",
                message: `${describe(refOf(pool))} sends to port ${target}, which no container of ${owner} declares (its ports: ${listPorts(ports)})`,
                objects: [poolRef, refOf(template.owner, `${template.specPath}.containers`)],
            });
        }
        for (const server of modelServersOf(stack, template)) {
            const own = ports.filter((p) => p.containerPath === server.container.path);
            if (server.port !== target) {
                findings.push({
                    rule: "ports",
                    message: `vLLM in ${owner} listens on ${server.port} (--port), but ${describe(refOf(pool))} sends to ${target}`,
                    objects: [poolRef, refOf(template.owner, `${server.container.path}.args`)],
                });
            }
            if (!own.some((p) => p.number === server.port)) {
                findings.push({
                    rule: "ports",
                    message: `vLLM in ${owner} listens on ${server.port} (--port), but its container declares ${listPorts(own)}`,
                    objects: [refOf(template.owner, `${server.container.path}.args`), refOf(template.owner, `${server.container.path}.ports`)],
                });
            }
            for (const probe of PROBES) {
                const spec = server.container.container[probe];
                if (spec === undefined) continue;
                const named = spec.httpGet?.port ?? spec.tcpSocket?.port ?? spec.grpc?.port;
                const port = resolvePort(template, named, server.container.path);
                if (port === server.port) continue;
                findings.push({
                    rule: "ports",
                    message: `the ${probe} of vLLM in ${owner} checks port ${String(named)}${port === undefined || String(port) === String(named) ? "" : ` (${port})`}, but vLLM listens on ${server.port}: the pods never become ready`,
                    objects: [refOf(template.owner, `${server.container.path}.${probe}`), refOf(template.owner, `${server.container.path}.args`), poolRef],
                });
            }
        }
    }
    for (const policy of ofKind(stack, "HealthCheckPolicy", namespaceOf(pool))) {
        const ref = policy["spec"]?.targetRef ?? {};
        if (ref.kind !== "InferencePool" || ref.name !== pool.metadata.name) continue;
        const config = policy["spec"]?.default?.config ?? {};
        const port = config.httpHealthCheck?.port ?? config.grpcHealthCheck?.port ?? config.http2HealthCheck?.port;
        if (port !== undefined && Number(port) !== target) {
            findings.push({
                rule: "ports",
                message: `${describe(refOf(policy))} health-checks ${describe(refOf(pool))}'s pods on port ${port}, but the pool sends to ${target}: the load balancer marks them unhealthy`,
                objects: [refOf(policy, "spec.default.config"), poolRef],
            });
        }
    }
    return findings;
}

/** A monitor's kind, as the check reads it. */
export function monitorKind(monitor: KubeObject): MonitorKind {
    return MONITOR_KINDS[monitor.kind];
}

/** A monitor's endpoints, and the path to the i-th. */
export function monitorEndpoints(monitor: KubeObject): { endpoints: any[]; at: (i: number) => string } {
    const field = monitorKind(monitor).endpointsField;
    return { endpoints: monitor["spec"]?.[field] ?? [], at: (i) => `spec.${field}[${i}]` };
}

/** The pods a monitor selects: in its namespace, or anywhere for a cluster-wide kind. */
function monitored(stack: RenderedStack, monitor: KubeObject): PodTemplate[] {
    return podTemplates(stack).filter(
        (t) => (monitorKind(monitor).clusterWide || t.namespace === namespaceOf(monitor)) && selects(monitor["spec"]?.selector ?? {}, t.labels),
    );
}

/** Every monitor, of every kind the check reads. */
export function monitors(stack: RenderedStack): KubeObject[] {
    return Object.keys(MONITOR_KINDS).flatMap((kind) => ofKind(stack, kind));
}

/** The pods a monitor selects, and the port number it scrapes on each (undefined: unresolved). */
export function scrapeTargets(stack: RenderedStack, monitor: KubeObject): { template: PodTemplate; endpoint: number; port?: number }[] {
    const { endpoints } = monitorEndpoints(monitor);
    const port = monitorKind(monitor).port;
    return monitored(stack, monitor).flatMap((template) => endpoints.map((e, i) => ({ template, endpoint: i, port: resolvePort(template, port(e)) })));
}

function monitorFindings(stack: RenderedStack, monitor: KubeObject): Finding[] {
    const findings: Finding[] = [];
    if (monitored(stack, monitor).length === 0) {
        findings.push({ rule: "metrics", message: `${describe(refOf(monitor))} selects no pods`, objects: [refOf(monitor, "spec.selector")] });
    }
    const { endpoints, at } = monitorEndpoints(monitor);
    for (const { template, endpoint, port } of scrapeTargets(stack, monitor)) {
        const named = monitorKind(monitor).port(endpoints[endpoint]);
        const ports = declaredPorts(template);
        const servers = modelServersOf(stack, template);
        const expected = servers.length > 0 ? servers.map((s) => s.port) : ports.map((p) => p.number);
        if (port !== undefined && expected.includes(port)) continue;
        findings.push({
            rule: "ports",
            message: `${describe(refOf(monitor))} scrapes ${describe(refOf(template.owner))} on port ${String(named)}, but ${servers.length > 0 ? `vLLM serves /metrics on ${expected.join(", ")}` : `its containers declare ${listPorts(ports)}`}`,
            objects: [refOf(monitor, at(endpoint)), refOf(template.owner, `${template.specPath}.containers`)],
        });
    }
    return findings;
}

function serviceFindings(stack: RenderedStack, service: KubeObject): Finding[] {
    if (service["spec"]?.selector === undefined || service["spec"]?.type === "ExternalName") return [];
    const templates = serviceTemplates(stack, service);
    if (templates.length === 0)
        return [{ rule: "references", message: `${describe(refOf(service))} selects no pods`, objects: [refOf(service, "spec.selector")] }];
    const findings: Finding[] = [];
    ((service["spec"]?.ports ?? []) as { port: number; targetPort?: number | string }[]).forEach((port, i) => {
        const target = port.targetPort ?? port.port;
        for (const template of templates) {
            const number = resolvePort(template, target);
            if (number !== undefined && declaredPorts(template).some((p) => p.number === number)) continue;
            findings.push({
                rule: "ports",
                message: `${describe(refOf(service))} sends port ${port.port} to ${String(target)}, which no container of ${describe(refOf(template.owner))} declares (${listPorts(declaredPorts(template))})`,
                objects: [refOf(service, `spec.ports[${i}]`), refOf(template.owner, `${template.specPath}.containers`)],
            });
        }
    });
    return findings;
}

/** Every port finding. */
export function portFindings(stack: RenderedStack): Finding[] {
    return [
        ...ofKind(stack, "InferencePool").flatMap((pool) => poolPortFindings(stack, pool)),
        ...monitors(stack).flatMap((monitor) => monitorFindings(stack, monitor)),
        ...ofKind(stack, "Service").flatMap((service) => serviceFindings(stack, service)),
    ];
}
