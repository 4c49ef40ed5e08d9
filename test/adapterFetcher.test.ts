/**
 * The adapter fetcher of the v1.5 line, run in vLLM's Python environment (`npm run tools`) with
 * the real huggingface_hub, against stand-ins on loopback for the Hugging Face Hub and for vLLM's
 * unload endpoint: active adapters land whole in the resolver's directory (a Hugging
 * Face one downloaded, a path one linked file by file), naming the model's `--model` as their base,
 * retired ones leave it and are unloaded with the API key, a name that would leave the directory is
 * skipped, and a second round changes nothing. vLLM's own plugin loader and filesystem resolver (of
 * v0.20.2, from PyPI's source archive) then serve what the fetcher laid out, with the environment
 * the Deployment gives vLLM. Also: the pod template of a v1.5.0 model does not depend on its
 * adapter list.
 */
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import * as fs from "node:fs";
import * as http from "node:http";
import type { AddressInfo } from "node:net";
import * as os from "node:os";
import * as path from "node:path";
import test from "node:test";
import { promisify } from "node:util";
import { ADAPTERS_DIR, ADAPTER_FETCHER_SCRIPT, LORA_RESOLVER, adapterFetcherList, vllmDeployment } from "../components";
import { venvPython } from "../tools/local/packagedPrograms";
import { literalEnv, plannedLlama } from "./helpers/plannedModels";
import { RESOLVER_MISSING, askVllm } from "./helpers/vllmResolver";

const KEY = "k".repeat(40);
const HF_TOKEN = "hf_" + "t".repeat(34);

/** What a Hugging Face adapter's config names: the checkpoint it was trained from. */
const adapterConfig = (repo: string) => ({ peft_type: "LORA", base_model_name_or_path: "unsloth/llama-3-8b-Instruct-bnb-4bit", repo });

/** The Hub's side of what huggingface_hub's snapshot_download asks (huggingface_hub 1.14.0: the
 * model's info at a revision, `hf_api.py:3204-3207`; then a HEAD and a GET per file under
 * `resolve/<commit>`, reading `X-Repo-Commit`, `ETag` and `Content-Length`, `file_download.py:1539-1610`),
 * on loopback, for adapter repos named `org/<name>`; `no-config` has only weights, an unknown repo is
 * the Hub's 401 `RepoNotFound` (`utils/_http.py:815-835`). */
