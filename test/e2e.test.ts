/**
 * The real engine: the Pulumi CLI and Kubernetes provider of `npm run tools` deploy the `local`
 * stack onto the local cluster (kube-apiserver, scheduler and controllers, kwok's GPU nodes) on
 * each release line, and the API server, the scheduler and the engine's waits judge it (its
 * preview, the mock runtime's URNs too). Skipped, with the reason, where the tools are not built
 * (no Go, or `npm run tools` not run).
 */
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { after, before, describe, test } from "node:test";
import {
    E2E_LINES,
    LOCAL_MODELS,
    PULUMI_RUN,
    ModelEntry,
    clusterBbr,
    kubectl,
    localModel,
    localConfig,
    localSecrets,
    ourClusterObjects,
    ourObjects,
    podUids,
    pulumi,
} from "../tools/local/e2e";
import { LOCAL_CLUSTER, down as clusterDown, kubectlOn, up as clusterUp } from "../tools/local/cluster";
import { allows } from "../tools/consistency/rbac";
import { KubeObject, imageOf, resolvePort } from "../tools/consistency/objects";
import { poolTemplates, serviceTemplates, targetPortOf } from "../tools/consistency/workloads";
import { RBAC_CASES, RBAC_STACK } from "./helpers/rbacCases";
import { toolsMissing } from "../tools/local/toolchain";
import { PROJECT, lockHolders, running } from "../tools/local/pulumiRun";
import { runProgram } from "../tools/mockRuntime";
import { stringify as toYaml } from "yaml";
import { askBbr, poolEndpoints } from "../tools/local/bbrDriver";
import { modelHeaderFact } from "../components/catalogs/charts/bodyBasedRouterFacts";
import { REPO_ROOT } from "../tools/repoRoot";
import { deriveModelKey as modelKey, modelObjectNames } from "../components/names";

const missing = toolsMissing();
if (missing !== undefined) console.log(`# real-engine tests skipped: ${missing}`);

const ADDED: ModelEntry = localModel("Qwen/Qwen2.5-1.5B-Instruct");

function withAdapters(models: ModelEntry[], adapters: object[]): ModelEntry[] {
    return models.map((m) => (m.adapters === undefined ? m : { ...m, adapters }));
}

/** The objects of the local cluster's namespace `default` of `kinds`, and the Deployment a pod is of. */
function clusterObjects(): { list: (kinds: string) => KubeObject[]; deploymentOf: (pod: string) => string | undefined } {
    const list = (kinds: string) => (JSON.parse(kubectl("get", kinds, "-n", "default", "-o", "json")) as { items: KubeObject[] }).items;
    const owners = new Map(
        list("pods,replicasets").map((o) => [`${o.kind}/${o.metadata.name}`, (o.metadata as { ownerReferences?: { name: string }[] }).ownerReferences?.[0]]),
    );
    return { list, deploymentOf: (pod) => owners.get(`ReplicaSet/${owners.get(`Pod/${pod}`)?.name}`)?.name };
}

/** The consistency check's reading of each Service, on the objects the cluster holds: the
 * workloads whose pods it selects and the port numbers its target ports resolve to, compared with
 * the EndpointSlices kube-controller-manager's controller made from the same objects (kwok's pods
 * are Ready, with addresses). */
function servicesAsTheControllerSeesThem(t: { diagnostic: (message: string) => void }): void {
    const { list, deploymentOf } = clusterObjects();
    const objects = list("services,deployments");
    const slices = list("endpointslices");
    for (const service of objects.filter((o) => o.kind === "Service" && o["spec"]?.selector !== undefined)) {
        const templates = serviceTemplates({ objects, dashboards: [] }, service);
        const ports = (service["spec"].ports as { name?: string; port: number; targetPort?: number | string }[]).flatMap((p) =>
            templates.map((tpl) => `${p.name ?? ""}:${resolvePort(tpl, p.targetPort ?? p.port)}`),
        );
        const own = slices.filter((s) => s.metadata.labels?.["kubernetes.io/service-name"] === service.metadata.name);
        const real = {
            workloads: [
                ...new Set(own.flatMap((s) => (s["endpoints"] ?? []).map((e: { targetRef: { name: string } }) => deploymentOf(e.targetRef.name)))),
            ].sort(),
            ports: [...new Set(own.flatMap((s) => (s["ports"] ?? []).map((p: { name?: string; port: number }) => `${p.name ?? ""}:${p.port}`)))].sort(),
        };
        t.diagnostic(`${service.metadata.name}: ${JSON.stringify(real)}`);
        assert.deepEqual(real, { workloads: templates.map((tpl) => tpl.owner.metadata.name).sort(), ports: [...new Set(ports)].sort() }, service.metadata.name);
    }
}

