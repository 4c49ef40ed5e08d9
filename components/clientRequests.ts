/** Ready-to-paste requests for a served model, as the upstream guide sends them. */

/** A shell-quoted single-quoted string. */
function shellQuote(text: string): string {
    return `'${text.replace(/'/g, `'\\''`)}'`;
}

/** `curl` commands for `/v1/chat/completions` and `/v1/completions` of `modelName` through the
 * gateway at `address`. */
export function curlCommands(address: string, modelName: string): { chatCompletions: string; completions: string } {
    const post = (path: string, body: object) =>
        `curl -X POST http://${address}${path} -H 'Content-Type: application/json' -d ${shellQuote(JSON.stringify(body))}`;
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
