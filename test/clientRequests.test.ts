/**
 * The `curl` commands the stack prints, pasted into real shells: bash and zsh (Debian's, unpacked by npm run tools)
 * parse them and hand curl exactly the intended arguments for every kind of endpoint and for model
 * names using every character a name may hold; a wildcard hostname becomes a concrete host, never
 * a glob.
 */
import assert from "node:assert/strict";
import test from "node:test";
// The module itself, not the package index: it needs none of the SDKs.
import { GatewayEndpoint, curlCommands } from "../components/routing/clientRequests";
import { SHELLS, curlArgvs, hasShell } from "./helpers/stubCurl";

/** Names with every character a model or adapter name may hold (letters, digits, . _ : / -), and
 * a quote, which no name may hold but the quoting must survive. */
const NAMES = ["meta-llama/Llama-3.1-8B-Instruct", "org_1/model:v2.0-rc_1", "a", "it's-quoted"];

/** Endpoints and the host, URL and `--resolve` curl must get for them. */
const ENDPOINTS: { endpoint: GatewayEndpoint; url: string; resolve?: string }[] = [
    { endpoint: { address: "<gateway-address>", tls: false }, url: "http://<gateway-address>" },
    { endpoint: { address: "10.0.0.9", tls: false }, url: "http://10.0.0.9" },
    { endpoint: { address: "10.0.0.9", hostname: "llm.example.com", tls: true }, url: "https://llm.example.com", resolve: "llm.example.com:443:10.0.0.9" },
    {
        endpoint: { address: "<gateway-address>", hostname: "*.example.com", tls: false },
        url: "http://llm.example.com",
        resolve: "llm.example.com:80:<gateway-address>",
    },
];

for (const shell of ["bash", "zsh"] as const) {
    test(`${shell}: the printed curl commands pass curl exactly the intended arguments`, (t) => {
        if (!hasShell(shell)) {
            t.skip(`${SHELLS[shell]} cannot run here`);
            return;
        }
        const cases = ENDPOINTS.flatMap(({ endpoint, url, resolve }) =>
            NAMES.flatMap((name) => {
                const commands = curlCommands(endpoint, name);
                return [
                    { command: commands.chatCompletions, url: `${url}/v1/chat/completions`, resolve, name },
                    { command: commands.completions, url: `${url}/v1/completions`, resolve, name },
                ];
            }),
        );
        // Parsed (-n) and run in one shell each: every command as it would be pasted.
        const argvs = curlArgvs(
            shell,
            cases.map((c) => c.command),
        );
        assert.equal(argvs.length, cases.length);
        cases.forEach(({ command, url, resolve, name }, i) => {
            const argv = [...argvs[i]];
            const body = argv.pop() as string;
            assert.deepEqual(
                argv,
                ["-X", "POST", ...(resolve === undefined ? [] : ["--resolve", resolve]), url, "-H", "Content-Type: application/json", "-d"],
                command,
            );
            assert.equal(JSON.parse(body).model, name);
        });
    });
}
