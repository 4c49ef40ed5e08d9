/**
 * Gateway API route matching as a conformant implementation reads it: Envoy Gateway's own
 * translator (`egctl x translate`, built by `npm run tools`; offline, no proxy, no cluster) turns
 * Gateways and their HTTPRoutes into Envoy's route tables, and a request goes to the first route
 * of its virtual host's table that matches it, as in Envoy. Each Envoy route is named after the
 * HTTPRoute rule it came from, so the tests can compare its pick with tools/routeMatching.ts.
 */
import { execFileSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { stringify as toYaml } from "yaml";
import type { GatewayManifest, GatewayRequest, HttpRouteManifest } from "../routeMatching";
import { BIN_DIR } from "./cache";
import { toolsNotBuilt } from "./toolchain";

/** Why Envoy Gateway's translator cannot run here, or undefined. */
export const envoyGatewayMissing = (): string | undefined =>
    toolsNotBuilt(["egctl"]) ?? (spawnable("openssl") ? undefined : "openssl is not installed (it makes the HTTPS listeners' certificate)");

function spawnable(command: string): boolean {
    try {
        execFileSync(command, ["version"], { stdio: "ignore" });
        return true;
    } catch {
        return false;
    }
}

/** A self-signed certificate for every HTTPS listener (the translator reads the key pair of
 * a listener's certificateRefs), made once per process: `tls.crt` and `tls.key`, base64. */
let certificate: { "tls.crt": string; "tls.key": string } | undefined;
function listenerCertificate(): { "tls.crt": string; "tls.key": string } {
    if (certificate !== undefined) return certificate;
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "routing-cert-"));
    try {
        const [key, crt] = [path.join(dir, "tls.key"), path.join(dir, "tls.crt")];
        execFileSync("openssl", ["req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", key, "-out", crt, "-days", "1", "-subj", "/CN=routing.invalid"], {
            stdio: "ignore",
        });
        certificate = { "tls.crt": fs.readFileSync(crt).toString("base64"), "tls.key": fs.readFileSync(key).toString("base64") };
        return certificate;
    } finally {
        fs.rmSync(dir, { recursive: true, force: true });
    }
}

/** Envoy Gateway's controller name (api/v1alpha1/envoygateway_types.go:19, `GatewayControllerName`). */
const CONTROLLER = "gateway.envoyproxy.io/gatewayclass-controller";

/** An Envoy header matcher as the translator writes it (`:method` for a method match). */
interface HeaderMatcher {
    name: string;
    stringMatch?: { exact?: string; ignoreCase?: boolean };
    presentMatch?: boolean;
}

/** An Envoy route: its name (`httproute/<ns>/<name>/rule/<i>/match/<j>/<host>`) and match. */
interface EnvoyRoute {
    name: string;
    match: { prefix?: string; path?: string; pathSeparatedPrefix?: string; headers?: HeaderMatcher[] };
}

/** An Envoy virtual host: the domains it answers and its routes, in the order Envoy tries them. */
interface VirtualHost {
    domains: string[];
    routes?: EnvoyRoute[];
}

/** One Gateway with the HTTPRoutes attached to it. */
export interface RoutingCase {
    /** The Gateway; its HTTP and HTTPS listeners are translated. */
    gateway: GatewayManifest;
    /** The HTTPRoutes, in the Gateway's namespace. */
    routes: readonly HttpRouteManifest[];
}

/** The rule Envoy reaches for a request: `{namespace}/{name}` of the HTTPRoute, and its rule. */
export interface EnvoyPick {
    /** `{namespace}/{name}` of the HTTPRoute. */
    route: string;
    /** Index of the rule in the route. */
    ruleIndex: number;
}

/** A case's Envoy route configuration: its virtual hosts, and the namespace its objects had. */
export interface EnvoyRouteTable {
    /** The namespace the case's objects had (the translator saw them in `case-<i>`). */
    namespace: string;
    /** Envoy's virtual hosts, by the protocol of the listener whose route configuration holds them. */
    virtualHosts: { protocol: string; host: VirtualHost }[];
}

/** The objects of one case, moved to a namespace of their own (`case-<i>`) so that many cases
 * translate in one run. An HTTPS listener terminates TLS with a self-signed certificate of that
 * namespace in place of whatever its gateway names (a GKE-managed certificate the translator
 * cannot read); routing does not look at it. Backends stay as they are: a rule whose backends the
 * translator cannot use (an InferencePool) still gets its route, which answers 500. */
function caseObjects({ gateway, routes }: RoutingCase, i: number): object[] {
    const namespace = `case-${i}`;
    const own = gateway.metadata.namespace ?? "default";
    for (const route of routes)
        if ((route.metadata.namespace ?? "default") !== own) throw new Error(`route ${route.metadata.name} is not in its Gateway's namespace ${own}`);
    const certificateRefs = [{ name: "listener-certificate" }];
    const listeners = gateway.spec.listeners
        .filter((l) => l.protocol === "HTTP" || l.protocol === "HTTPS")
        .map((l) => (l.protocol === "HTTPS" ? { ...l, tls: { mode: "Terminate", certificateRefs } } : l));
    return [
        { apiVersion: "v1", kind: "Namespace", metadata: { name: namespace } },
        { apiVersion: "v1", kind: "Secret", metadata: { name: "listener-certificate", namespace }, type: "kubernetes.io/tls", data: listenerCertificate() },
        {
            apiVersion: "gateway.networking.k8s.io/v1",
            kind: "Gateway",
            metadata: { name: gateway.metadata.name, namespace },
            spec: { gatewayClassName: "eg", listeners },
        },
        ...routes.map((route) => ({
            apiVersion: "gateway.networking.k8s.io/v1",
            kind: "HTTPRoute",
            metadata: { ...route.metadata, namespace },
            spec: { ...route.spec, parentRefs: route.spec.parentRefs?.map((ref) => ({ ...ref, namespace: undefined })) },
        })),
    ];
}

