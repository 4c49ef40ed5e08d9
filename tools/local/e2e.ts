/**
 * `npm run e2e [-- --keep] [--line v1.0.0|v1.5.0]`: the real Pulumi CLI and Kubernetes provider
 * deploy the `local` stack (the guide's two models and a third with an adapter) onto the local
 * cluster (`npm run cluster`), on each release line: preview, up, an update that adds a model, an
 * adapter change, and destroy, checked with kubectl. `--keep` leaves the cluster and the stack up.
 */
import { execFile, spawn } from "node:child_process";
import * as crypto from "node:crypto";
import * as path from "node:path";
import { REPO_ROOT } from "../repoRoot";
import { LOCAL_CLUSTER, LocalCluster, down as clusterDown, kubectlOn, up as clusterUp } from "./cluster";
import type { BbrRun } from "./bbrDriver";
import type { PulumiRequest, PulumiResult } from "./pulumiRun";
import { BIN_DIR, CHARTS_DIR } from "./cache";

/** The release lines the e2e deploys: the guide's and the newest with charts. */
export const E2E_LINES = ["v1.0.0", "v1.5.0"] as const;

/** A model entry of the stack config. */
export type ModelEntry = Record<string, unknown> & { name: string };

/** A model entry for the local cluster: no weight cache (it has no volume provisioner, so a claim
 * would stay Pending) and the shortest wait for its pods, which kwok readies at once. */
export function localModel(name: string, settings: Record<string, unknown> = {}): ModelEntry {
    return { name, weightCache: { type: "none" }, readyTimeoutMinutes: 5, ...settings };
}

/** The guide's two models and a third that serves an adapter. */
export const LOCAL_MODELS: ModelEntry[] = [
    localModel("meta-llama/Llama-3.1-8B-Instruct"),
    localModel("microsoft/Phi-4-mini-instruct", { vllmArgs: ["--trust-remote-code", "--enable-chunked-prefill"] }),
    localModel("meta-llama/Llama-3.2-3B-Instruct", {
        adapters: [{ name: "food-review", source: "Kawon/llama3.1-food-finetune_v14_r8" }],
        lora: { maxLoras: 2, maxLoraRank: 16 },
    }),
];

/** The `local` stack's config on a line: any cluster by kubeconfig, GPU nodes by NVIDIA's product
 * label, provider `other` (no gateway controller runs here), monitors for the Prometheus
 * Operator, charts and CRDs from the module archives (`npm run tools`). */
export function localConfig(line: string, models: ModelEntry[] = LOCAL_MODELS, cluster: LocalCluster = LOCAL_CLUSTER): Record<string, unknown> {
    return {
        cluster: { kubeconfig: cluster.kubeconfig },
        provider: { name: "other", gatewayClassName: "local" },
        charts: { source: { directory: CHARTS_DIR }, inferencePool: { version: line }, bodyBasedRouting: { version: line } },
        installInferenceCrds: true,
        networkPolicy: { gatewaySourceRanges: ["10.244.0.0/16"] },
        nodePools: { "nvidia-l4": { nodeSelector: { "nvidia.com/gpu.product": "NVIDIA-L4" } } },
        // The cluster has the Prometheus Operator's PodMonitor CRD (npm run cluster), not its operator.
        monitoring: { collector: "prometheus-operator", collectorNamespaces: ["monitoring"] },
        models,
    };
}

/** Fake secrets of the local stack: never a real token, and made anew each run. */
export function localSecrets(): Record<string, string> {
    return { hfToken: `hf_${crypto.randomBytes(17).toString("hex")}`, apiKeys: crypto.randomBytes(32).toString("hex") };
}

/** No gateway controller runs here (Istio's is not served by the module proxy at a release), and
 * the program waits for the Gateway's address and each route's acceptance, as on a real cluster;
 * so while an operation runs, this stands in for a controller as kwok does for the kubelet: each
 * Gateway without an address gets 127.0.0.1 and Accepted and Programmed, each HTTPRoute without
 * a status Accepted and ResolvedRefs on its parents. It judges nothing. Returns its stop. */
export function gatewayStandIn(kubeconfig: string): () => void {
    let busy = false;
    const kubectlAsync = (args: string[], done: (stdout?: string) => void) =>
        execFile(path.join(BIN_DIR, "kubectl"), [`--kubeconfig=${kubeconfig}`, ...args], (error, stdout) => done(error ? undefined : stdout));
    const timer = setInterval(() => {
        if (busy) return;
        busy = true;
        kubectlAsync(["get", "gateways.gateway.networking.k8s.io,httproutes.gateway.networking.k8s.io", "-A", "-o", "json"], (stdout) => {
            const items = stdout === undefined ? [] : (JSON.parse(stdout) as { items: GatewayApiObject[] }).items.filter((o) => standInStatus(o) !== undefined);
            let pending = items.length;
            if (pending === 0) busy = false;
            for (const o of items) {
                const patch = JSON.stringify({ status: standInStatus(o) });
                kubectlAsync(
                    ["patch", o.kind.toLowerCase(), o.metadata.name, "-n", o.metadata.namespace, "--subresource=status", "--type=merge", "-p", patch],
                    () => {
                        if (--pending === 0) busy = false;
                    },
                );
            }
        });
    }, 1000);
    return () => clearInterval(timer);
}

