/**
 * The llm-d line as read at its tags (facts/llm-d-line.json), not yet a release line the program
 * serves with: a draft of the router's values schema (here until the line exists) accepts
 * exactly the `.Values` paths its templates read at v0.10.0, every fact names a place that holds
 * what it says, and no image it names is unpinned. The inference extension's v1.6.0 facts are read
 * again from the module proxy's archive of the tag on every run; the router is not served there, so
 * with LLM_D_ROUTER_GIT_DIR set to a clone's git directory (or the mirror `fetch` makes), it is
 * read again from the tag itself.
 */
import assert from "node:assert/strict";
import * as path from "node:path";
import test from "node:test";
import { execFileSync } from "node:child_process";
import { z } from "zod";
import llmdLine from "../facts/llm-d-line.json";
import { RELEASE_LINES } from "../components";
import {
    destinationRule,
    endpointPickerTracing,
    envVar,
    metricsDataSource,
    passedWhole as whole,
    passedWholeList as wholeList,
    port,
    predictionProbe,
    prometheusMonitoring,
    registryImage,
} from "../components/catalogs/charts/valuesShapes";
import { chartReads, chartReadsMissing, chartTemplates } from "../tools/chartReads";
import { SourceTree, atCommit, gitTree, linesOf } from "../tools/upstreamSource";
import { extensionAt, extensionMissing, leaves, passedWhole, readLeaves, schemaPaths, valuesRead } from "./helpers/valuesPaths";

const { router: ROUTER, inferenceExtension: INFERENCE_EXTENSION_V1_6_0, payloadProcessor: PAYLOAD_PROCESSOR } = llmdLine;
type SourcedFact = (typeof ROUTER.facts)[number];

const cpu = z.union([z.string(), z.number()]);
const resources = z.strictObject({ requests: z.strictObject({ cpu, memory: z.string() }).partial(), limits: whole }).partial();
/** A latency-predictor server's image and settings (routerlib/templates/_latency-predictor.tpl). */
const predictorServer = {
    image: registryImage,
    resources: whole,
    volumeSize: z.string(),
    config: z.record(z.string(), z.string()),
};

