/**
 * `npm run cluster -- up|down`: a Kubernetes control plane on 127.0.0.1 from the binaries of
 * `npm run tools` (etcd, kube-apiserver, kube-controller-manager, kube-scheduler) with kwok
 * playing the nodes: GPU nodes labelled, tainted and sized like a GKE node pool, and one system
 * node. `up` prints `KUBECONFIG=<path>`; both are idempotent. Nothing listens outside loopback.
 */
import { ChildProcess, execFileSync, spawn } from "node:child_process";
import * as crypto from "node:crypto";
import * as fs from "node:fs";
import * as path from "node:path";
import { GPU_CATALOG } from "../../components/catalogs/gpuCatalog";
import { BIN_DIR, CACHE_DIR } from "./cache";
import { crdManifest, toolsMissing } from "./toolchain";
import versions from "./versions.json";

/** One local cluster: its folder (state, logs, certificates, the kubeconfig `up` writes) and its
 * loopback ports, away from the usual ones so that a developer's own cluster keeps its own. */
export interface LocalCluster {
    /** Folder under the tools' cache. */
    dir: string;
    /** The kubeconfig `up` writes. */
    kubeconfig: string;
    /** Loopback ports of etcd and the API server. */
    ports: { etcdClient: number; etcdPeer: number; apiserver: number };
}

/** A cluster of its own: a folder of the cache and ports `slot` hundreds above the first cluster's,
 * so that a test which only waits can run beside the others on a cluster no other test touches. */
export function localCluster(folder: string, slot: number): LocalCluster {
    const dir = path.join(CACHE_DIR, folder);
    const at = (port: number) => port + 100 * slot;
    return { dir, kubeconfig: path.join(dir, "kubeconfig"), ports: { etcdClient: at(23790), etcdPeer: at(23800), apiserver: at(26443) } };
}

/** The cluster of `npm run cluster` and the e2e. */
export const LOCAL_CLUSTER = localCluster("cluster", 0);

/** The label and taint the GPU nodes carry, as a GKE GPU node pool's do, and the label the
 * local stack selects them by (NVIDIA GPU feature discovery's product label). */
export const GPU_NODE = {
    taint: { key: "nvidia.com/gpu", value: "present", effect: "NoSchedule" },
    productLabel: "nvidia.com/gpu.product",
} as const;

/** The simulated nodes: GPU nodes shaped like the smallest machine type of each accelerator,
 * and a system node for the gateway's helpers (EPPs ask 4 CPU and 8 GiB each from v1.5.0). */
export const LOCAL_NODES = {
    // $MMI_GPU_NODES raises the count for the benchmark's 64 models.
    gpu: [{ accelerator: "nvidia-l4" as const, count: Number(process.env.MMI_GPU_NODES ?? 6), product: "NVIDIA-L4" }],
    system: { name: "system-0", cpu: 64, memoryGi: 256 },
};

const token = () => crypto.randomBytes(24).toString("hex");

function nodeManifest(name: string, labels: Record<string, string>, capacity: Record<string, string>, taints: object[]) {
    return {
        apiVersion: "v1",
        kind: "Node",
        metadata: {
            name,
            labels: { "kubernetes.io/hostname": name, "kubernetes.io/os": "linux", "kubernetes.io/arch": "amd64", type: "kwok", ...labels },
            annotations: { "kwok.x-k8s.io/node": "fake" },
        },
        spec: { taints },
        status: { capacity: { pods: "110", ...capacity }, allocatable: { pods: "110", ...capacity } },
    };
}

/** The Node objects kwok plays. */
export function localNodes() {
    const gpuNodes = LOCAL_NODES.gpu.flatMap(({ accelerator, count, product }) => {
        const machine = GPU_CATALOG[accelerator].machineTypes[0];
        return Array.from({ length: count }, (_, i) =>
            nodeManifest(
                `${accelerator}-${i}`,
                { "cloud.google.com/gke-accelerator": accelerator, [GPU_NODE.productLabel]: product, "node.kubernetes.io/instance-type": machine.name },
                { cpu: String(machine.vcpus), memory: `${machine.memoryGb}Gi`, "nvidia.com/gpu": String(machine.gpus) },
                [GPU_NODE.taint],
            ),
        );
    });
    const { name, cpu, memoryGi } = LOCAL_NODES.system;
    return [...gpuNodes, nodeManifest(name, {}, { cpu: String(cpu), memory: `${memoryGi}Gi` }, [])];
}

