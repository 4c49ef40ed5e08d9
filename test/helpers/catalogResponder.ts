/**
 * The front door's responder, run by the real nginx and njs (Debian 12's, unpacked by `npm run
 * tools`; the cluster runs nginx-unprivileged:1.30.4-alpine) as its Deployment says: its volumes
 * laid out as the container mounts them (./podVolumes.ts) and the container's own command, with the
 * files' absolute paths read through those mounts. Only the port moves, to loopback. A test asks
 * what a request gets over HTTP.
 */
import { ChildProcess, spawn } from "node:child_process";
import * as fs from "node:fs";
import * as net from "node:net";
import * as path from "node:path";
import { CATALOG_PORT } from "../../components";
import { debianRoot } from "../../tools/local/packagedPrograms";
import { toolsNotBuilt } from "../../tools/local/toolchain";
import { VolumeSources, layOutVolumes } from "./podVolumes";

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

/** Starts the first container of `deployment`'s pod with its volumes from `sources`, in `dir`. */
export async function startResponder(dir: string, deployment: any, sources: VolumeSources): Promise<Responder> {
    const pod = deployment.spec.template.spec;
    const container = pod.containers[0];
    const hostPath = layOutVolumes(path.join(dir, "root"), pod.volumes, container, sources);
    // The container's command, as the image's nginx would run it: its paths through the mounts,
    // in one pass (the root itself lies under /tmp), the njs module where Debian puts it.
    const [, ...args] = container.command as string[];
    const confAt = args.indexOf("-c") + 1;
    const mounts = (container.volumeMounts as { mountPath: string }[])
        .map((m) => m.mountPath)
        .sort((a, b) => b.length - a.length)
        .map((m) => m.replace(/[.*+?^${}()|[\]\\]/g, "\\$&"));
    const throughMounts = new RegExp(`(?<=[\\s'"])(${mounts.join("|")})(?=/)`, "g");
    const port = await freePort();
    const nginx = debianRoot("nginx");
    const conf = fs
        .readFileSync(hostPath(args[confAt]), "utf8")
        .replace(throughMounts, (mountPath) => hostPath(mountPath))
        .replaceAll("/usr/lib/nginx/modules/", path.join(nginx, "usr", "lib", "nginx", "modules") + "/")
        .replace(`listen ${CATALOG_PORT};`, `listen 127.0.0.1:${port};`);
    if (!conf.includes(`listen 127.0.0.1:${port};`)) throw new Error(`nginx.conf has no "listen ${CATALOG_PORT};" to move to loopback`);
    const confFile = path.join(dir, "nginx.conf");
    fs.writeFileSync(confFile, conf);
    args[confAt] = confFile;
    // Under root nginx's workers would become `nobody`, who cannot read a private temporary
    // folder; the pod's nginx runs as one unprivileged user throughout, as this one then does.
    const globals = args.indexOf("-g") + 1;
    if (process.getuid?.() === 0) args[globals] += " user root;";
    const server: ChildProcess = spawn(path.join(nginx, "usr", "sbin", "nginx"), ["-p", dir, ...args], { stdio: ["ignore", "ignore", "pipe"] });
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