/** Each case's route table, as Envoy Gateway's translator writes it, from one run. */
export function envoyRouteTables(cases: readonly RoutingCase[]): EnvoyRouteTable[] {
    const gatewayClass = { apiVersion: "gateway.networking.k8s.io/v1", kind: "GatewayClass", metadata: { name: "eg" }, spec: { controllerName: CONTROLLER } };
    const input = [gatewayClass, ...cases.flatMap(caseObjects)].map((o) => toYaml(JSON.parse(JSON.stringify(o)))).join("---\n");
    const args = ["x", "translate", "--from", "gateway-api", "--to", "xds", "--type", "route", "--add-missing-resources", "--output", "json", "--file", "-"];
    const out = execFileSync(path.join(BIN_DIR, "egctl"), args, { input, encoding: "utf8", maxBuffer: 256 * 1024 * 1024 });
    const xds = (JSON.parse(out) as { xds: Record<string, { dynamicRouteConfigs?: { routeConfig: { name: string; virtualHosts?: VirtualHost[] } }[] }> }).xds;
    // A route configuration is named `<namespace>/<gateway>/<listener>`.
    return cases.map((c, i) => ({
        namespace: c.gateway.metadata.namespace ?? "default",
        virtualHosts: (xds[`case-${i}/${c.gateway.metadata.name}`]?.dynamicRouteConfigs ?? []).flatMap(({ routeConfig }) => {
            const protocol = c.gateway.spec.listeners.find((l) => l.name === routeConfig.name.split("/")[2])?.protocol ?? "";
            return (routeConfig.virtualHosts ?? []).map((host) => ({ protocol, host }));
        }),
    }));
}

/** How well a virtual host's domain matches the Host, more being more specific (Envoy: an exact
 * domain, then the longest suffix wildcard, then `*`), or -1 where it does not. */
function domainRank(domain: string, host: string): number {
    if (domain === host) return Number.MAX_SAFE_INTEGER;
    if (domain.startsWith("*") && domain !== "*" && host.endsWith(domain.slice(1))) return domain.length;
    return domain === "*" ? 0 : -1;
}

function headerMatches(matcher: HeaderMatcher, request: GatewayRequest): boolean {
    const headers = Object.fromEntries(Object.entries(request.headers ?? {}).map(([k, v]) => [k.toLowerCase(), v]));
    const value = matcher.name === ":method" ? request.method : headers[matcher.name.toLowerCase()];
    if (matcher.presentMatch !== undefined) return (value !== undefined) === matcher.presentMatch;
    const exact = matcher.stringMatch?.exact;
    if (exact === undefined) throw new Error(`header matcher ${JSON.stringify(matcher)} is not read here`);
    if (value === undefined) return false;
    return matcher.stringMatch?.ignoreCase === true ? value.toLowerCase() === exact.toLowerCase() : value === exact;
}

/** Envoy's route match (route_components.proto `RouteMatch`): the path part, then every header. */
function routeMatches(match: EnvoyRoute["match"], request: GatewayRequest): boolean {
    const path = request.path.split("?")[0];
    const { prefix, path: exact, pathSeparatedPrefix: separated } = match;
    const pathOk =
        prefix !== undefined
            ? path.startsWith(prefix)
            : exact !== undefined
              ? path === exact
              : separated !== undefined && (path === separated || path.startsWith(`${separated}/`));
    if (prefix === undefined && exact === undefined && separated === undefined) throw new Error(`route match ${JSON.stringify(match)} is not read here`);
    return pathOk && (match.headers ?? []).every((h) => headerMatches(h, request));
}

/** The HTTPRoute rule Envoy sends `request` to (`{namespace}/{name}` as the case named it): the
 * first matching route of the virtual host, on a listener of the request's scheme, whose domain
 * matches the Host most specifically, or undefined (a 404). */
export function envoyPick(table: EnvoyRouteTable, request: GatewayRequest): EnvoyPick | undefined {
    const rank = (h: VirtualHost) => Math.max(...h.domains.map((d) => domainRank(d, request.host)));
    const hosts = table.virtualHosts.filter((v) => v.protocol === request.scheme.toUpperCase()).map((v) => v.host);
    const host = hosts.sort((a, b) => rank(b) - rank(a)).find((h) => rank(h) >= 0);
    const route = host?.routes?.find((r) => routeMatches(r.match, request));
    if (route === undefined) return undefined;
    const named = /^httproute\/[^/]+\/([^/]+)\/rule\/(\d+)\//.exec(route.name);
    if (named === null) throw new Error(`an Envoy route not named after an HTTPRoute rule: ${route.name}`);
    return { route: `${table.namespace}/${named[1]}`, ruleIndex: Number(named[2]) };
}
