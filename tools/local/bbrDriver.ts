/**
 * The real Body-Based Router of a rendered stack, asked as Envoy asks it: the driver of its image
 * tag (tools/local/bbr-driver/, built by `npm run tools`) runs the tag's own ext_proc server with
 * the container's arguments and ConfigMaps, and this side sends each request's ProcessingRequest
 * messages as the Gateway's ext_proc hook (Istio EnvoyFilter, GKE GCPRoutingExtension) is
 * configured to, then reads back the header mutation BBR returned.
 */
import { execFileSync } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import { KubeObject, RenderedStack, ofKind } from "../consistency/objects";
import { HeaderSetter } from "../consistency/workloads";
import { BIN_DIR } from "./cache";
import { toolsMissing } from "./toolchain";
import versions from "./versions.json";

/** Why the real BBR cannot be asked here (its drivers not built), or undefined. */
export function bbrMissing(): string | undefined {
    return toolsMissing(Object.keys(versions.build).filter((name) => name.startsWith("bbr-")));
}

/** How a hook sends a request to its processor (Envoy's ProcessingMode, request side). */
export interface EnvoyMode {
    /** Whether request headers are sent (`request_header_mode` SEND, or the RequestHeaders event). */
    headers: boolean;
    /** `request_body_mode`: FULL_DUPLEX_STREAMED and STREAMED send each chunk as it comes,
     * BUFFERED the whole body at once, NONE nothing. */
    body: "NONE" | "BUFFERED" | "STREAMED" | "FULL_DUPLEX_STREAMED";
}

/** One HTTP request through the Gateway. */
export interface GatewayRequest {
    method: string;
    path: string;
    /** The body as sent: an object is sent as JSON. */
    body?: string | Record<string, unknown>;
    /** How many chunks the body arrives in (1 unless said). */
    chunks?: number;
}

/** What BBR answered one request. */
export interface BbrAnswer {
    /** The headers its mutation sets, in the order it sets them. */
    headers: Record<string, string>;
    /** Whether it asked Envoy to pick the route again with them (ClearRouteCache). */
    clearRouteCache: boolean;
    /** An immediate response it sent instead of letting the request on (its HTTP status). */
    immediateStatus?: string;
    /** The gRPC error that ended the stream: Envoy fails the request unless the hook fails open. */
    error?: string;
}

/** The request-side processing mode of a hook: an EnvoyFilter's ext_proc `processing_mode`, or a
 * GCPRoutingExtension's `supportedEvents` and `requestBodySendMode` (GKE service extensions:
 * FullDuplexStreamed is Envoy's FULL_DUPLEX_STREAMED; without RequestBody no body is sent). */
export function envoyMode(hook: KubeObject): EnvoyMode {
    if (hook.kind === "GCPRoutingExtension") {
        const extension = hook["spec"].extensionChains[0].extensions[0] as { supportedEvents: string[]; requestBodySendMode?: string };
        const modes: Record<string, EnvoyMode["body"]> = { FullDuplexStreamed: "FULL_DUPLEX_STREAMED", Streamed: "STREAMED", Buffered: "BUFFERED" };
        return {
            headers: extension.supportedEvents.includes("RequestHeaders"),
            body: extension.supportedEvents.includes("RequestBody") ? (modes[extension.requestBodySendMode ?? "Buffered"] ?? "BUFFERED") : "NONE",
        };
    }
    const patch = (hook["spec"].configPatches as { patch: { value: { typed_config?: Record<string, unknown> } } }[])
        .map((p) => p.patch.value.typed_config)
        .find((c) => String(c?.["@type"]).endsWith("ext_proc.v3.ExternalProcessor"));
    if (patch === undefined) throw new Error(`${hook.kind} ${hook.metadata.name} has no ext_proc filter`);
    // Envoy's defaults: headers SEND, body NONE (ext_proc.proto ProcessingMode).
    const mode = (patch["processing_mode"] ?? {}) as { request_header_mode?: string; request_body_mode?: EnvoyMode["body"] };
    return { headers: (mode.request_header_mode ?? "SEND") !== "SKIP", body: mode.request_body_mode ?? "NONE" };
}

const bytes = (text: string) => Buffer.from(text).toString("base64");

/** The ProcessingRequest messages (protojson) Envoy sends for `request` in `mode`: the headers,
 * ending the stream when there is no body; then the body, chunk by chunk when streamed. */
export function envoyMessages(mode: EnvoyMode, request: GatewayRequest): object[] {
    const body = request.body === undefined ? "" : typeof request.body === "string" ? request.body : JSON.stringify(request.body);
    const headers = [
        [":method", request.method],
        [":path", request.path],
        [":authority", "llm.example.com"],
        [":scheme", "https"],
        ...(body === ""
            ? []
            : [
                  ["content-type", "application/json"],
                  ["content-length", String(Buffer.byteLength(body))],
              ]),
    ].map(([key, value]) => ({ key, rawValue: bytes(value) }));
    const messages: object[] = mode.headers ? [{ requestHeaders: { headers: { headers }, endOfStream: body === "" } }] : [];
    if (body === "" || mode.body === "NONE") return messages;
    const count = mode.body === "BUFFERED" ? 1 : (request.chunks ?? 1);
    const size = Math.ceil(body.length / count);
    for (let i = 0; i < count; i++) messages.push({ requestBody: { body: bytes(body.slice(i * size, (i + 1) * size)), endOfStream: i === count - 1 } });
    return messages;
}