/** Everything the gateway chart's templates read at v0.10.0 (llm-d-router-gateway@v0.10.0.json). */
const gatewayValues = z
    .strictObject({
        router: z
            .strictObject({
                clusterDomain: z.string(),
                metricsPort: port,
                extraServicePorts: wholeList,
                epp: z
                    .strictObject({
                        replicas: z.number().int().min(1),
                        image: registryImage,
                        extProcPort: port,
                        grpcHealthPort: port,
                        parsers: z.array(z.string()),
                        metricsDataSource,
                        // A map rendered `--<key>=<value>`, one argument (_deployment.yaml:119), so a
                        // boolean flag can be switched off here, unlike v1.5.0's two arguments.
                        flags: z.record(z.string(), z.union([z.string(), z.number(), z.boolean()])),
                        env: z.array(envVar),
                        pluginsConfigFile: z.string(),
                        pluginsCustomConfig: z.record(z.string(), z.string()),
                        extraContainerPorts: wholeList,
                        resources,
                        affinity: whole,
                        tolerations: wholeList,
                        podAnnotations: z.record(z.string(), z.string()),
                        volumes: wholeList,
                        volumeMounts: wholeList,
                    })
                    .partial(),
                proxy: whole,
                tokenizer: z
                    .strictObject({
                        enabled: z.boolean(),
                        modelName: z.string(),
                        image: registryImage,
                        port,
                        command: z.array(z.string()),
                        args: z.array(z.string()),
                        extraArgs: z.array(z.string()),
                        initContainers: wholeList,
                        volumes: wholeList,
                        volumeMounts: wholeList,
                        env: z.array(envVar),
                        resources: whole,
                        readinessProbe: whole,
                    })
                    .partial(),
                monitoring: z
                    .strictObject({
                        interval: z.string(),
                        provider: z.strictObject({ name: z.enum(["", "gmp", "prometheusoperator"]), gmp: whole, prometheusoperator: whole }).partial(),
                        prometheus: prometheusMonitoring,
                    })
                    .partial(),
                tracing: endpointPickerTracing,
                inferencePool: z.strictObject({ create: z.boolean(), failureMode: z.enum(["FailOpen", "FailClose"]) }).partial(),
                inferenceObjectives: z.array(z.strictObject({ name: z.string(), priority: z.number().int() })),
                modelServers: z
                    .strictObject({
                        type: z.enum(["vllm", "sglang", "triton-tensorrt-llm", "trtllm-serve", "triton"]),
                        protocol: z.enum(["http", "grpc"]),
                        targetPorts: z.array(z.strictObject({ number: port })).min(1),
                        targetPortNumber: port,
                        matchLabels: z.record(z.string(), z.string()),
                    })
                    .partial(),
                latencyPredictor: z
                    .strictObject({
                        enabled: z.boolean(),
                        eppEnv: z.record(z.string(), z.string()),
                        trainingServer: z.strictObject({ ...predictorServer, port, livenessProbe: whole, readinessProbe: whole }).partial(),
                        predictionServers: z
                            .strictObject({
                                ...predictorServer,
                                startPort: port,
                                count: z.number().int().min(1),
                                livenessProbe: predictionProbe(false),
                                readinessProbe: predictionProbe(true),
                            })
                            .partial(),
                    })
                    .partial(),
            })
            .partial(),
        provider: z
            .strictObject({
                name: z.enum(["none", "gke", "istio"]),
                gke: z.strictObject({ preferredBackends: whole }).partial(),
                istio: z.strictObject({ destinationRule }).partial(),
            })
            .partial(),
        httpRoute: z
            .strictObject({
                create: z.boolean(),
                inferenceGatewayName: z.string(),
                inferenceGatewayNamespace: z.string(),
                requestTimeout: z.string(),
                baseModel: z.string(),
                headerMatches: z.record(z.string(), z.string()),
            })
            .partial(),
        // Read only to refuse them (routerlib/templates/_helpers.tpl:500-516).
        inferenceExtension: z.unknown(),
        inferencePool: z.unknown(),
        experimentalHttpRoute: z.unknown(),
        inferenceObjectives: z.unknown(),
    })
    .partial();

const read = valuesRead(ROUTER.valuesReadFile);
const readPaths = new Set(read.paths.map((p) => p.path));

test("the values-read list was extracted at the tag the router is read at", () => {
    assert.deepEqual(
        [read.repository, read.tag, read.commit, read.chart, read.extractedBy],
        [ROUTER.source.repository, ROUTER.source.tag, ROUTER.source.commit, ROUTER.chartDir, "tools/chartReads.ts"],
    );
    assert.equal(ROUTER.chartVersion, ROUTER.source.tag);
});

test("the values schema accepts exactly the paths the chart's templates read at the tag", () => {
    assert.deepEqual(leaves(schemaPaths(gatewayValues, passedWhole(read.paths))), readLeaves(read.paths));
    for (const unread of Object.keys(ROUTER.unreachablePaths)) assert.ok(readPaths.has(unread), `unreachable ${unread} is not read at all`);
    // The v1.x keys are read only to fail the install.
    for (const legacy of ["inferenceExtension", "inferencePool", "experimentalHttpRoute", "inferenceObjectives"]) {
        assert.ok(Object.hasOwn(ROUTER.unreachablePaths, legacy), legacy);
    }
});

test("the paths the program would set are read by the templates, and the schema takes the shapes it would set", () => {
    for (const p of Object.values(ROUTER.paths))
        assert.ok(
            [...readPaths].some((r) => r === p || r.startsWith(`${p}.`) || r.startsWith(`${p}[]`)),
            p,
        );
    const values = {
        router: {
            modelServers: { matchLabels: { app: "llama" }, targetPorts: [{ number: 8000 }] },
            epp: { image: ROUTER.endpointPickerImage, flags: { "secure-serving": false, v: 2 }, resources: { requests: { cpu: "1", memory: "2Gi" } } },
        },
        provider: { name: "gke" },
    };
    assert.ok(gatewayValues.safeParse(values).success);
    assert.ok(!gatewayValues.safeParse({ router: { epp: { replica: 2 } } }).success, "a misspelt key is refused");
});

