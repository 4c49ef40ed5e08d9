/**
 * One working monitor per server: the vLLM pods every pool sends to and every pool's Endpoint
 * Picker are each scraped by exactly one monitor (none loses their metrics; two give every series
 * twice, under two jobs), whoever made it, the program or a chart. Where a server's `/metrics`
 * authenticates (its component's `endpointAuth` at its tag, unless its arguments turn it off), the
 * monitor must scrape with the token of a service-account-token Secret whose account may get
 * `/metrics`, Managed Prometheus' collector must be allowed to read that Secret, and the server's
 * own account must be allowed to review the token (METRICS_AUTH).
 */
import { modelServersOf } from "./modelServers";
import {
    Finding,
    KubeObject,
    PodTemplate,
    RenderedStack,
    argvOf,
    containersOf,
    declaredPorts,
    describe,
    find,
    imageOf,
    namespaceOf,
    ofKind,
    refOf,
} from "./objects";
import { monitorEndpoints, monitorKind, monitors, scrapeTargets } from "./ports";
import { allows } from "./rbac";
import { METRICS_AUTH, metricListOf } from "./upstreamFacts";
import { poolTemplates, serviceTemplates } from "./workloads";

/** The servers whose metrics the stack relies on: each pool's vLLM pods and its Endpoint Picker. */
function servers(stack: RenderedStack): { template: PodTemplate; what: string }[] {
    const byOwner = new Map<KubeObject, { template: PodTemplate; what: string }>();
    for (const pool of ofKind(stack, "InferencePool")) {
        for (const template of poolTemplates(stack, pool)) {
            if (modelServersOf(stack, template).length > 0) byOwner.set(template.owner, { template, what: `the vLLM pods of ${describe(refOf(pool))}` });
        }
        const epp = pool["spec"]?.endpointPickerRef;
        const service = epp === undefined ? undefined : find(stack, "Service", namespaceOf(pool), epp.name);
        for (const template of service === undefined ? [] : serviceTemplates(stack, service))
            byOwner.set(template.owner, { template, what: `the Endpoint Picker of ${describe(refOf(pool))}` });
    }
    return [...byOwner.values()];
}

/** How the container serving `port` of a template authenticates `/metrics`, if it does. */
function authOf(template: PodTemplate, port: number | undefined): { image: string; source: string } | undefined {
    const servingPath = declaredPorts(template).find((p) => p.number === port)?.containerPath;
    const serving = containersOf(template).find((c) => c.path === servingPath)?.container;
    if (serving === undefined) return undefined;
    const image = imageOf(serving);
    const auth = metricListOf(image.repository, image.tag).list?.endpointAuth;
    if (auth === undefined) return undefined;
    const argv = argvOf(serving);
    if (auth.disabledBy !== undefined && argv.includes(auth.disabledBy)) return undefined;
    return { image: `${image.repository}:${image.tag}`, source: `${auth.file}:${auth.line}` };
}

/** What keeps one authenticated scrape from working. */
function authFindings(stack: RenderedStack, monitor: KubeObject, endpoint: number, template: PodTemplate, auth: { image: string; source: string }): Finding[] {
    const { endpoints, at: pathOf } = monitorEndpoints(monitor);
    const at = refOf(monitor, pathOf(endpoint));
    const owner = describe(refOf(template.owner));
    const why = `${auth.image} authenticates /metrics (${auth.source})`;
    const secretRef = monitorKind(monitor).secret(endpoints[endpoint]);
    const findings: Finding[] = [];
    if (secretRef === undefined) {
        return [
            {
                rule: "metrics",
                message: `${describe(refOf(monitor))} scrapes ${owner} without a token, but ${why}: every scrape is refused`,
                objects: [at, refOf(template.owner)],
            },
        ];
    }
    const secretNamespace = secretRef.namespace ?? namespaceOf(monitor);
    const secret = find(stack, "Secret", secretNamespace, secretRef.name);
    if (secret === undefined) return []; // the references rule reports it
    const account = secret.metadata.annotations?.["kubernetes.io/service-account.name"];
    if (secret["type"] !== "kubernetes.io/service-account-token" || account === undefined) {
        findings.push({
            rule: "metrics",
            message: `${describe(refOf(monitor))} scrapes ${owner} with ${describe(refOf(secret))}, which is no service account's token, but ${why}`,
            objects: [at, refOf(secret)],
        });
    } else if (!allows(stack, { namespace: secretNamespace, name: account }, METRICS_AUTH.scraper)) {
        findings.push({
            rule: "metrics",
            message: `${describe(refOf(monitor))} scrapes ${owner} as ServiceAccount ${secretNamespace}/${account}, which may not get ${METRICS_AUTH.scraper.nonResourceURL}, but ${why}: every scrape is refused`,
            objects: [at, refOf(secret), { kind: "ServiceAccount", namespace: secretNamespace, name: account }],
        });
    }
    const read = { verb: "get", apiGroup: "", resource: "secrets", name: secretRef.name, namespace: secretNamespace };
    const scrapers = monitorKind(monitor).scrapers;
    if (scrapers !== undefined && !scrapers.namespaces.some((namespace) => allows(stack, { namespace, name: scrapers.account }, read))) {
        findings.push({
            rule: "metrics",
            message: `${describe(refOf(monitor))} scrapes ${owner} with the token of ${describe(refOf(secret))}, which Managed Prometheus' collector (${scrapers.namespaces.join(" or ")}) may not read`,
            objects: [at, refOf(secret)],
        });
    }
    const own = { namespace: template.namespace, name: String(template.spec.serviceAccountName ?? template.spec.serviceAccount ?? "default") };
    for (const request of METRICS_AUTH.server.filter((r) => !allows(stack, own, r))) {
        findings.push({
            rule: "metrics",
            message: `${owner} runs as ServiceAccount ${own.namespace}/${own.name}, which may not create ${request.resource}, but ${why}: it cannot check the token of ${describe(refOf(monitor))}`,
            objects: [refOf(template.owner, `${template.specPath}.serviceAccountName`), at],
        });
    }
    return findings;
}

/** Every monitor finding. */
export function workingMonitorFindings(stack: RenderedStack): Finding[] {
    const findings: Finding[] = [];
    const all = monitors(stack);
    const targets = all.map((monitor) => ({ monitor, targets: scrapeTargets(stack, monitor) }));
    for (const { template, what } of servers(stack)) {
        const scraping = targets.filter((t) => t.targets.some((s) => s.template.owner === template.owner)).map((t) => t.monitor);
        if (scraping.length === 1) continue;
        findings.push({
            rule: "metrics",
            message:
                scraping.length === 0
                    ? `no monitor scrapes ${describe(refOf(template.owner))}, ${what}: its metrics are never collected`
                    : `${describe(refOf(template.owner))}, ${what}, is scraped by ${scraping.length} monitors, ${scraping.map((m) => describe(refOf(m))).join(" and ")}: every series twice, under two jobs`,
            objects: [refOf(template.owner), ...scraping.map((m) => refOf(m, "spec.selector"))],
        });
    }
    for (const { monitor, targets: scraped } of targets) {
        for (const { template, endpoint, port } of scraped) {
            const auth = authOf(template, port);
            if (auth !== undefined) findings.push(...authFindings(stack, monitor, endpoint, template, auth));
        }
    }
    return findings;
}