interface GatewayApiObject {
    kind: "Gateway" | "HTTPRoute";
    metadata: { name: string; namespace: string; generation: number };
    spec: { parentRefs?: object[] };
    status?: { addresses?: unknown[]; parents?: unknown[] };
}

/** The status a controller would write, or undefined where the object has one. */
function standInStatus(o: GatewayApiObject): object | undefined {
    const condition = (type: string) => ({
        type,
        status: "True",
        reason: type,
        message: "local stand-in",
        observedGeneration: o.metadata.generation,
        lastTransitionTime: new Date().toISOString().replace(/\.\d+Z$/, "Z"),
    });
    if (o.kind === "Gateway")
        return o.status?.addresses?.length
            ? undefined
            : { addresses: [{ type: "IPAddress", value: "127.0.0.1" }], conditions: [condition("Accepted"), condition("Programmed")] };
    if (o.status?.parents?.length) return undefined;
    return {
        parents: (o.spec.parentRefs ?? []).map((parentRef) => ({
            parentRef,
            controllerName: "local.invalid/stand-in",
            conditions: [condition("Accepted"), condition("ResolvedRefs")],
        })),
    };
}

/** The script that runs one CLI operation (`pulumiRun.ts`, compiled). */
export const PULUMI_RUN = path.join(REPO_ROOT, "build", "tools", "local", "pulumiRun.js");

/** Runs one real CLI operation in a process of its own; its output goes to ours as it comes. */
export function pulumi(request: PulumiRequest): Promise<PulumiResult & { output: string }> {
    const cluster = request.config.cluster as { kubeconfig?: string } | undefined;
    const stopStandIn = gatewayStandIn(cluster?.kubeconfig ?? LOCAL_CLUSTER.kubeconfig);
    return new Promise((resolve) => {
        const child = spawn(process.execPath, [PULUMI_RUN, JSON.stringify(request)], {
            stdio: ["ignore", "pipe", "inherit"],
        });
        let output = "";
        child.stdout.on("data", (chunk: Buffer) => {
            const text = chunk.toString();
            output += text;
            process.stdout.write(text.replace(/^::result::.*$/m, ""));
        });
        child.on("close", () => {
            const line = output.split("\n").find((l) => l.startsWith("::result::"));
            const result = (
                line === undefined ? { ok: false, error: "the run printed no result" } : JSON.parse(line.slice("::result::".length))
            ) as PulumiResult;
            stopStandIn();
            resolve({ ...result, output });
        });
    });
}

/** kubectl on the local cluster. */
export function kubectl(...args: string[]): string {
    return kubectlOn(LOCAL_CLUSTER, args);
}

/** The Body-Based Router the program deployed on the local cluster, as its Deployment is there,
 * reading its ConfigMaps from the API server as on any cluster. No gateway here hooks it in: it is
 * asked as GKE's hook asks it (headers, then the body streamed full duplex). */
export function clusterBbr(namespace = "default"): BbrRun {
    const deployments = JSON.parse(kubectl("get", "deployments", "-n", namespace, "-o", "json")) as {
        items: { spec: { template: { spec: { containers: (BbrRun["container"] & { image: string })[] } } } }[];
    };
    const container = deployments.items.flatMap((d) => d.spec.template.spec.containers).find((c) => /\/bbr:/.test(c.image));
    if (container === undefined) throw new Error(`no Body-Based Router in namespace ${namespace}`);
    return {
        tag: container.image.split(":").pop(),
        container,
        podNamespace: namespace,
        mode: { headers: true, body: "FULL_DUPLEX_STREAMED" },
        configMaps: { kubeconfig: LOCAL_CLUSTER.kubeconfig },
    };
}

