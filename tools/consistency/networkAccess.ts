/**
 * NetworkPolicies judged by what they let through (networkPolicy.ts answers each question): the
 * gateway's proxies reach every pod a route sends to, on the port it sends to; a pool's Endpoint
 * Picker reaches the pool's pods (it scrapes their metrics); Managed Prometheus reaches what its
 * monitors scrape. And nothing else does: not a pod in the same namespace, not the admitted pods
 * moved to another namespace, not the gateway on a port the pods do not serve, not an address
 * outside the gateway's ranges.
 */
import { Source, addressIn, admits } from "./networkPolicy";
import {
    Environment,
    Finding,
    KubeObject,
    PodTemplate,
    RenderedStack,
    declaredPorts,
    describe,
    find,
    namespaceOf,
    ofKind,
    refOf,
    resolvePort,
} from "./objects";
import { monitorKind, monitors, scrapeTargets } from "./ports";
import { GATEWAY_CLASS_PROXIES, NAMESPACE_NAME_LABEL } from "./upstreamFacts";
import { attachedRoutes, poolTemplates, serviceTemplates, targetPortOf } from "./workloads";

/** A source that must be admitted, and what it stands for. */
interface Expected {
    source: Source;
    what: string;
    objects: KubeObject[];
}

/** A namespace no object of the stack is in: the stand-in for "another namespace". */
const OTHER_NAMESPACE = "consistency-check-elsewhere";
/** An address outside every range a stack admits (TEST-NET-1, RFC 5737). */
const OUTSIDE_ADDRESS = "192.0.2.1";

const podSource = (labels: Record<string, string>, namespace: string): Source => ({
    pod: { labels, namespace, namespaceLabels: { [NAMESPACE_NAME_LABEL]: namespace } },
});

/** Where a Gateway's proxies connect from. */
function gatewaySources(gateway: KubeObject, environment: Environment): { sources: Expected[]; unverified?: string } {
    const className = String(gateway["spec"]?.gatewayClassName);
    const proxies = Object.hasOwn(GATEWAY_CLASS_PROXIES, className) ? GATEWAY_CLASS_PROXIES[className] : undefined;
    const ranges = environment.proxyOnlySubnetRanges ?? [];
    const fromRanges = (list: readonly string[], what: string) =>
        list.map((cidr) => ({ source: { ip: addressIn(cidr) }, what: `${what} (${cidr})`, objects: [gateway] }));
    if (proxies?.kind === "gateway-pods") {
        return {
            sources: [
                {
                    source: podSource({ [proxies.label]: gateway.metadata.name }, namespaceOf(gateway)),
                    what: `the proxies of ${describe(refOf(gateway))} (pods labelled ${proxies.label}=${gateway.metadata.name})`,
                    objects: [gateway],
                },
            ],
        };
    }
    const sources = [
        ...fromRanges(ranges, `the proxies of ${describe(refOf(gateway))}`),
        ...(proxies?.kind === "proxy-only-subnet" ? fromRanges(proxies.healthCheckRanges, "Google's health checks") : []),
    ];
    if (ranges.length === 0)
        return { sources, unverified: `where the proxies of ${describe(refOf(gateway))} (class ${className}) connect from: give the proxy-only subnet` };
    return { sources };
}

/** One pod template reached on one port, and who must reach it. */
interface Target {
    template: PodTemplate;
    port: number;
    expected: Expected[];
    /** True for pods a route sends to: they get the negative cases too. */
    routed: boolean;
}

function targetKey(t: { template: PodTemplate; port: number }): string {
    return `${t.template.owner.kind}/${t.template.namespace}/${t.template.owner.metadata.name}:${t.port}`;
}