function kubeconfigText(cluster: LocalCluster, adminToken: string): string {
    return JSON.stringify({
        apiVersion: "v1",
        kind: "Config",
        clusters: [{ name: "local", cluster: { server: `https://127.0.0.1:${cluster.ports.apiserver}`, "insecure-skip-tls-verify": true } }],
        users: [{ name: "admin", user: { token: adminToken } }],
        contexts: [{ name: "local", context: { cluster: "local", user: "admin" } }],
        "current-context": "local",
    });
}

/** The control plane's processes, in start order. */
function processes({ dir: d, kubeconfig, ports }: LocalCluster): Array<{ name: string; args: string[] }> {
    return [
        {
            name: "etcd",
            args: [
                `--data-dir=${d}/etcd`,
                `--listen-client-urls=http://127.0.0.1:${ports.etcdClient}`,
                `--advertise-client-urls=http://127.0.0.1:${ports.etcdClient}`,
                `--listen-peer-urls=http://127.0.0.1:${ports.etcdPeer}`,
                `--initial-advertise-peer-urls=http://127.0.0.1:${ports.etcdPeer}`,
                `--initial-cluster=default=http://127.0.0.1:${ports.etcdPeer}`,
                "--listen-metrics-urls=",
                "--quota-backend-bytes=4294967296",
            ],
        },
        {
            name: "kube-apiserver",
            args: [
                `--etcd-servers=http://127.0.0.1:${ports.etcdClient}`,
                "--bind-address=127.0.0.1",
                "--advertise-address=127.0.0.1",
                `--secure-port=${ports.apiserver}`,
                `--cert-dir=${d}/pki`,
                `--token-auth-file=${d}/tokens.csv`,
                "--authorization-mode=RBAC",
                "--service-account-issuer=https://kubernetes.default.svc.cluster.local",
                `--service-account-key-file=${d}/sa.pub`,
                `--service-account-signing-key-file=${d}/sa.key`,
                "--service-cluster-ip-range=10.96.0.0/16",
                "--endpoint-reconciler-type=none",
                "--allow-privileged=true",
            ],
        },
        {
            name: "kube-controller-manager",
            args: [
                `--kubeconfig=${kubeconfig}`,
                "--leader-elect=false",
                "--bind-address=127.0.0.1",
                "--secure-port=0",
                `--service-account-private-key-file=${d}/sa.key`,
                "--use-service-account-credentials=false",
            ],
        },
        { name: "kube-scheduler", args: [`--kubeconfig=${kubeconfig}`, "--leader-elect=false", "--bind-address=127.0.0.1", "--secure-port=0"] },
        {
            name: "kwok",
            args: [
                `--kubeconfig=${kubeconfig}`,
                "--manage-all-nodes=false",
                "--manage-nodes-with-annotation-selector=kwok.x-k8s.io/node=fake",
                "--cidr=10.244.0.0/16",
                "--node-ip=10.244.0.1",
                "--node-lease-duration-seconds=40",
            ],
        },
    ];
}

function pidFile(cluster: LocalCluster, name: string): string {
    return path.join(cluster.dir, `${name}.pid`);
}

function alive(pid: number): boolean {
    try {
        process.kill(pid, 0);
        return true;
    } catch {
        return false;
    }
}

function runningPid(cluster: LocalCluster, name: string): number | undefined {
    const file = pidFile(cluster, name);
    if (!fs.existsSync(file)) return undefined;
    const pid = Number(fs.readFileSync(file, "utf8"));
    return alive(pid) ? pid : undefined;
}

/** kubectl on a local cluster. */
export function kubectlOn(cluster: LocalCluster, args: string[], input?: string): string {
    return execFileSync(path.join(BIN_DIR, "kubectl"), [`--kubeconfig=${cluster.kubeconfig}`, ...args], {
        encoding: "utf8",
        input,
        stdio: ["pipe", "pipe", "pipe"],
    });
}

async function waitFor(cluster: LocalCluster, what: string, check: () => boolean, seconds: number): Promise<void> {
    const deadline = Date.now() + seconds * 1000;
    while (!check()) {
        if (Date.now() > deadline) throw new Error(`${what} did not come up within ${seconds} s; see the logs in ${cluster.dir}`);
        await new Promise((resolve) => setTimeout(resolve, 500));
    }
}

