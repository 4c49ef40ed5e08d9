/**
 * The front door's responder, served by the real nginx and njs (Debian 12's, unpacked by `npm run
 * tools`; the cluster runs nginx-unprivileged:1.30.4-alpine): the ConfigMap's files and the keys'
 * digests written where the pod mounts them, under a temporary root, and the generated nginx.conf
 * read as it is except for where things lie on this machine (the mount points, `/tmp`, the njs
 * module) and its port, which moves to loopback. A test asks what a request gets over HTTP.
 */
import { ChildProcess, spawn } from "node:child_process";
import * as fs from "node:fs";
import * as net from "node:net";
import * as path from "node:path";
import { CATALOG_FILES, CATALOG_PATHS, CATALOG_PORT } from "../../components";
import { debianRoot, toolsNotBuilt } from "../../tools/local/toolchain";

/** Why the responder cannot run here, or undefined. */
export const NGINX_MISSING = toolsNotBuilt(["nginx"]);

/** What the responder answered. */
export interface Answer {
    status: number;
    headers: Headers;
    /** The body parsed as JSON. */
    json: any;
}

/** A running responder. */
export interface Responder {
    /** Sends one request. */
    ask(method: string, uri: string, headers?: Record<string, string>, body?: string): Promise<Answer>;
    /** The host folder mounted at `mountPath` in the pod: a test rewrites a file there as the kubelet would. */
    hostPath(mountPath: string): string;
    /** Stops nginx. */
    stop(): Promise<void>;
}

/** A port on loopback no one listens on now. */
function freePort(): Promise<number> {
    return new Promise((resolve, reject) => {
        const server = net.createServer().listen(0, "127.0.0.1", () => {
            const { port } = server.address() as net.AddressInfo;
            server.close(() => resolve(port));
        });
        server.on("error", reject);
    });
}

/** Starts nginx on the ConfigMap's `files` and, with keys, the Secret's `digests`. */
export async function startResponder(dir: string, files: Record<string, string>, digests?: string): Promise<Responder> {
    const nginx = debianRoot("nginx");
    const hostPath = (mountPath: string) => path.join(dir, "root", mountPath);
    fs.mkdirSync(hostPath(CATALOG_PATHS.config), { recursive: true });
    for (const [file, text] of Object.entries(files)) fs.writeFileSync(path.join(hostPath(CATALOG_PATHS.config), file), text);
    if (digests !== undefined) {
        fs.mkdirSync(hostPath(CATALOG_PATHS.keys), { recursive: true });
        fs.writeFileSync(path.join(hostPath(CATALOG_PATHS.keys), "sha256"), digests);
    }
    const tmp = path.join(dir, "tmp");
    fs.mkdirSync(tmp);
    const port = await freePort();
    const conf = files[CATALOG_FILES.nginxConf]
        .replaceAll(" /tmp/", ` ${tmp}/`)
        .replaceAll("/usr/lib/nginx/modules/", path.join(nginx, "usr", "lib", "nginx", "modules") + "/")
        .replaceAll(CATALOG_PATHS.config, hostPath(CATALOG_PATHS.config))
        .replaceAll(CATALOG_PATHS.keys, hostPath(CATALOG_PATHS.keys))
        .replace(`listen ${CATALOG_PORT};`, `listen 127.0.0.1:${port};`);
    if (!conf.includes(`listen 127.0.0.1:${port};`)) throw new Error(`nginx.conf has no "listen ${CATALOG_PORT};" to move to loopback`);
    const confFile = path.join(dir, "nginx.conf");
    // Under root nginx's workers would become `nobody`, who cannot read a private temporary
    // folder; the pod's nginx runs as one unprivileged user throughout, as this one then does.
    const asRoot = process.getuid?.() === 0 ? " user root;" : "";
    fs.writeFileSync(confFile, conf);
    const server: ChildProcess = spawn(path.join(nginx, "usr", "sbin", "nginx"), ["-e", "stderr", "-p", dir, "-c", confFile, "-g", `daemon off;${asRoot}`], {
        stdio: ["ignore", "ignore", "pipe"],
    });
    let log = "";
    server.stderr?.on("data", (chunk) => (log += String(chunk)));
    server.on("error", (error) => (log += String(error)));
    const exited = new Promise<void>((resolve) => server.on("close", () => resolve()));
    const stop = async () => {
        server.kill();
        await exited;
    };
    const url = (uri: string) => `http://127.0.0.1:${port}${uri}`;
    for (let tries = 0; ; tries++) {
        if (server.exitCode !== null || server.pid === undefined) throw new Error(`nginx exited: ${log}`);
        try {
            await (await fetch(url("/healthz"))).text();
            break;
        } catch {
            if (tries > 100) {
                await stop();
                throw new Error(`nginx did not answer on ${port}: ${log}`);
            }
            await new Promise((resolve) => setTimeout(resolve, 50));
        }
    }
    return {
        async ask(method, uri, headers = {}, body) {
            const response = await fetch(url(uri), { method, headers, body });
            const text = await response.text();
            try {
                return { status: response.status, headers: response.headers, json: text === "" ? undefined : JSON.parse(text) };
            } catch {
                throw new Error(`${method} ${uri}: ${response.status} ${text.slice(0, 200)}; nginx said: ${log}`);
            }
        },
        hostPath,
        stop,
    };
}