/** Every pod template the stack sends traffic to, by port, with the sources that must reach it. */
function targets(stack: RenderedStack, environment: Environment, unverified: string[]): Target[] {
    const byKey = new Map<string, Target>();
    const add = (template: PodTemplate, port: number | undefined, expected: Expected[], routed: boolean) => {
        if (port === undefined) return;
        const key = targetKey({ template, port });
        const target = byKey.get(key) ?? { template, port, expected: [], routed: false };
        target.expected.push(...expected);
        target.routed ||= routed;
        byKey.set(key, target);
    };
    for (const gateway of ofKind(stack, "Gateway")) {
        const { sources, unverified: note } = gatewaySources(gateway, environment);
        if (note !== undefined) unverified.push(note);
        for (const route of attachedRoutes(stack, gateway)) {
            for (const rule of route["spec"]?.rules ?? []) {
                for (const backend of (rule.backendRefs ?? []) as { kind?: string; name: string; namespace?: string; port?: number }[]) {
                    const namespace = backend.namespace ?? namespaceOf(route);
                    if (backend.kind === "InferencePool") {
                        const pool = find(stack, "InferencePool", namespace, backend.name);
                        if (pool === undefined) continue;
                        const epp = pool["spec"]?.endpointPickerRef;
                        const eppService = epp === undefined ? undefined : find(stack, "Service", namespace, epp.name);
                        const pickers: Expected[] = (eppService === undefined ? [] : serviceTemplates(stack, eppService)).map((t) => ({
                            source: podSource(t.labels, t.namespace),
                            what: `the Endpoint Picker of ${describe(refOf(pool))} (${describe(refOf(t.owner))})`,
                            objects: [pool, t.owner],
                        }));
                        for (const template of poolTemplates(stack, pool)) add(template, targetPortOf(pool), [...sources, ...pickers], true);
                    } else if ((backend.kind ?? "Service") === "Service") {
                        const service = find(stack, "Service", namespace, backend.name);
                        const port = ((service?.["spec"]?.ports ?? []) as { port: number; targetPort?: number | string }[]).find(
                            (p) => p.port === backend.port,
                        );
                        if (service === undefined || port === undefined) continue;
                        for (const template of serviceTemplates(stack, service))
                            add(template, resolvePort(template, port.targetPort ?? port.port), sources, true);
                    }
                }
            }
        }
    }
    // A Prometheus Operator's Prometheus runs where its owner put it: not in the objects.
    for (const monitor of monitors(stack).filter((m) => monitorKind(m).scrapers !== undefined)) {
        const collectors = (monitorKind(monitor).scrapers?.namespaces ?? []).map((namespace) => ({
            source: podSource({}, namespace),
            what: `Managed Prometheus' collectors in ${namespace}, for ${describe(refOf(monitor))}`,
            objects: [monitor],
        }));
        for (const { template, port } of scrapeTargets(stack, monitor)) add(template, port, collectors, false);
    }
    return [...byKey.values()];
}

/** A port the pods do not serve: the first above the target that no container declares. */
function unservedPort(template: PodTemplate, port: number): number {
    const declared = new Set(declaredPorts(template).map((p) => p.number));
    let wrong = port + 1;
    while (declared.has(wrong)) wrong++;
    return wrong;
}

/** Every NetworkPolicy finding, and what could not be verified. */
export function networkFindings(stack: RenderedStack, environment: Environment): { findings: Finding[]; unverified: string[] } {
    const findings: Finding[] = [];
    const unverified: string[] = [];
    const policies = ofKind(stack, "NetworkPolicy");
    for (const target of targets(stack, environment, unverified)) {
        const { template } = target;
        const namedPorts = Object.fromEntries(declaredPorts(template).flatMap((p) => (p.name === undefined ? [] : [[p.name, p.number]])));
        const destination = (port: number) => ({ labels: template.labels, namespace: template.namespace, port, namedPorts });
        const owner = describe(refOf(template.owner));
        for (const expected of target.expected) {
            const answer = admits(policies, destination(target.port), expected.source);
            if (answer.admitted) continue;
            findings.push({
                rule: "network-policy",
                message: `${expected.what} cannot reach ${owner} on port ${target.port}: ${answer.selecting.map((p) => describe(refOf(p))).join(", ")} admit${answer.selecting.length === 1 ? "s" : ""} no such connection`,
                objects: [
                    refOf(template.owner, `${template.specPath}`),
                    ...answer.selecting.map((p) => refOf(p, "spec.ingress")),
                    ...expected.objects.map((o) => refOf(o)),
                ],
            });
        }
        if (!target.routed) continue;
        const gatewaySource = target.expected[0]?.source ?? { ip: OUTSIDE_ADDRESS };
        const refused: { source: Source; port: number; what: string }[] = [
            { source: podSource({}, template.namespace), port: target.port, what: `any pod in ${template.namespace}` },
            ...target.expected.flatMap((e) =>
                e.source.pod === undefined
                    ? []
                    : [{ source: podSource(e.source.pod.labels, OTHER_NAMESPACE), port: target.port, what: `${e.what}, moved to another namespace` }],
            ),
            { source: podSource({}, OTHER_NAMESPACE), port: target.port, what: "any pod in another namespace" },
            { source: { ip: OUTSIDE_ADDRESS }, port: target.port, what: `an address outside every admitted range (${OUTSIDE_ADDRESS})` },
            {
                source: gatewaySource,
                port: unservedPort(template, target.port),
                what: `${target.expected[0]?.what ?? "the gateway"} on a port the pods do not serve`,
            },
        ];
        const distinct = [...new Map(refused.map((r) => [JSON.stringify([r.source, r.port]), r])).values()];
        for (const probe of distinct) {
            const answer = admits(policies, destination(probe.port), probe.source);
            if (!answer.admitted) continue;
            findings.push({
                rule: "network-policy",
                message:
                    answer.selecting.length === 0
                        ? `no NetworkPolicy selects the pods of ${owner}: ${probe.what} reaches them on port ${probe.port}`
                        : `${answer.admittedBy.map((p) => describe(refOf(p))).join(", ")} let${answer.admittedBy.length === 1 ? "s" : ""} ${probe.what} reach ${owner} on port ${probe.port}`,
                objects: [refOf(template.owner, `${template.specPath}`), ...answer.admittedBy.map((p) => refOf(p, "spec.ingress"))],
            });
        }
    }
    return { findings, unverified };
}