async function hubStandIn() {
    const repos: Record<string, Record<string, string>> = Object.fromEntries(
        ["Kawon/llama3.1-food-finetune_v14_r8", "org/late"].map((repo) => [
            repo,
            { "adapter_config.json": JSON.stringify(adapterConfig(repo)), "adapter_model.safetensors": `weights of ${repo}` },
        ]),
    );
    repos["org/no-config"] = { "adapter_model.safetensors": "weights" };
    const commit = "c".repeat(40);
    const downloads: string[] = [];
    const tokens: string[] = [];
    const server = http.createServer((request, response) => {
        tokens.push(String(request.headers.authorization));
        const url = decodeURIComponent(request.url ?? "");
        const info = /^\/api\/models\/(.+)\/revision\/main$/.exec(url);
        const file = /^\/(.+?\/.+?)\/resolve\/c{40}\/(.+)$/.exec(url);
        const repo = repos[(info ?? file)?.[1] ?? ""];
        if (repo === undefined || (file !== null && repo[file[2]] === undefined)) {
            // As the Hub answers for a repository it does not have, or hides.
            response.writeHead(401, { "X-Error-Code": "RepoNotFound", "X-Error-Message": "Repository not found" }).end("{}");
        } else if (info !== null) {
            response.writeHead(200, { "Content-Type": "application/json" });
            response.end(JSON.stringify({ id: info[1], sha: commit, siblings: Object.keys(repo).map((rfilename) => ({ rfilename })) }));
        } else {
            const body = repo[file![2]];
            if (request.method === "GET" && file![2] === "adapter_model.safetensors") downloads.push(file![1]);
            response.writeHead(200, { "X-Repo-Commit": commit, ETag: `"${file![2]}-${body.length}"`, "Content-Length": body.length });
            response.end(request.method === "HEAD" ? undefined : body);
        }
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, downloads, tokens, close: () => server.close() };
}

test(
    "the fetcher fills vLLM's resolver directory, unloads retired adapters, and keeps to its directory (in vLLM's Python, with the real huggingface_hub)",
    { skip: RESOLVER_MISSING },
    async (t) => {
        const work = fs.mkdtempSync(path.join(os.tmpdir(), "adapter-fetcher-"));
        const hub = await hubStandIn();
        try {
            const root = path.join(work, "adapters");
            fs.mkdirSync(root);
            const local = path.join(work, "baked", "support");
            fs.mkdirSync(local, { recursive: true });
            fs.writeFileSync(path.join(local, "adapter_config.json"), JSON.stringify({ peft_type: "LORA", base_model_name_or_path: "/models/llama" }));
            fs.writeFileSync(path.join(local, "adapter_model.safetensors"), "weights");
            fs.mkdirSync(path.join(root, "food-review-v0"));
            const model = plannedLlama(
                {
                    adapters: [
                        { name: "food-review", source: "Kawon/llama3.1-food-finetune_v14_r8" },
                        { name: "support", source: local },
                        { name: "food-review-v0", source: "org/food-v0", retired: true },
                    ],
                },
                "v1.5.0",
            );
            const pod = (vllmDeployment({ model, namespace: "ns", image: "vllm/vllm-openai:v0.20.2" }) as any).spec.template.spec;
            const [vllm, fetcher] = [pod.containers[0], pod.initContainers.find((c: { name: string }) => c.name === "lora-adapter-fetcher")];
            const list = adapterFetcherList(model);
            // A name that would write outside the directory (vLLM's resolver joins it the same way).
            list.active.push({ name: "x/../../escaped", source: "org/escape" });
            fs.writeFileSync(path.join(work, "adapters.json"), JSON.stringify(list));
            fs.writeFileSync(path.join(work, "fetch_adapters.py"), ADAPTER_FETCHER_SCRIPT);
            const unloads: { body: unknown; authorization?: string }[] = [];
            const server = http.createServer((request, response) => {
                let body = "";
                request.on("data", (chunk) => (body += chunk));
                request.on("end", () => {
                    assert.equal(request.url, "/v1/unload_lora_adapter");
                    unloads.push({ body: JSON.parse(body), authorization: request.headers.authorization });
                    response.statusCode = unloads.length === 1 ? 200 : 404;
                    response.end();
                });
            });
            await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
            // The container's own environment, its folders moved under `root`, the Hub on loopback.
            const fetcherEnv = literalEnv(fetcher);
            const env = {
                PATH: process.env.PATH,
                ...fetcherEnv,
                ADAPTER_LIST: path.join(work, "adapters.json"),
                [LORA_RESOLVER.env.cacheDir]: root,
                HF_HOME: fetcherEnv.HF_HOME.replace(ADAPTERS_DIR, root),
                HF_TOKEN,
                HF_ENDPOINT: hub.url,
                VLLM_URL: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
                VLLM_API_KEY: KEY,
            };
            const round = () => promisify(execFile)(venvPython("vllm-resolver"), [path.join(work, "fetch_adapters.py"), "--once"], { env });
            try {
                await round();
                await round();
            } finally {
                server.close();
            }
            const base = vllm.args[vllm.args.indexOf("--model") + 1];
            assert.deepEqual(JSON.parse(fs.readFileSync(path.join(root, "food-review", "adapter_config.json"), "utf8")), {
                ...adapterConfig("Kawon/llama3.1-food-finetune_v14_r8"),
                base_model_name_or_path: base,
            });
            assert.equal(
                fs.readFileSync(path.join(root, "food-review", "adapter_model.safetensors"), "utf8"),
                "weights of Kawon/llama3.1-food-finetune_v14_r8",
            );
            assert.ok(!fs.existsSync(path.join(root, "food-review", ".cache")), "huggingface_hub's bookkeeping is not left beside the adapter");
            assert.equal(fs.readlinkSync(path.join(root, "support", "adapter_model.safetensors")), path.join(local, "adapter_model.safetensors"));
            assert.equal(JSON.parse(fs.readFileSync(path.join(root, "support", "adapter_config.json"), "utf8")).base_model_name_or_path, base);
            assert.equal(
                JSON.parse(fs.readFileSync(path.join(local, "adapter_config.json"), "utf8")).base_model_name_or_path,
                "/models/llama",
                "the source is left as it is",
            );
            assert.ok(!fs.existsSync(path.join(root, "food-review-v0")), "the retired adapter's files are gone");
            assert.ok(!fs.existsSync(path.join(work, "escaped")), "nothing is written outside the directory");
            assert.deepEqual(
                fs.readdirSync(path.join(root, ".staging")).filter((f) => f !== "hf-home"),
                [],
                "no half-downloaded adapter is left",
            );
            assert.deepEqual(hub.downloads, ["Kawon/llama3.1-food-finetune_v14_r8"], "downloaded once, in the first round");
            assert.deepEqual([...new Set(hub.tokens)], [`Bearer ${HF_TOKEN}`], "every call to the Hub carries the token");
            await t.test("vLLM's own resolver serves what the fetcher laid out, with the Deployment's environment", async () => {
                const vllmEnv = literalEnv(vllm);
                const cacheDir = LORA_RESOLVER.env.cacheDir;
                assert.ok(
                    vllm.volumeMounts.some((m: { mountPath: string }) => m.mountPath === vllmEnv[cacheDir]),
                    "vLLM mounts the folder the fetcher fills",
                );
                const answer = await askVllm({ ...vllmEnv, [cacheDir]: root }, base, ["food-review", "support", "food-review-v0", "unknown"]);
                assert.deepEqual(answer, { registered: ["Filesystem Resolver"], runtimeUpdating: true, served: ["food-review", "support"] });
            });
            // With vLLM not up yet, a round still fetches what it can and reports the rest as failed, by
            // name and cause, leaving nothing half-made; what a stopped fetcher left in staging goes.
            const gone = path.join(work, "nowhere");
            const active = [
                { name: "late", source: "org/late" },
                { name: "no-config", source: "org/no-config" },
                { name: "gone", source: gone },
                { name: "missing", source: "org/missing" },
            ];
            fs.writeFileSync(env.ADAPTER_LIST, JSON.stringify({ active, retired: ["food-review"] }));
            fs.mkdirSync(path.join(root, ".staging", "1-2"));
            await assert.rejects(round(), (error: { stderr: string }) => {
                assert.match(error.stderr, /adapter no-config: ValueError: no adapter_config.json/);
                assert.match(error.stderr, new RegExp(`adapter gone: FileNotFoundError: .*${gone}`));
                assert.match(error.stderr, /adapter food-review: URLError/);
                assert.match(error.stderr, /adapter missing: RepositoryNotFoundError/);
                return true;
            });
            assert.ok(fs.existsSync(path.join(root, "late", "adapter_config.json")));
            assert.deepEqual(fs.readdirSync(root).sort(), [".staging", "late", "support"]);
            assert.deepEqual(
                fs.readdirSync(path.join(root, ".staging")).filter((f) => f !== "hf-home"),
                [],
                "no half-made adapter is left",
            );
            // Each round (a restarted sidecar) asks vLLM once; a name vLLM does not serve is a 404.
            assert.deepEqual(unloads, [
                { body: { lora_name: "food-review-v0" }, authorization: `Bearer ${KEY}` },
                { body: { lora_name: "food-review-v0" }, authorization: `Bearer ${KEY}` },
            ]);
        } finally {
            hub.close();
            fs.rmSync(work, { recursive: true, force: true });
        }
    },
);

test("v1.5.0: the pod template does not depend on the adapter list, so adding or retiring an adapter restarts no pod", () => {
    const lists = [
        [{ name: "a", source: "org/a" }],
        [
            { name: "a", source: "org/a" },
            { name: "b", source: "org/b" },
        ],
        [
            { name: "a", source: "org/a", retired: true },
            { name: "b", source: "org/b" },
        ],
    ];

    const templates = lists.map((adapters) =>
        JSON.stringify(
            (vllmDeployment({ model: plannedLlama({ adapters }, "v1.5.0"), namespace: "ns", image: "vllm/vllm-openai:v0.20.2" }) as any).spec.template,
        ),
    );
    assert.equal(new Set(templates).size, 1);
});
