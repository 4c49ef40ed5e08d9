/**
 * Which HTTPRoute rule a Gateway picks for a request, by Gateway API's rules (kubernetes-sigs/
 * gateway-api `apis/v1/httproute_types.go`, the same text at v1.2.1, v1.3.0 and v1.6.1): a route
 * applies to a listener its `parentRefs` name (all of the Gateway's when no `sectionName`), whose
 * protocol is the request's and whose hostname matches; among all matches of all applicable rules,
 * precedence goes to an `Exact` path, then the longest `PathPrefix`, then a method match, then the
 * most header matches, then the most query matches; ties across routes go to the oldest route,
 * then to `{namespace}/{name}` in alphabetical order; within a route, to the first rule. A
 * request no rule matches gets a 404. Pure: reads manifests as the program renders them, so the
 * routing tests and the consistency check can ask what a request reaches; the tests ask Envoy
 * Gateway's own translator the same (tools/local/envoyGateway.ts).
 */

/** An HTTPRoute match (`spec.rules[].matches[]`). */
export interface RouteMatch {
    path?: { type?: string; value?: string };
    method?: string;
    headers?: { type?: string; name: string; value: string }[];
    queryParams?: { type?: string; name: string; value: string }[];
}

/** An HTTPRoute rule. */
export interface RouteRule {
    matches?: RouteMatch[];
    backendRefs?: { group?: string; kind?: string; name: string; port?: number }[];
    filters?: { type: string; requestRedirect?: { scheme?: string; statusCode?: number } }[];
}

/** The parts of an HTTPRoute manifest that routing reads. */
export interface HttpRouteManifest {
    metadata: { name: string; namespace?: string; creationTimestamp?: string };
    spec: {
        parentRefs?: { group?: string; kind?: string; name: string; namespace?: string; sectionName?: string }[];
        hostnames?: string[];
        rules?: RouteRule[];
    };
}

/** The parts of a Gateway manifest that routing reads. */
export interface GatewayManifest {
    metadata: { name: string; namespace?: string };
    spec: { listeners: { name: string; protocol: string; port: number; hostname?: string }[] };
}

/** A request as it reaches the Gateway (after BBR has added its header). */
export interface GatewayRequest {
    /** `http` or `https`. */
    scheme: "http" | "https";
    /** The Host header. */
    host: string;
    /** HTTP method. */
    method: string;
    /** The path, as sent (percent-encoding kept). */
    path: string;
    /** Request headers; names are compared case-insensitively. */
    headers?: Record<string, string>;
}

/** The rule a request reaches. */
export interface RoutingDecision {
    /** `{namespace}/{name}` of the route. */
    route: string;
    /** Index of the rule in the route. */
    ruleIndex: number;
    /** The rule itself: its backends and filters. */
    rule: RouteRule;
    /** True when another route's match ties with this one up to the creation-time rule: which
     * wins then depends on the order the routes were created in. */
    tiedAcrossRoutes: boolean;
}

const DEFAULT_MATCH: RouteMatch = { path: { type: "PathPrefix", value: "/" } };

/** Whether `path` matches a Gateway API path match: `Exact`, or `PathPrefix` by whole segments
 * (`/abc` matches `/abc` and `/abc/def`, not `/abcd`; a trailing `/` in the value is ignored). */
export function pathMatches(match: RouteMatch["path"], path: string): boolean {
    const type = match?.type ?? "PathPrefix";
    const value = match?.value ?? "/";
    const pathOnly = path.split("?")[0];
    if (type === "Exact") return pathOnly === value;
    if (type !== "PathPrefix") throw new Error(`path match type ${type} is not modelled`);
    const prefix = value.replace(/\/+$/, "");
    return prefix === "" || pathOnly === prefix || pathOnly.startsWith(`${prefix}/`);
}

function hostnameMatches(pattern: string | undefined, host: string): boolean {
    if (pattern === undefined) return true;
    return pattern.startsWith("*.") ? host.endsWith(pattern.slice(1)) && host.length > pattern.length - 1 : host === pattern;
}

function matchApplies(match: RouteMatch, request: GatewayRequest): boolean {
    const headers = Object.fromEntries(Object.entries(request.headers ?? {}).map(([k, v]) => [k.toLowerCase(), v]));
    if (match.queryParams !== undefined && match.queryParams.length > 0) throw new Error("query parameter matches are not modelled");
    return (
        pathMatches(match.path, request.path) &&
        (match.method === undefined || match.method === request.method) &&
        (match.headers ?? []).every((h) => (h.type ?? "Exact") === "Exact" && headers[h.name.toLowerCase()] === h.value)
    );
}

/** The precedence of a match, compared element by element, lower first. */
function rank(match: RouteMatch): number[] {
    const exact = match.path?.type === "Exact";
    return [
        exact ? 0 : 1,
        -(match.path?.value ?? "/").length,
        match.method === undefined ? 1 : 0,
        -(match.headers?.length ?? 0),
        -(match.queryParams?.length ?? 0),
    ];
}

function compare(a: readonly (number | string)[], b: readonly (number | string)[]): number {
    for (let i = 0; i < Math.min(a.length, b.length); i++) {
        if (a[i] !== b[i]) return a[i] < b[i] ? -1 : 1;
    }
    return a.length - b.length;
}

/** The rule of `routes` that `gateway` picks for `request`, or undefined for a 404. */
export function routeRequest(gateway: GatewayManifest, routes: readonly HttpRouteManifest[], request: GatewayRequest): RoutingDecision | undefined {
    const protocol = request.scheme.toUpperCase();
    const listeners = gateway.spec.listeners.filter((l) => l.protocol === protocol && hostnameMatches(l.hostname, request.host));
    const namespace = gateway.metadata.namespace ?? "default";
    const candidates: { key: (number | string)[]; crossRouteKey: number[]; decision: Omit<RoutingDecision, "tiedAcrossRoutes"> }[] = [];
    for (const route of routes) {
        const routeNamespace = route.metadata.namespace ?? "default";
        const attached = (route.spec.parentRefs ?? []).some(
            (ref) =>
                (ref.kind ?? "Gateway") === "Gateway" &&
                ref.name === gateway.metadata.name &&
                (ref.namespace ?? routeNamespace) === namespace &&
                listeners.some((l) => ref.sectionName === undefined || ref.sectionName === l.name),
        );
        const hostnames = route.spec.hostnames ?? [];
        if (!attached || (hostnames.length > 0 && !hostnames.some((h) => hostnameMatches(h, request.host)))) continue;
        const name = `${routeNamespace}/${route.metadata.name}`;
        (route.spec.rules ?? []).forEach((rule, ruleIndex) => {
            const matches = rule.matches === undefined || rule.matches.length === 0 ? [DEFAULT_MATCH] : rule.matches;
            matches.forEach((match, matchIndex) => {
                if (!matchApplies(match, request)) return;
                const crossRouteKey = rank(match);
                candidates.push({
                    key: [...crossRouteKey, route.metadata.creationTimestamp ?? "", name, ruleIndex, matchIndex],
                    crossRouteKey,
                    decision: { route: name, ruleIndex, rule },
                });
            });
        });
    }
    candidates.sort((a, b) => compare(a.key, b.key));
    const [best, ...rest] = candidates;
    if (best === undefined) return undefined;
    const tiedAcrossRoutes = rest.some((c) => c.decision.route !== best.decision.route && compare(c.crossRouteKey, best.crossRouteKey) === 0);
    return { ...best.decision, tiedAcrossRoutes };
}
