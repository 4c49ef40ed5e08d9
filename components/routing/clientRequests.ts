/** Ready-to-paste requests for a served model, as the upstream guide sends them, and the paths
 * they use. */

/**
 * The inference endpoints clients use, the only paths the model routes send to vLLM, each an
 * exact path. Every model we serve generates text, and these are vLLM's two generation endpoints
 * that carry `model` and keep no state between requests (vllm-project/vllm v0.11.0
 * `vllm/entrypoints/openai/api_server.py`; v0.20.2 `entrypoints/openai/{chat_completion,completion}/api_router.py`).
 * Anything else under `/v1` must not reach a server: with adapters on, vLLM registers
 * `/v1/load_lora_adapter` and `/v1/unload_lora_adapter` there (v0.11.0 `api_server.py`; v0.20.2
 * `entrypoints/serve/lora/api_router.py`), which any client key could call.
 */
export const INFERENCE_PATHS = { chatCompletions: "/v1/chat/completions", completions: "/v1/completions" } as const;

/** {@link INFERENCE_PATHS} as a list, in the order the routes match them. */
export const INFERENCE_PATH_LIST: readonly string[] = Object.values(INFERENCE_PATHS);

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
    const post = (path: string, body: object) => `${curlTo(endpoint, "POST", path)} -H 'Content-Type: application/json' -d ${shellQuote(JSON.stringify(body))}`;
    return {
        chatCompletions: post(INFERENCE_PATHS.chatCompletions, {
            model: modelName,
            max_tokens: 100,
            messages: [{ role: "user", content: "What is the capital of France?" }],
        }),
        completions: post(INFERENCE_PATHS.completions, {
            model: modelName,
            prompt: "The capital of France is",
            max_tokens: 50,
            temperature: 0,
        }),
    };
}