function succeeds(run: () => unknown): boolean {
    try {
        run();
        return true;
    } catch {
        return false;
    }
}

function start(cluster: LocalCluster, name: string, args: string[]): ChildProcess {
    const log = fs.openSync(path.join(cluster.dir, `${name}.log`), "a");
    const child = spawn(path.join(BIN_DIR, name), args, { detached: true, stdio: ["ignore", log, log] });
    child.unref();
    fs.writeFileSync(pidFile(cluster, name), String(child.pid));
    return child;
}

/** Starts the cluster unless it runs; says whether this call started it. */
export async function up(cluster: LocalCluster = LOCAL_CLUSTER): Promise<{ kubeconfig: string; started: boolean }> {
    const missing = toolsMissing();
    if (missing !== undefined) throw new Error(missing);
    const all = processes(cluster);
    const kubectl = (args: string[], input?: string) => kubectlOn(cluster, args, input);
    if (all.every((p) => runningPid(cluster, p.name) !== undefined) && succeeds(() => kubectl(["get", "--raw", "/readyz"])))
        return { kubeconfig: cluster.kubeconfig, started: false };
    down(cluster);
    const d = cluster.dir;
    fs.mkdirSync(path.join(d, "pki"), { recursive: true });
    const { privateKey, publicKey } = crypto.generateKeyPairSync("rsa", { modulusLength: 2048 });
    fs.writeFileSync(path.join(d, "sa.key"), privateKey.export({ type: "pkcs1", format: "pem" }), { mode: 0o600 });
    fs.writeFileSync(path.join(d, "sa.pub"), publicKey.export({ type: "spki", format: "pem" }));
    const adminToken = token();
    fs.writeFileSync(path.join(d, "tokens.csv"), `${adminToken},admin,admin,system:masters\n`, { mode: 0o600 });
    fs.writeFileSync(cluster.kubeconfig, kubeconfigText(cluster, adminToken), { mode: 0o600 });
    for (const { name, args } of all) {
        start(cluster, name, args);
        if (name === "kube-apiserver") await waitFor(cluster, "kube-apiserver", () => succeeds(() => kubectl(["get", "--raw", "/readyz"])), 120);
    }
    kubectl(["apply", "--server-side", "-f", "-"], JSON.stringify({ apiVersion: "v1", kind: "List", items: localNodes() }));
    for (const module of ["sigs.k8s.io/gateway-api", "github.com/prometheus-operator/prometheus-operator"] as const) {
        kubectl(["apply", "--server-side", "-f", crdManifest(module, versions.archives[module][0])]);
    }
    await waitFor(
        cluster,
        "the nodes",
        () =>
            !kubectl(["get", "nodes", "-o", "jsonpath={.items[*].status.conditions[?(@.type=='Ready')].status}"])
                .split(" ")
                .some((s) => s !== "True"),
        120,
    );
    await waitFor(cluster, "the default service account", () => succeeds(() => kubectl(["get", "serviceaccount", "default", "-n", "default"])), 60);
    return { kubeconfig: cluster.kubeconfig, started: true };
}

/** Stops the cluster's processes and removes its folder. */
export function down(cluster: LocalCluster = LOCAL_CLUSTER): void {
    for (const { name } of processes(cluster).reverse()) {
        const pid = runningPid(cluster, name);
        if (pid !== undefined) {
            process.kill(-pid, "SIGTERM");
            for (let i = 0; i < 50 && alive(pid); i++) execFileSync("sleep", ["0.1"]);
            if (alive(pid)) process.kill(-pid, "SIGKILL");
        }
    }
    fs.rmSync(cluster.dir, { recursive: true, force: true });
}

async function main(): Promise<void> {
    const command = process.argv[2];
    if (command === "up") console.log(`KUBECONFIG=${(await up()).kubeconfig}`);
    else if (command === "down") down();
    else {
        console.error("usage: npm run cluster -- up|down");
        process.exitCode = 2;
    }
}

if (require.main === module) {
    main().catch((error: Error) => {
        console.error(`npm run cluster: ${error.message}`);
        process.exitCode = 1;
    });
}
