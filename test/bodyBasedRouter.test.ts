/**
 * The real Body-Based Router of each release line: its tag's own ext_proc server
 * (tools/local/bbrDriver.ts), asked as the Gateway's hook (the chart's EnvoyFilter or
 * GCPRoutingExtension, as Helm renders it) asks it, with the container's arguments and the
 * ConfigMaps the program creates. For every model and adapter name the program routes, the headers
 * BBR sets name exactly what the HTTPRoutes match and lead to pods serving that name; a body
 * without `model`, a GET without a body, a body split over several chunks and a body that is not
 * JSON, and a name nothing serves, get what the tag does with them. Each answer is printed per name. The consistency check's
 * own facts (it runs in the policy pack, where BBR cannot) must agree with the real answers.
 */
import assert from "node:assert/strict";
import test from "node:test";
import { RELEASE_LINES } from "../components";
import { stackOf } from "../tools/consistency";
import { namesServed } from "../tools/consistency/modelServers";
import { KubeObject, RenderedStack, ofKind } from "../tools/consistency/objects";
import { gatewayNames, poolServers, probes } from "../tools/consistency/requestPath";
import { HeaderSetter, headersFor } from "../tools/consistency/workloads";
import { BbrAnswer, GatewayRequest, askBbr, bbrMissing, stackBbr } from "../tools/local/bbrDriver";
import { GatewayManifest, HttpRouteManifest, routeRequest } from "../tools/routeMatching";
import { stackResources } from "./helpers/consistencyCheck";
import { runFor } from "./helpers/releaseLineRuns";

const CHAT = "/v1/chat/completions";
const chat = (model: string): GatewayRequest => ({ method: "POST", path: CHAT, body: { model, messages: [{ role: "user", content: "Hi" }] } });

/** The line's stack as Helm renders it, its Gateway, routes and one Body-Based Router. */
async function lineStack(
    version: string,
    provider: "gke" | "istio",
): Promise<{ stack: RenderedStack; gateway: KubeObject; routes: KubeObject[]; setter: HeaderSetter; names: string[] }> {
    const { stack } = stackOf(stackResources(await runFor(version, provider)));
    const [gateway] = ofKind(stack, "Gateway");
    const { routes, setters, servers } = gatewayNames(stack, gateway);
    assert.equal(setters.length, 1, "one Body-Based Router on the Gateway");
    return { stack, gateway, routes, setter: setters[0], names: [...new Set(servers.flatMap(namesServed))].sort() };
}

/** The InferencePools a request with `headers` reaches through the Gateway. */
function poolsFor(gateway: KubeObject, routes: KubeObject[], request: GatewayRequest, headers: Record<string, string>): string[] {
    const decision = routeRequest(gateway as unknown as GatewayManifest, routes as unknown as HttpRouteManifest[], {
        ...probes(gateway)[0],
        method: request.method,
        path: request.path,
        headers,
    });
    return (decision?.rule.backendRefs ?? []).filter((b) => b.kind === "InferencePool").map((b) => b.name);
}

const shown = (answer: BbrAnswer) =>
    `${JSON.stringify(answer.headers)}${answer.clearRouteCache ? " (route picked again)" : ""}${answer.immediateStatus === undefined ? "" : ` immediate response ${answer.immediateStatus}`}${answer.error === undefined ? "" : ` stream error: ${answer.error}`}`;

for (const line of Object.values(RELEASE_LINES)) {
    for (const provider of ["gke", "istio"] as const) {
        test(
            `${line.version} on ${provider}: the real BBR sets, for every routed name, exactly the headers the routes match`,
            { skip: bbrMissing() },
            async (t) => {
                const { stack, gateway, routes, setter, names } = await lineStack(line.version, provider);
                const answers = askBbr(stackBbr(stack, setter), names.map(chat));
                names.forEach((name, i) => t.diagnostic(`bbr:${setter.tag} ${provider} ${name} -> ${shown(answers[i])}`));
                for (const [i, name] of names.entries()) {
                    assert.equal(answers[i].error ?? answers[i].immediateStatus, undefined, `BBR lets ${name} on`);
                    assert.ok(answers[i].clearRouteCache, `BBR has the route for ${name} picked again`);
                    const pools = poolsFor(gateway, routes, chat(name), answers[i].headers);
                    assert.equal(pools.length, 1, `${name} reaches one pool, not ${pools.join(", ")}`);
                    const pool = ofKind(stack, "InferencePool").find((p) => p.metadata.name === pools[0]) as KubeObject;
                    assert.ok(
                        poolServers(stack, pool).some((s) => namesServed(s).includes(name)),
                        `the pods of ${pools[0]} serve ${name}`,
                    );
                    // The check's facts, kept for the policy pack, leave out the empty base-model header.
                    const real = Object.fromEntries(Object.entries(answers[i].headers).filter(([key, value]) => key !== "Content-Length" && value !== ""));
                    assert.deepEqual(headersFor(stack, setter, name), real, `the consistency check's facts on ${name}`);
                }
                // Every header a route matches is one BBR sets, with that exact value, for some name.
                for (const route of routes) {
                    for (const rule of (route["spec"].rules ?? []) as { matches?: { headers?: { name: string; value: string }[] }[] }[]) {
                        for (const header of (rule.matches ?? []).flatMap((m) => m.headers ?? [])) {
                            const set = answers.some((a) =>
                                Object.entries(a.headers).some(([key, value]) => key.toLowerCase() === header.name.toLowerCase() && value === header.value),
                            );
                            assert.ok(set, `${route.metadata.name} matches ${header.name}: ${header.value}, which the real BBR sets for no routed name`);
                        }
                    }
                }
            },
        );
    }

    test(
        `${line.version}: the real BBR on a body without model, a GET without body, a body in chunks, a body that is not JSON`,
        { skip: bbrMissing() },
        async (t) => {
            const { stack, gateway, routes, setter, names } = await lineStack(line.version, "istio");
            const requests: Record<string, GatewayRequest> = {
                "unknown name": chat("gpt-4o"),
                "no model": { method: "POST", path: CHAT, body: { messages: [{ role: "user", content: "Hi" }] } },
                "GET, no body": { method: "GET", path: "/v1/models" },
                "in one chunk": chat(names[0]),
                "in five chunks": { ...chat(names[0]), chunks: 5 },
                "not JSON": { method: "POST", path: CHAT, body: `model=${names[0]}` },
            };
            const answers = Object.fromEntries(askBbr(stackBbr(stack, setter), Object.values(requests)).map((a, i) => [Object.keys(requests)[i], a]));
            for (const [what, answer] of Object.entries(answers)) t.diagnostic(`bbr:${setter.tag} ${what} -> ${shown(answer)}`);
            for (const what of ["unknown name", "no model", "GET, no body"]) {
                assert.equal(answers[what].error ?? answers[what].immediateStatus, undefined, `${what} goes on`);
                assert.deepEqual(poolsFor(gateway, routes, requests[what], answers[what].headers), [], `${what} reaches no model`);
            }
            assert.deepEqual(answers["GET, no body"].headers, {}, "nothing set without a body");
            assert.deepEqual(answers["in five chunks"], answers["in one chunk"], "the chunks are read as one body");
            // v1.0.x ends the stream with an error (handlers/request.go:43-45), which Envoy turns into a
            // failed request (failure_mode_allow: false); v1.5.0 answers 400 itself (request.go:66-67).
            const refused = answers["not JSON"];
            assert.ok(refused.error !== undefined || refused.immediateStatus === "BadRequest", "a body that is not JSON is refused");
            assert.deepEqual(refused.headers, {});
        },
    );
}