/** What the program made in a namespace, by kind and name, besides what Kubernetes makes itself. */
export function ourObjects(namespace = "default"): string[] {
    const kinds =
        "deployments,services,configmaps,secrets,serviceaccounts,roles,rolebindings,networkpolicies,poddisruptionbudgets,horizontalpodautoscalers,gateways.gateway.networking.k8s.io,httproutes.gateway.networking.k8s.io,podmonitors.monitoring.coreos.com";
    const inference = "inferencepools.inference.networking.k8s.io";
    const listed = kubectl("get", kinds, "-n", namespace, "-o", "name").split("\n");
    const pools = kubectl("get", "crd", "-o", "name").includes(inference) ? kubectl("get", inference, "-n", namespace, "-o", "name").split("\n") : [];
    return [...listed, ...pools].filter((n) => n !== "" && !/^(configmap\/kube-root-ca\.crt|serviceaccount\/default|service\/kubernetes)$/.test(n));
}

/** Cluster-scoped objects the program made: the charts' ClusterRoles and bindings, and the CRDs
 * it applied. */
export function ourClusterObjects(): string[] {
    return kubectl("get", "clusterroles,clusterrolebindings,crds", "-o", "name")
        .split("\n")
        .filter((n) => /-epp\b|inference\.networking/.test(n));
}

/** Pod names and UIDs of a model's Deployment (`vllm-<key>`). */
export function podUids(appLabel: string): string[] {
    return kubectl("get", "pods", "-n", "default", "-l", `app=${appLabel}`, "-o", "jsonpath={range .items[*]}{.metadata.uid}{'\\n'}{end}")
        .split("\n")
        .filter(Boolean)
        .sort();
}

/** `n` models of one small known model under names of their own, for the benchmark. */
export function benchModels(n: number): ModelEntry[] {
    return Array.from({ length: n }, (_, i) => localModel(`bench-${i}`, { huggingFaceId: "Qwen/Qwen2.5-1.5B-Instruct" }));
}

/** Wall time of the real `pulumi preview` and `pulumi up` (from nothing) for 2, 16 and 64 models,
 * each destroyed after; printed as a Markdown table. Needs 64 GPU nodes: MMI_GPU_NODES=64. */
async function bench(sizes: number[]): Promise<void> {
    const rows: string[] = [];
    for (const n of sizes) {
        const stack = `bench-${n}`;
        const config = localConfig("v1.0.0", benchModels(n));
        const secrets = localSecrets();
        const times: number[] = [];
        for (const op of ["preview", "up", "destroy"] as const) {
            const started = Date.now();
            const result = await pulumi({ op, stack, config, secrets, removeStack: op === "destroy" });
            if (!result.ok) throw new Error(`pulumi ${op} of ${stack} failed: ${result.error}`);
            times.push((Date.now() - started) / 1000);
        }
        rows.push(`| ${n} | ${times[0].toFixed(0)} s | ${times[1].toFixed(0)} s | ${times[2].toFixed(0)} s |`);
        console.log(rows.at(-1));
    }
    console.log(["| models | preview | up | destroy |", "| --- | --- | --- | --- |", ...rows].join("\n"));
}

/** Each line's local stack from nothing: preview, up, and (unless kept) destroy, checked. */
async function deployLines(lines: readonly string[], keep: boolean): Promise<void> {
    for (const line of lines) {
        const stack = `local-${line.replace(/\./g, "-")}`;
        const secrets = localSecrets();
        const config = localConfig(line);
        // A run that failed half-way leaves its stack: start from nothing.
        await pulumi({ op: "destroy", stack, config, secrets, removeStack: true });
        for (const op of ["preview", "up"] as const) {
            const result = await pulumi({ op, stack, config, secrets });
            if (!result.ok) throw new Error(`pulumi ${op} of ${stack} failed: ${result.error}`);
        }
        console.log(`\n${stack}: objects in the cluster:\n${ourObjects().join("\n")}\n`);
        if (keep) continue;
        const result = await pulumi({ op: "destroy", stack, config, secrets, removeStack: true });
        if (!result.ok) throw new Error(`pulumi destroy of ${stack} failed: ${result.error}`);
        const left = [...ourObjects(), ...ourClusterObjects()];
        if (left.length > 0) throw new Error(`left after destroy: ${left.join(", ")}`);
    }
}

async function main(): Promise<void> {
    const keep = process.argv.includes("--keep");
    const at = (flag: string) => (process.argv.includes(flag) ? process.argv[process.argv.indexOf(flag) + 1] : undefined);
    const { started } = await clusterUp();
    try {
        if (process.argv.includes("--bench")) await bench((at("--bench") ?? "2,16,64").split(",").map(Number));
        else await deployLines(at("--line") === undefined ? E2E_LINES : [at("--line") as string], keep);
    } finally {
        // The cluster this run started goes with it, even when the run fails, unless it is kept.
        if (keep) console.log(`KUBECONFIG=${LOCAL_CLUSTER.kubeconfig}`);
        else if (started) clusterDown();
    }
}

if (require.main === module) {
    main().catch((error: Error) => {
        console.error(`npm run e2e: ${error.message}`);
        process.exitCode = 1;
    });
}
