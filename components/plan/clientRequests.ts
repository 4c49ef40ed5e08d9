/** Ready-to-paste requests for a served model, as the upstream guide sends them. */

/** A shell-quoted single-quoted string. */
function shellQuote(text: string): string {
    return `'${text.replace(/'/g, `'\\''`)}'`;
}

/** How clients reach the Gateway. */
export interface GatewayEndpoint {
    /** The Gateway's address. */
    address: string;
    /** The hostname its listener accepts, if restricted. */
    hostname?: string;
    /** True when the listener serves HTTPS. */
    tls: boolean;
    /** True when requests need an API key; the commands then send a placeholder for it. */
    apiKey?: boolean;
}

/** What the commands send in place of the key, which never appears in an output. */
export const API_KEY_PLACEHOLDER = "<api-key>";

/** Where clients send requests: the hostname when the listener has one, else the address. */
export function gatewayUrl(endpoint: GatewayEndpoint): string {
    return `${endpoint.tls ? "https" : "http"}://${endpoint.hostname ?? endpoint.address}`;
}

/** The start of a `curl` command that reaches the gateway, before DNS points the hostname at it,
 * with the key's header when one is needed. */
function curlTo(endpoint: GatewayEndpoint, method: "GET" | "POST", path: string): string {
    const resolve = endpoint.hostname === undefined ? "" : `--resolve ${endpoint.hostname}:${endpoint.tls ? 443 : 80}:${endpoint.address} `;
    const key = endpoint.apiKey === true ? ` -H ${shellQuote(`Authorization: Bearer ${API_KEY_PLACEHOLDER}`)}` : "";
    return `curl -X ${method} ${resolve}${gatewayUrl(endpoint)}${path}${key}`;
}

/** `curl` for OpenAI's model list at the gateway. */
export function curlListModels(endpoint: GatewayEndpoint): string {
    return curlTo(endpoint, "GET", "/v1/models");
}

/** `curl` commands for `/v1/chat/completions` and `/v1/completions` of `modelName` through the
 * gateway. */
export function curlCommands(endpoint: GatewayEndpoint, modelName: string): { chatCompletions: string; completions: string } {
    const post = (path: string, body: object) =>
        `${curlTo(endpoint, "POST", path)} -H 'Content-Type: application/json' -d ${shellQuote(JSON.stringify(body))}`;
    return {
        chatCompletions: post("/v1/chat/completions", {
            model: modelName,
            max_tokens: 100,
            messages: [{ role: "user", content: "What is the capital of France?" }],
        }),
        completions: post("/v1/completions", {
            model: modelName,
            prompt: "The capital of France is",
            max_tokens: 50,
            temperature: 0,
        }),
    };
}
