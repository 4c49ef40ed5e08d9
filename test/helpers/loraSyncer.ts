/**
 * The v1.0 line's real LoRA syncer (its reconciler from the module archive at v1.0.2, with its
 * pinned requirements: `npm run tools`), run once on a pod as rendered: the ConfigMaps where the
 * syncer container mounts them, its environment, against a stand-in vLLM on loopback that serves
 * the names given. The config's vLLM port is moved to the stand-in's.
 */
import { execFile } from "node:child_process";
import * as fs from "node:fs";
import * as http from "node:http";
import type { AddressInfo } from "node:net";
import { promisify } from "node:util";
import { LORA_SYNCER } from "../../tools/consistency/upstreamFacts";
import { pythonProgramDir, venvPython } from "../../tools/local/packagedPrograms";
import { toolsNotBuilt } from "../../tools/local/toolchain";
import { literalEnv } from "./plannedModels";
import { layOutVolumes } from "./podVolumes";

/** Why the syncer cannot run here, or undefined. */
export const SYNCER_MISSING = toolsNotBuilt(["lora-syncer"]);

/** A call the syncer made to the stand-in vLLM. */
export interface VllmCall {
    method?: string;
    url?: string;
    authorization?: string;
    body: any;
}

/** Runs the syncer container of a pod once; returns every call it made to vLLM, and the syncer's
 * error output when it failed. `configMaps` are
 * the ConfigMaps' data by name; `env` adds to the container's literal environment (its Secret
 * references are not resolved); `served` are the names the stand-in lists. */
export async function runSyncer(
    root: string,
    pod: { volumes: any[] },
    syncer: any,
    configMaps: Record<string, Record<string, string>>,
    served: string[],
    env: Record<string, string> = {},
): Promise<{ calls: VllmCall[]; error?: string }> {
    const calls: VllmCall[] = [];
    const vllm = http.createServer((request, response) => {
        let body = "";
        request.on("data", (chunk) => (body += chunk));
        request.on("end", () => {
            calls.push({
                method: request.method,
                url: request.url,
                authorization: request.headers.authorization,
                body: body === "" ? undefined : JSON.parse(body),
            });
            response.setHeader("Content-Type", "application/json");
            response.end(request.url === "/v1/models" ? JSON.stringify({ data: served.map((id) => ({ id })) }) : "{}");
        });
    });
    await new Promise<void>((resolve) => vllm.listen(0, "127.0.0.1", resolve));
    let error: string | undefined;
    try {
        const hostPath = layOutVolumes(root, pod.volumes, syncer, { configMaps, secrets: {} });
        const literal = literalEnv(syncer);
        const configFile = hostPath(literal[LORA_SYNCER.configEnv] ?? LORA_SYNCER.defaultConfigPath);
        if (fs.existsSync(configFile)) {
            const config = JSON.parse(fs.readFileSync(configFile, "utf8"));
            if (config[LORA_SYNCER.baseField] !== undefined) config[LORA_SYNCER.baseField].port = (vllm.address() as AddressInfo).port;
            fs.writeFileSync(configFile, JSON.stringify(config));
        }
        // The syncer's own reconciler (its main loop adds only file watching and a metrics server
        // on every interface), run once with its pinned packages from the tag's requirements. Its
        // health wait is 1 s: the stub answers at once, so only a syncer that misses it waits.
        const sidecar = pythonProgramDir("lora-syncer");
        await promisify(execFile)(venvPython("lora-syncer"), ["-c", "import sidecar; sidecar.LoraReconciler(sidecar.CONFIG_MAP_FILE, 1, 1, 5).reconcile()"], {
            cwd: sidecar,
            // No bytecode: the syncer's folder is the Go module cache's, which must stay as downloaded.
            env: {
                PATH: process.env.PATH,
                PYTHONDONTWRITEBYTECODE: "1",
                [LORA_SYNCER.configEnv]: configFile,
                PYTHONPATH: [literal.PYTHONPATH && hostPath(literal.PYTHONPATH), sidecar].filter(Boolean).join(":"),
                ...env,
            },
            timeout: 60_000,
        }).catch((failed: { stderr?: string; message: string }) => (error = failed.stderr || failed.message));
    } finally {
        vllm.close();
    }
    return { calls, ...(error === undefined ? {} : { error }) };
}