/** The consistency check's reading of each InferencePool on the objects the cluster holds (the
 * workloads whose pods it selects, its target port), compared with the endpoints the line's own
 * Endpoint Picker code (its InferencePoolReconciler and datastore, through the driver of the EPP's
 * image tag) makes of the same objects. */
function poolsAsTheEndpointPickerSeesThem(t: { diagnostic: (message: string) => void }): void {
    const { list, deploymentOf } = clusterObjects();
    const objects = list("inferencepools.inference.networking.k8s.io,deployments");
    const epp = objects
        .flatMap((o) => (o.kind === "Deployment" ? (o["spec"].template.spec.containers as { image: string }[]) : []))
        .find((c) => /\/epp:/.test(c.image));
    assert.ok(epp !== undefined, "no Endpoint Picker on the cluster");
    const held = poolEndpoints(imageOf(epp).tag ?? "", LOCAL_CLUSTER.kubeconfig, "default");
    assert.equal(held.length, LOCAL_MODELS.length, "one InferencePool per model");
    for (const { pool, endpoints } of held) {
        const object = objects.find((o) => o.kind === "InferencePool" && o.metadata.name === pool);
        assert.ok(object !== undefined, pool);
        const real = { workloads: [...new Set(endpoints.map((e) => deploymentOf(e.pod)))].sort(), ports: [...new Set(endpoints.map((e) => e.port))] };
        t.diagnostic(`InferencePool ${pool}: ${JSON.stringify(real)}`);
        const workloads = poolTemplates({ objects, dashboards: [] }, object).map((tpl) => tpl.owner.metadata.name);
        assert.deepEqual(real, { workloads: workloads.sort(), ports: [String(targetPortOf(object))] }, pool);
    }
}

/** The mock runtime's run of the same config (what the render, the golden renders and plan-diff
 * show) names exactly the resources the real preview creates, but those the engine alone adds
 * (the root stack, its default `pulumi` provider) and the objects the provider expands from a
 * chart or a YAML file. */
async function mockNamesWhatTheEngineNames(stack: string, config: Record<string, unknown>, secrets: Record<string, string>, steps: { urn: string }[]) {
    const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), "mock-vs-engine-")), `Pulumi.${stack}.yaml`);
    const key = (k: string) => `${PROJECT}:${k}`;
    const entries = [...Object.entries(config), ...Object.keys(secrets).map((k) => [k, { secure: "stand-in" }] as const)];
    fs.writeFileSync(file, toYaml({ config: Object.fromEntries(entries.map(([k, v]) => [key(k), v])) }));
    const mocked = await runProgram(stack, file, Object.fromEntries(Object.entries(secrets).map(([k, v]) => [key(k), v])));
    fs.rmSync(path.dirname(file), { recursive: true });
    const engineOnly = (urn: string) => /::(pulumi:pulumi:Stack|pulumi:providers:pulumi)::|(helm\.sh\/v4:Chart|yaml\/v2:ConfigFile)\$/.test(urn);
    assert.deepEqual(
        mocked.resources.map((r) => r.urn).sort(),
        steps
            .map((s) => s.urn)
            .filter((urn) => !engineOnly(urn))
            .sort(),
    );
}

