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
}

/** Where clients send requests: the hostname when the listener has one, else the address. */
export function gatewayUrl(endpoint: GatewayEndpoint): string {
    return `${endpoint.tls ? "https" : "http"}://${endpoint.hostname ?? endpoint.address}`;
}

/** A host a request can name: a wildcard hostname (`*.example.com`) accepts any one label in
 * place of the `*`, so requests use `llm.example.com`. */
function requestHost(hostname: string): string {
    return hostname.replace(/^\*\./, "llm.");
}

/** The start of a `curl` command that reaches the gateway, before DNS points the hostname at it;
 * every argument quoted. */
function curlTo(endpoint: GatewayEndpoint, path: string): string {
    const host = endpoint.hostname === undefined ? undefined : requestHost(endpoint.hostname);
    const url = gatewayUrl({ ...endpoint, hostname: host });
    const resolve = host === undefined ? [] : ["--resolve", shellQuote(`${host}:${endpoint.tls ? 443 : 80}:${endpoint.address}`)];
    return ["curl", "-X", "POST", ...resolve, shellQuote(`${url}${path}`)].join(" ");
}

/** `curl` commands for `/v1/chat/completions` and `/v1/completions` of `modelName` through the
 * gateway, safe to paste into bash or zsh. */
export function curlCommands(endpoint: GatewayEndpoint, modelName: string): { chatCompletions: string; completions: string } {
    const post = (path: string, body: object) =>
        `${curlTo(endpoint, path)} -H 'Content-Type: application/json' -d ${shellQuote(JSON.stringify(body))}`;
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
