/** Ready-to-paste requests for a served model, as the upstream guide sends them. */

/** `text` as one single-quoted shell word: safe in bash and zsh whatever it holds. */
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

/** A host a request can name: a wildcard hostname (`*.example.com`) accepts any one label in
 * place of the `*`, so requests use `llm.example.com`. */
function requestHost(hostname: string): string {
    return hostname.replace(/^\*\./, "llm.");
}

/** The start of a `curl` command that reaches the gateway, before DNS points the hostname at it,
 * with the key's header when one is needed; every argument quoted. */
function curlTo(endpoint: GatewayEndpoint, method: "GET" | "POST", path: string): string {
    const host = endpoint.hostname === undefined ? undefined : requestHost(endpoint.hostname);
    const url = gatewayUrl({ ...endpoint, hostname: host });
    const resolve = host === undefined ? [] : ["--resolve", shellQuote(`${host}:${endpoint.tls ? 443 : 80}:${endpoint.address}`)];
    const key = endpoint.apiKey === true ? ["-H", shellQuote(`Authorization: Bearer ${API_KEY_PLACEHOLDER}`)] : [];
    return ["curl", "-X", method, ...resolve, shellQuote(`${url}${path}`), ...key].join(" ");
}

/** `curl` for OpenAI's model list at the gateway. */
export function curlListModels(endpoint: GatewayEndpoint): string {
    return curlTo(endpoint, "GET", "/v1/models");
}

/** `curl` commands for `/v1/chat/completions` and `/v1/completions` of `modelName` through the
 * gateway, safe to paste into bash or zsh. */
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