interface HeaderValueOption {
    header: { key: string; value?: string; rawValue?: string };
}
interface CommonResponse {
    clearRouteCache?: boolean;
    headerMutation?: { setHeaders?: HeaderValueOption[]; removeHeaders?: string[] };
}
interface ProcessingResponse {
    requestHeaders?: { response?: CommonResponse };
    requestBody?: { response?: CommonResponse };
    immediateResponse?: { status?: { code?: string } };
}

/** What Envoy takes from BBR's responses to one request: every header set, in order. */
export function answerOf(outcome: { responses: ProcessingResponse[]; error?: string }): BbrAnswer {
    const answer: BbrAnswer = { headers: {}, clearRouteCache: false };
    for (const response of outcome.responses) {
        const common = response.requestHeaders?.response ?? response.requestBody?.response;
        for (const { header } of common?.headerMutation?.setHeaders ?? []) {
            answer.headers[header.key] = header.rawValue === undefined ? (header.value ?? "") : Buffer.from(header.rawValue, "base64").toString();
        }
        answer.clearRouteCache ||= common?.clearRouteCache === true;
        if (response.immediateResponse !== undefined) answer.immediateStatus = response.immediateResponse.status?.code ?? "unset";
    }
    if (outcome.error !== undefined) answer.error = outcome.error;
    return answer;
}

/** The driver binary of a BBR image tag. */
export function driverFor(tag: string | undefined): string {
    const binary = path.join(BIN_DIR, `bbr-driver-${tag}`);
    if (!fs.existsSync(binary)) throw new Error(`no BBR driver for tag ${tag}: add bbr-${tag} to tools/local/versions.json and run npm run tools`);
    return binary;
}

/** What an inference-extension tag's own code says, through the driver: `metrics`, the metrics
 * BBR's and the EPP's binaries register, as the tag's Register functions describe them (`type`
 * where the collector's Go type shows it); `epp-flags`, every EPP flag with its default. */
export function askTag(tag: string, mode: "metrics"): Record<"bbr" | "epp", Array<{ name: string; type?: string }>>;
export function askTag(tag: string, mode: "epp-flags"): Record<string, string>;
export function askTag(tag: string, mode: string): unknown {
    return JSON.parse(execFileSync(driverFor(tag), [mode], { encoding: "utf8" }));
}

/** What an InferencePool's Endpoint Picker holds: the places it may send a request. */
export interface PoolEndpoints {
    /** The InferencePool's name. */
    pool: string;
    /** Each endpoint: the pod, and the port the EPP's director sends to. */
    endpoints: { pod: string; port: string }[];
}

/** The endpoints each InferencePool in `namespace` gives its Endpoint Picker, as the tag's own
 * InferencePoolReconciler and datastore fill them from the API server of `kubeconfig`. */
export function poolEndpoints(tag: string, kubeconfig: string, namespace: string): PoolEndpoints[] {
    const out = execFileSync(driverFor(tag), ["pool-endpoints", namespace], { encoding: "utf8", env: { ...process.env, KUBECONFIG: kubeconfig } });
    return JSON.parse(out) as PoolEndpoints[];
}

/** The namespace a BBR container's cache is limited to: its `NAMESPACE` (the chart sets it from
 * the pod's own namespace unless `multiNamespace`), else every namespace. */
function namespaceOf(podNamespace: string, env: { name: string; value?: string; valueFrom?: { fieldRef?: { fieldPath: string } } }[]): string {
    const entry = env.find((e) => e.name === "NAMESPACE");
    return entry?.value ?? (entry?.valueFrom?.fieldRef?.fieldPath === "metadata.namespace" ? podNamespace : "");
}

/** One real BBR: its image tag, its container as deployed, how the Gateway sends it requests, and
 * where it reads its ConfigMaps. */
export interface BbrRun {
    tag: string | undefined;
    /** The BBR container: its arguments and environment. */
    container: HeaderSetter["container"];
    /** The pod's namespace. */
    podNamespace: string;
    mode: EnvoyMode;
    /** Where its ConfigMaps come from: given, or read from an API server, as BBR does on a cluster. */
    configMaps: { given: KubeObject[] } | { kubeconfig: string };
}

/** The BBR of a rendered stack, given the stack's ConfigMaps, hooked in as `setter.hook` says. */
export const stackBbr = (stack: RenderedStack, setter: HeaderSetter): BbrRun => ({
    tag: setter.tag,
    container: setter.container,
    podNamespace: setter.template.namespace,
    mode: envoyMode(setter.hook),
    configMaps: { given: ofKind(stack, "ConfigMap") },
});

/** The real BBR's answers to `requests`, from the driver of its tag. */
export function askBbr(bbr: BbrRun, requests: GatewayRequest[]): BbrAnswer[] {
    const source = bbr.configMaps;
    const input = {
        args: (bbr.container.args ?? []).map(String),
        namespace: namespaceOf(bbr.podNamespace, bbr.container.env ?? []),
        configMaps: "given" in source ? source.given : [],
        cluster: "kubeconfig" in source,
        streams: requests.map((r) => envoyMessages(bbr.mode, r)),
    };
    const env = "kubeconfig" in source ? { ...process.env, KUBECONFIG: source.kubeconfig } : process.env;
    const out = execFileSync(driverFor(bbr.tag), [], { input: JSON.stringify(input), encoding: "utf8", stdio: ["pipe", "pipe", "pipe"], env });
    return (JSON.parse(out) as { responses: ProcessingResponse[]; error?: string }[]).map(answerOf);
}