describe("pulumi up for real, on the local cluster", { skip: missing, concurrency: false, timeout: 40 * 60_000 }, () => {
    let started = false;
    before(async () => {
        ({ started } = await clusterUp());
    });
    // A cluster that was up before the tests (npm run cluster -- up) stays up.
    after(() => {
        if (started) clusterDown();
    });

    for (const line of E2E_LINES) {
        test(`line ${line}: preview, up, add a model, change an adapter, destroy`, { timeout: 15 * 60_000 }, async (t) => {
            const stack = `local-${line.replace(/\./g, "-")}`;
            const secrets = localSecrets();
            const run = async (op: "preview" | "up" | "destroy", models: ModelEntry[]) => {
                const result = await pulumi({ op, stack, config: localConfig(line, models), secrets, removeStack: op === "destroy" });
                assert.ok(result.ok, `pulumi ${op} failed: ${result.error}`);
                assert.ok(!result.output.includes(secrets.hfToken) && !result.output.includes(secrets.apiKeys), "a secret in the CLI's output");
                return result;
            };
            // A run that failed half-way leaves its stack: start from nothing.
            await pulumi({ op: "destroy", stack, config: localConfig(line), secrets, removeStack: true });
            const preview = await run("preview", LOCAL_MODELS);
            await mockNamesWhatTheEngineNames(stack, localConfig(line, LOCAL_MODELS), secrets, preview.steps ?? []);
            const first = await run("up", LOCAL_MODELS);
            assert.ok((first.changes?.create ?? 0) > 0);

            // The scheduler put each model server on a GPU node, and kwok made it Ready.
            const placed = kubectl(
                "get",
                "pods",
                "-n",
                "default",
                "-l",
                "app.kubernetes.io/name=vllm",
                "-o",
                "jsonpath={range .items[*]}{.spec.nodeName} {.status.phase}{'\\n'}{end}",
            )
                .trim()
                .split("\n");
            assert.equal(placed.length, LOCAL_MODELS.length);
            for (const pod of placed) assert.match(pod, /^nvidia-l4-\d+ Running$/);

            // The API server took a PodMonitor for each model server (the CRD's schema judged them).
            const monitors = kubectl(
                "get",
                "podmonitors.monitoring.coreos.com",
                "-n",
                "default",
                "-o",
                "jsonpath={range .items[*]}{.metadata.name}{'\\n'}{end}",
            )
                .trim()
                .split("\n");
            for (const model of LOCAL_MODELS)
                assert.ok(
                    monitors.includes(modelObjectNames(modelKey(model.name), "default").deployment),
                    `no PodMonitor for ${model.name}: ${monitors.join(", ")}`,
                );

            // The line's real BBR, reading the ConfigMaps the program created from the API server:
            // each routed name gets its own header and, where the tag maps base models, an adapter its
            // model's (and a base model itself).
            const bbr = clusterBbr();
            const fact = modelHeaderFact(bbr.tag ?? "");
            assert.ok(fact !== undefined, `BBR ${bbr.tag} is a tag we read`);
            const named = LOCAL_MODELS.flatMap((m) => [[m.name, m.name], ...((m.adapters ?? []) as { name: string }[]).map((a) => [a.name, m.name])]);
            const answers = askBbr(
                bbr,
                named.map(([name]) => ({ method: "POST", path: "/v1/chat/completions", body: { model: name, messages: [{ role: "user", content: "Hi" }] } })),
            );
            for (const [i, [name, base]] of named.entries()) {
                t.diagnostic(`bbr:${bbr.tag} on the cluster ${name} -> ${JSON.stringify(answers[i].headers)}`);
                assert.equal(answers[i].headers[fact.modelHeader], name);
                if (fact.baseModelHeader !== undefined) assert.equal(answers[i].headers[fact.baseModelHeader.header], base, `${name}'s base model`);
            }

            servicesAsTheControllerSeesThem(t);
            poolsAsTheEndpointPickerSeesThem(t);

            // A fourth model: only its own objects are created, nothing replaced or deleted.
            const added = await run("up", [...LOCAL_MODELS, ADDED]);
            const addedKey = modelKey(ADDED.name);
            for (const step of added.steps ?? []) {
                assert.ok(step.op !== "replace" && step.op !== "delete" && step.op !== "create-replacement", `${step.op} ${step.urn}`);
                if (step.op === "create") assert.ok(step.urn.includes(addedKey), `created, not the new model's: ${step.urn}`);
            }
            assert.ok((added.changes?.create ?? 0) > 0);

            // Another adapter: ConfigMaps change in place, no model server restarts.
            const adapterModel = modelObjectNames(modelKey(LOCAL_MODELS[2].name), "default").appLabel;
            const before = podUids(adapterModel);
            const adapters = [...(LOCAL_MODELS[2].adapters as object[]), { name: "sql-lora", source: "yard1/llama-2-7b-sql-lora-test" }];
            const changed = await run("up", withAdapters([...LOCAL_MODELS, ADDED], adapters));
            for (const step of changed.steps ?? []) assert.ok(!/replace|delete/.test(step.op), `${step.op} ${step.urn}`);
            assert.deepEqual(podUids(adapterModel), before, "the adapter change restarted the model server");

            await run("destroy", [...LOCAL_MODELS, ADDED]);
            assert.deepEqual([...ourObjects(), ...ourClusterObjects()], [], "left after destroy");
        });
    }

    test("the API server refuses what the schema forbids at preview (a server-side dry run), before anything is made", { timeout: 10 * 60_000 }, async () => {
        // rawValues skip our checks on purpose: a port above 65535 for the EPP, which the Service's
        // validation refuses; only the API server judges it. (An up would make the rest and then
        // wait out the EPP's Deployment, whose ServiceAccount the failed update never made.)
        const config = localConfig("v1.0.0", [LOCAL_MODELS[0]]);
        const charts = config.charts as Record<string, object>;
        charts.inferencePool = { ...charts.inferencePool, rawValues: { inferenceExtension: { extProcPort: 70000 } } };
        const secrets = localSecrets();
        await pulumi({ op: "destroy", stack: "local-refused", config, secrets, removeStack: true });
        const result = await pulumi({ op: "preview", stack: "local-refused", config, secrets });
        assert.equal(result.ok, false);
        assert.match(result.output, /70000/);
        assert.match(result.output, /65535/);
        assert.deepEqual(ourObjects(), [], "a preview makes nothing");
        const cleaned = await pulumi({ op: "destroy", stack: "local-refused", config, secrets, removeStack: true });
        assert.ok(cleaned.ok, cleaned.error);
    });

    test("an up killed part-way (CLI and all) leaves no lock that refuses the next operation", { timeout: 5 * 60_000 }, async () => {
        const stack = "local-killed";
        const request = { op: "up", stack, config: localConfig("v1.0.0", [LOCAL_MODELS[0]]), secrets: localSecrets() } as const;
        // Its own process group, so that the CLI the Automation API starts dies with it, as in a
        // killed CI job.
        const child = spawn(process.execPath, [PULUMI_RUN, JSON.stringify(request)], { detached: true, stdio: "ignore" });
        const sleep = () => new Promise((resolve) => setTimeout(resolve, 100));
        while (lockHolders(stack).length === 0) await sleep();
        process.kill(-child.pid!, "SIGKILL");
        // The CLI's pid is in its lock; the host reaps the orphan in its own time.
        while (lockHolders(stack).some((lock) => running(lock.pid))) await sleep();
        assert.equal(lockHolders(stack).length, 1, "the killed run left its lock");
        const destroyed = await pulumi({ ...request, op: "destroy", removeStack: true });
        assert.ok(destroyed.ok, destroyed.error);
        assert.deepEqual(ourObjects(), [], "nothing left");
    });

    test("the consistency check's RBAC reading is the API server's, case by case", () => {
        const kubectlIn = (args: string[], input?: string) => kubectlOn(LOCAL_CLUSTER, args, input);
        const list = JSON.stringify({ apiVersion: "v1", kind: "List", items: RBAC_STACK.objects });
        kubectlIn(["create", "namespace", "serving"]);
        kubectlIn(["apply", "-f", "-"], list);
        try {
            for (const [what, account, request, expected] of RBAC_CASES) {
                // The user and groups a service account's token authenticates as (k8s.io/apiserver v0.34.4
                // pkg/authentication/serviceaccount/util.go:104-109, and group/authenticated_group_adder.go:56).
                const review = {
                    apiVersion: "authorization.k8s.io/v1",
                    kind: "SubjectAccessReview",
                    spec: {
                        user: `system:serviceaccount:${account.namespace}:${account.name}`,
                        groups: ["system:serviceaccounts", `system:serviceaccounts:${account.namespace}`, "system:authenticated"],
                        ...("nonResourceURL" in request
                            ? { nonResourceAttributes: { verb: request.verb, path: request.nonResourceURL } }
                            : {
                                  resourceAttributes: {
                                      verb: request.verb,
                                      group: request.apiGroup,
                                      resource: request.resource,
                                      name: request.name,
                                      namespace: request.namespace,
                                  },
                              }),
                    },
                };
                const allowed = JSON.parse(kubectlIn(["create", "-f", "-", "-o", "json"], JSON.stringify(review))).status.allowed === true;
                assert.equal(allowed, expected, `the API server on: ${what}`);
                assert.equal(allows(RBAC_STACK, account, request), allowed, `the check on: ${what}`);
            }
        } finally {
            kubectlIn(["delete", "-f", "-", "--wait=false"], list);
            kubectlIn(["delete", "namespace", "serving", "--wait=false"]);
        }
    });

    test("the policy pack runs through the real CLI and blocks a broken stack", { timeout: 10 * 60_000 }, async () => {
        // The gateway's proxies connect from 10.129.0.0/23 (the policy's config says so), but the
        // stack admits another range to the model servers: every request would be dropped.
        const dir = fs.mkdtempSync(path.join(os.tmpdir(), "policy-config-"));
        const policyConfig = path.join(dir, "config.json");
        fs.writeFileSync(policyConfig, JSON.stringify({ "multi-model-inference-consistency": { proxyOnlySubnetRanges: ["10.129.0.0/23"] } }));
        const config = localConfig("v1.0.0", [LOCAL_MODELS[0]]);
        const request = { op: "preview" as const, stack: "local-policy", config, secrets: localSecrets(), policyPacks: [path.join(REPO_ROOT, "policy")] };
        // On provider other the pack already reports what the program cannot make there (no BBR
        // hook into the gateway, no monitors); the wrong range adds its own violation.
        const before = await pulumi({ ...request, policyPackConfigs: undefined });
        assert.doesNotMatch(before.output, /10\.129\.0\.0\/23/);
        const blocked = await pulumi({ ...request, policyPackConfigs: [policyConfig] });
        fs.rmSync(dir, { recursive: true, force: true });
        assert.equal(blocked.ok, false);
        assert.match(blocked.output, /\[mandatory\]\s+multi-model-inference-consistency/);
        assert.match(blocked.output, /10\.129\.0\.0\/23/);
    });
});
