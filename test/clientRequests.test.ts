/**
 * The `curl` commands the stack prints, pasted into real shells: bash and zsh (when installed)
 * parse them and hand curl exactly the intended arguments for every kind of endpoint and for model
 * names using every character a name may hold; a wildcard hostname becomes a concrete host, never
 * a glob.
 */
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import test from "node:test";
import { GatewayEndpoint, curlCommands } from "../components";
import { curlArgv, hasShell } from "./helpers/stubCurl";

/** Names with every character a model or adapter name may hold (letters, digits, . _ : / -), and
 * a quote, which no name may hold but the quoting must survive. */
const NAMES = ["meta-llama/Llama-3.1-8B-Instruct", "org_1/model:v2.0-rc_1", "a", "it's-quoted"];

/** Endpoints and the host, URL and `--resolve` curl must get for them. */
const ENDPOINTS: { endpoint: GatewayEndpoint; url: string; resolve?: string }[] = [
    { endpoint: { address: "<gateway-address>", tls: false }, url: "http://<gateway-address>" },
    { endpoint: { address: "10.0.0.9", tls: false }, url: "http://10.0.0.9" },
    { endpoint: { address: "10.0.0.9", hostname: "llm.example.com", tls: true }, url: "https://llm.example.com", resolve: "llm.example.com:443:10.0.0.9" },
    { endpoint: { address: "<gateway-address>", hostname: "*.example.com", tls: false }, url: "http://llm.example.com", resolve: "llm.example.com:80:<gateway-address>" },
];

const shells = ["bash", "zsh"] as const;

for (const shell of shells) {
    test(`${shell}: the printed curl commands pass curl exactly the intended arguments`, (t) => {
        if (!hasShell(shell)) {
            t.skip(`${shell} is not installed`);
            return;
        }
        for (const { endpoint, url, resolve } of ENDPOINTS) {
            for (const name of NAMES) {
                const commands = curlCommands(endpoint, name);
                for (const [command, path] of [[commands.chatCompletions, "/v1/chat/completions"], [commands.completions, "/v1/completions"]] as const) {
                    assert.equal(spawnSync(shell, ["-n", "-c", command]).status, 0, `${shell} -n refuses: ${command}`);
                    const argv = curlArgv(shell, command);
                    const body = argv.pop() as string;
                    assert.deepEqual(argv, ["-X", "POST", ...(resolve === undefined ? [] : ["--resolve", resolve]), `${url}${path}`, "-H", "Content-Type: application/json", "-d"], command);
                    assert.equal(JSON.parse(body).model, name);
                }
            }
        }
    });
}
