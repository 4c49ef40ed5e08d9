/**
 * Each pool's Endpoint Picker can be called by the gateway that routes to the pool: it serves
 * TLS unless told otherwise (facts/epp-serving.json), so where the Gateway's proxies originate TLS
 * only through a DestinationRule (Istio), exactly one DestinationRule for the EPP Service's host
 * must set `trafficPolicy.tls.mode: SIMPLE` (the EPP's certificate is self-signed, so not
 * ISTIO_MUTUAL). None leaves every request without its EPP; two make Istio pick one.
 */
import { Finding, KubeObject, RenderedStack, argvOf, describe, find, imageOf, namespaceOf, ofKind, refOf } from "./objects";
import { GATEWAY_CLASS_PROXIES, eppServingFact } from "./upstreamFacts";
import { attachedRoutes, endpointPickerOf } from "./workloads";

/** The pools the Gateway's routes send to. */
function routedPools(stack: RenderedStack, gateway: KubeObject): KubeObject[] {
    const pools = new Map<string, KubeObject>();
    for (const route of attachedRoutes(stack, gateway)) {
        for (const rule of route["spec"]?.rules ?? []) {
            for (const backend of (rule.backendRefs ?? []) as { kind?: string; name: string; namespace?: string }[]) {
                const pool = backend.kind === "InferencePool" ? find(stack, "InferencePool", backend.namespace ?? namespaceOf(route), backend.name) : undefined;
                if (pool !== undefined) pools.set(`${namespaceOf(pool)}/${pool.metadata.name}`, pool);
            }
        }
    }
    return [...pools.values()];
}

/** Whether a DestinationRule applies to the Service: its host is the Service's cluster name, or
 * its short name in the Service's namespace. */
function ruleFor(rule: KubeObject, service: KubeObject): boolean {
    const host = String(rule["spec"]?.host ?? "");
    const ns = namespaceOf(service);
    return host === `${service.metadata.name}.${ns}.svc.cluster.local` || (namespaceOf(rule) === ns && host === service.metadata.name);
}

/** Every Endpoint Picker finding. */
export function endpointPickerFindings(stack: RenderedStack): Finding[] {
    const findings: Finding[] = [];
    for (const gateway of ofKind(stack, "Gateway")) {
        const className = String(gateway["spec"]?.gatewayClassName);
        const proxies = Object.hasOwn(GATEWAY_CLASS_PROXIES, className) ? GATEWAY_CLASS_PROXIES[className] : undefined;
        if (proxies?.kind !== "gateway-pods" || !proxies.tlsByDestinationRule) continue;
        for (const pool of routedPools(stack, gateway)) {
            const picker = endpointPickerOf(stack, pool);
            if (picker === undefined) continue; // the references rule reports it
            const { service } = picker;
            const tls = picker.containers.some(({ container }) => {
                const fact = eppServingFact(imageOf(container).tag);
                return fact !== undefined && fact.secureServingByDefault && !argvOf(container).includes(fact.disabledBy);
            });
            if (!tls) continue;
            const rules = ofKind(stack, "DestinationRule").filter((r) => ruleFor(r, service));
            const simple = rules.filter((r) => r["spec"]?.trafficPolicy?.tls?.mode === "SIMPLE");
            if (rules.length === 1 && simple.length === 1) continue;
            findings.push({
                rule: "request-path",
                message:
                    rules.length === 0
                        ? `${describe(refOf(gateway))} (class ${className}) calls ${describe(refOf(service))}, the Endpoint Picker of ${describe(refOf(pool))}, in plain text, but it serves TLS: no DestinationRule sets TLS for it`
                        : rules.length > 1
                          ? `${rules.length} DestinationRules (${rules.map((r) => describe(refOf(r))).join(", ")}) are for ${describe(refOf(service))}, the Endpoint Picker of ${describe(refOf(pool))}: Istio applies one of them`
                          : `${describe(refOf(rules[0]))} sets TLS mode ${String(rules[0]["spec"]?.trafficPolicy?.tls?.mode)} for ${describe(refOf(service))}, whose self-signed certificate needs SIMPLE`,
                objects: [refOf(service), refOf(pool, "spec.endpointPickerRef"), ...rules.map((r) => refOf(r, "spec.trafficPolicy.tls"))],
            });
        }
    }
    return findings;
}

/** Objects made twice: two of one kind with one namespace and name (the program's and a chart's,
 * say), which the API server keeps as one, so one maker's fields overwrite the other's. */
export function duplicateFindings(stack: RenderedStack): Finding[] {
    const seen = new Map<string, KubeObject[]>();
    for (const object of stack.objects) {
        const group = object.apiVersion.includes("/") ? object.apiVersion.split("/")[0] : "";
        const key = `${group}/${object.kind}/${object.metadata.namespace ?? ""}/${object.metadata.name}`;
        seen.set(key, [...(seen.get(key) ?? []), object]);
    }
    return [...seen.values()]
        .filter((objects) => objects.length > 1)
        .map((objects) => ({
            rule: "duplicates",
            message: `${describe(refOf(objects[0]))} is made ${objects.length} times (${objects.map((o) => o.apiVersion).join(", ")}): each apply overwrites the other's fields`,
            objects: objects.map((o) => refOf(o)),
        }));
}