test("the EPP image is pinned by the tag, never main or latest", () => {
    assert.equal(ROUTER.endpointPickerImage.tag, ROUTER.source.tag);
    assert.ok(!["main", "latest"].includes(ROUTER.endpointPickerImage.tag));
});

test("every fact names a line range of a file in the repository", () => {
    for (const { fact, readAt } of [...ROUTER.facts, ...INFERENCE_EXTENSION_V1_6_0.facts]) assert.match(readAt.lines, /^\d+(-\d+)?$/, fact);
});

/** Each fact's text is on its lines of its file in the tree at the tag. */
function assertFacts(tree: SourceTree, facts: readonly SourcedFact[]): void {
    for (const { fact, readAt } of facts) {
        const [first, last = first] = readAt.lines.split("-").map(Number);
        const lines = linesOf(tree, readAt.file, first, last);
        assert.ok(lines.includes(readAt.text), `${readAt.file}:${readAt.lines} does not hold ${JSON.stringify(readAt.text)} (${fact})`);
    }
}

const gitDir = process.env["LLM_D_ROUTER_GIT_DIR"];
test(
    "re-read at the tag: the commit, the values-read list and every fact",
    { skip: gitDir === undefined ? "set LLM_D_ROUTER_GIT_DIR to a clone's git directory to re-read the tag" : chartReadsMissing() },
    () => {
        const tree = atCommit(gitTree(gitDir!, ROUTER.source.tag), ROUTER.source.commit, `llm-d-router ${ROUTER.source.tag}`);
        assert.deepEqual(chartReads(chartTemplates(tree, ROUTER.chartDir)), read.paths);
        assertFacts(tree, ROUTER.facts);
        // The image the published chart names: what the release script writes on a semver tag.
        const push = tree.read("hack/push-chart.sh");
        assert.match(push, new RegExp(`IMAGE_REGISTRY:-${ROUTER.endpointPickerImage.registry}\\}`));
        assert.match(push, new RegExp(`EPP_RELEASE_IMAGE_REPOSITORY:-${ROUTER.endpointPickerImage.repository}\\}`));
        assert.match(push, new RegExp(`HELM_CHART_REPO:-\\$\\{IMAGE_REGISTRY\\}/charts\\}`));
        assert.equal(ROUTER.chart, `oci://${ROUTER.endpointPickerImage.registry}/charts/${path.posix.basename(ROUTER.chartDir)}`);
    },
);

test("the inference extension's v1.6.0 read again: what it removed and what it keeps", { skip: extensionMissing(["v1.5.0", "v1.6.0"]) }, () => {
    const { source, removed, facts } = INFERENCE_EXTENSION_V1_6_0;
    const [before, after] = [extensionAt("v1.5.0", RELEASE_LINES["v1.5.0"].source.commit), extensionAt(source.tag, source.commit)];
    // A nested module is left out of an archive too: none of the folders is one (go.work names those).
    const nested = after.read("go.work");
    for (const dir of removed) {
        assert.notDeepEqual(before.list(dir), [], `${dir} at v1.5.0`);
        assert.deepEqual(after.list(dir), [], `${dir} at ${source.tag}`);
        assert.ok(!nested.includes(`./${dir}`), `${dir} is a module of its own at ${source.tag}`);
    }
    assertFacts(after, facts);
});

const processorGitDir = process.env["PAYLOAD_PROCESSOR_GIT_DIR"];
test(
    "the payload processor still has no tag to pin, so no llm-d line names it",
    { skip: processorGitDir === undefined ? "set PAYLOAD_PROCESSOR_GIT_DIR to a clone's git directory to list its tags" : false },
    () => {
        const tags = execFileSync("git", ["--git-dir", processorGitDir!, "tag", "--list"], { encoding: "utf8" })
            .split("\n")
            .filter((t) => t !== "");
        assert.deepEqual(tags, PAYLOAD_PROCESSOR.tags, `${PAYLOAD_PROCESSOR.repository} has tags now: read its chart at one and make the llm-d line`);
    },
);
