/**
 * The real consumer path: `npm pack` the package, install the tarball into a temporary copy of
 * examples/typescript pinned to another @pulumi/pulumi minor than ours, type-check the example
 * with its own tsc and run it under Pulumi's mock runtime with its own @pulumi/pulumi. Nothing
 * here imports the package's source.
 */
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { after, before, test } from "node:test";
import { REPO_ROOT as ROOT } from "../tools/repoRoot";

const EXAMPLE = path.join(ROOT, "examples", "typescript");
const RUNNER = path.join(ROOT, "test", "helpers", "mockedProgramRunner.js");
const packageJson = JSON.parse(fs.readFileSync(path.join(ROOT, "package.json"), "utf8"));
/** The consumer's SDK: another minor than the 3.248.0 our lockfile holds, still for Node 20
 * (`engines.node ">=20"` on npm). With our ranges npm must give the package this very copy. */
const CONSUMER_SDK = "3.247.0";
const EXAMPLE_API_KEY = "example-api-key-0123456789abcdef0123456789abcdef";
const OLDER_API_KEY = "older-api-key-0123456789abcdef0123456789abcdef";

interface Recorded {
    type: string;
    name: string;
    custom: boolean;
    inputs: any;
}

let work: string;
let tarball: string;
let packedFiles: string[];
let run: { resources: Recorded[]; outputs: Record<string, any> };
/** `npm ls @pulumi/pulumi --all` in the consumer: one line per package that depends on it. */
let sdkTree: string;
/** `npm ls @pulumi/pulumi --all --parseable`: the directory of each copy. */
let sdkCopies: string[];

const exec = (command: string, args: string[], cwd: string) =>
    execFileSync(command, args, { cwd, encoding: "utf8", stdio: ["ignore", "pipe", "pipe"], maxBuffer: 64 * 1024 * 1024 });

before(async () => {
    work = fs.mkdtempSync(path.join(os.tmpdir(), "packed-example-"));
    // `prepack` builds dist/ first, as it would before `npm publish`.
    const [packed] = JSON.parse(exec("npm", ["pack", "--json", "--pack-destination", work], ROOT)) as { filename: string; files: { path: string }[] }[];
    tarball = path.join(work, packed.filename);
    packedFiles = packed.files.map((f) => f.path);

    const project = path.join(work, "example");
    fs.cpSync(EXAMPLE, project, { recursive: true, filter: (src) => !/[/\\](node_modules|bin)$/.test(src) });
    const consumer = JSON.parse(fs.readFileSync(path.join(project, "package.json"), "utf8"));
    consumer.dependencies["@pulumi/pulumi"] = CONSUMER_SDK;
    fs.writeFileSync(path.join(project, "package.json"), JSON.stringify(consumer, null, 2));
    // Start from hard links of the repository's dependencies (the same pinned versions, nothing
    // to download or unpack); npm then installs the tarball, checking its dependencies against
    // that tree, and prunes what the example does not need.
    exec("cp", ["-al", path.join(ROOT, "node_modules"), path.join(project, "node_modules")], project);
    exec("npm", ["install", "--prefer-offline", "--ignore-scripts", "--no-audit", "--no-fund", tarball], project);
    sdkTree = exec("npm", ["ls", "@pulumi/pulumi", "--all"], project);
    sdkCopies = exec("npm", ["ls", "@pulumi/pulumi", "--all", "--parseable"], project).trim().split("\n");
    exec(process.execPath, [path.join(project, "node_modules", "typescript", "bin", "tsc"), "-p", project], project);

    fs.copyFileSync(RUNNER, path.join(project, "runner.js"));
    run = runExample(JSON.stringify([EXAMPLE_API_KEY, OLDER_API_KEY]));
});

/** The example under mocks with `apiKeys` set to `apiKeys`, as `pulumi config set --secret` stores it. */
function runExample(apiKeys: string): typeof run {
    const config = {
        project: "multi-model-inference-example",
        stack: "dev",
        config: {
            "multi-model-inference-example:project": "my-gcp-project",
            "multi-model-inference-example:clusterName": "inference-cluster",
            "multi-model-inference-example:hfToken": "hf_example_token",
            "multi-model-inference-example:apiKeys": apiKeys,
        },
        secretKeys: ["multi-model-inference-example:hfToken", "multi-model-inference-example:apiKeys"],
    };
    fs.writeFileSync(path.join(work, "config.json"), JSON.stringify(config));
    return JSON.parse(exec(process.execPath, ["runner.js", "bin/index.js", path.join(work, "config.json")], path.join(work, "example")));
}

/** The keys vLLM reads, from the api-keys Secret's config file (a secret, so wrapped under mocks). */
const vllmKeys = (resources: Recorded[]): string[] =>
    JSON.parse(
        resources.find((r) => r.type === "kubernetes:core/v1:Secret" && r.inputs.metadata.name === "api-keys")?.inputs.stringData.value["vllm-api-keys.yaml"],
    )["api-key"];

test("the example takes apiKeys as the README sets it: one key, or a JSON list while rotating", () => {
    assert.deepEqual(vllmKeys(run.resources), [EXAMPLE_API_KEY, OLDER_API_KEY]);
    const single = runExample(EXAMPLE_API_KEY);
    assert.deepEqual(vllmKeys(single.resources), [EXAMPLE_API_KEY]);
    assert.equal(single.outputs.apiKeysRequired, true);
});

after(() => {
    if (work) fs.rmSync(work, { recursive: true, force: true });
});

const ofType = (type: string) => run.resources.filter((r) => r.type === type);

test("the tarball holds the built package and nothing of the stack program, tools or tests", () => {
    for (const file of ["package.json", "CHANGELOG.md", "dist/index.js", "dist/index.d.ts", "dist/components/multiModelInference.d.ts"]) {
        assert.ok(packedFiles.includes(file), `${file} missing from the tarball`);
    }
    // The upstream facts the package reads at run time ship beside it (dist/facts/).
    for (const file of packedFiles)
        assert.match(
            file,
            /^(package\.json|CHANGELOG\.md|README\.md|LICENSE|dist\/(index|components\/(\w+\/){0,2}[\w.]+)\.(js|d\.ts)|dist\/facts\/[\w.@-]+\.json)$/,
        );
    assert.ok(packedFiles.includes("dist/facts/bbr-model-header.json"), "the BBR facts the routes read are in the tarball");
    assert.equal(path.basename(tarball), `${packageJson.name}-${packageJson.version}.tgz`);
});

test("the package declares ranges, so a consumer on another SDK minor keeps one @pulumi/pulumi", () => {
    for (const dependency of ["@pulumi/pulumi", "@pulumi/kubernetes", "@pulumi/gcp"]) {
        assert.match(packageJson.dependencies[dependency], /^\^\d+\.\d+\.\d+$/, `${dependency} is a caret range`);
    }
    // The consumer's own, and the package's, @pulumi/kubernetes' and @pulumi/gcp's: one version, deduped.
    const uses = sdkTree.split("\n").filter((line) => line.includes("@pulumi/pulumi@"));
    assert.equal(uses.length, 4, sdkTree);
    assert.deepEqual([...new Set(uses.map((line) => /@pulumi\/pulumi@(\S+)/.exec(line)?.[1]))], [CONSUMER_SDK], sdkTree);
    assert.equal(uses.filter((line) => !line.endsWith(" deduped")).length, 1, sdkTree);
    assert.equal(sdkCopies.length, 1, sdkCopies.join("\n"));
    // What Node loads from inside the package is the consumer's copy.
    const project = path.join(work, "example");
    const fromPackage = require.resolve("@pulumi/pulumi", { paths: [path.join(project, "node_modules", packageJson.name)] });
    assert.equal(fromPackage, require.resolve("@pulumi/pulumi", { paths: [project] }));
});

test("the installed package is the tarball, resolved through its exports map", () => {
    const installed = path.join(work, "example", "node_modules", packageJson.name);
    assert.equal(fs.lstatSync(installed).isSymbolicLink(), false);
    assert.equal(JSON.parse(fs.readFileSync(path.join(installed, "package.json"), "utf8")).version, packageJson.version);
    assert.ok(!fs.existsSync(path.join(installed, "stacks")) && !fs.existsSync(path.join(installed, "components")));
});

test("importing the package by name gives every component, its args type and planServing", () => {
    const project = path.join(work, "example");
    const script = `console.log(JSON.stringify(Object.keys(require("${packageJson.name}"))))`;
    const exported = JSON.parse(exec(process.execPath, ["-e", script], project)) as string[];
    const components = ["MultiModelInference", "GpuNodePool", "ModelServer", "InferencePool", "BodyBasedRouter", "InferenceGateway", "ModelRoute"];
    for (const name of [...components, "planServing", "servingConfigSchema"]) assert.ok(exported.includes(name), `${name} not exported`);
    const dist = path.join(project, "node_modules", packageJson.name, "dist", "components");
    const declarations = fs
        .readdirSync(dist, { recursive: true })
        .map(String)
        .filter((f) => f.endsWith(".d.ts"))
        .map((f) => fs.readFileSync(path.join(dist, f), "utf8"))
        .join("\n");
    for (const name of components) assert.match(declarations, new RegExp(`export interface ${name}Args\\b`), `${name}Args`);
});

test("the example serves three models: one server, pool, chart and route each", () => {
    const names = ["llama-3-1-8b-instruct", "phi-4-mini-instruct", "qwen2-5-14b-instruct"].map((key) => `inference-${key}`);
    for (const type of ["ModelServer", "InferencePool", "ModelRoute"]) {
        assert.deepEqual(
            ofType(`multi-model-inference:index:${type}`)
                .map((r) => r.name)
                .sort(),
            names,
            type,
        );
    }
    assert.deepEqual(
        ofType("kubernetes:apps/v1:Deployment")
            .map((r) => r.inputs.metadata.name)
            .sort(),
        ["openai-models", "vllm-llama-3-1-8b-instruct", "vllm-phi-4-mini-instruct", "vllm-qwen2-5-14b-instruct"],
    );
    // One route per model, and the model list's.
    const routes = ofType("kubernetes:gateway.networking.k8s.io/v1:HTTPRoute").filter((r) => r.inputs.metadata.name !== "openai-models");
    assert.equal(ofType("kubernetes:gateway.networking.k8s.io/v1:HTTPRoute").length, 4);
    assert.deepEqual(routes.map((r) => r.inputs.spec.rules[0].matches[0].headers[0].value).sort(), [
        "Qwen/Qwen2.5-14B-Instruct",
        "meta-llama/Llama-3.1-8B-Instruct",
        "microsoft/Phi-4-mini-instruct",
    ]);
    // Three inferencepool releases and the Body-Based Router.
    assert.equal(ofType("kubernetes:helm.sh/v4:Chart").length, 4);
    assert.equal(ofType("kubernetes:gateway.networking.k8s.io/v1:Gateway").length, 1);
    assert.equal(ofType("multi-model-inference:index:MultiModelInference").length, 1);
});

test("two GPU node pools, and the third model's pods land on the A100 pool", () => {
    const pools = ofType("gcp:container/nodePool:NodePool");
    // GKE names end in a hash of the settings that would replace the pool.
    const withoutHash = (name: string) => name.replace(/-[0-9a-f]{6}$/, "");
    assert.deepEqual(pools.map((p) => [withoutHash(p.inputs.name), p.inputs.nodeConfig.guestAccelerators[0].type, p.inputs.nodeLocations]).sort(), [
        ["gpu-nvidia-l4", "nvidia-l4", ["us-central1-a"]],
        ["gpu-nvidia-tesla-a100", "nvidia-tesla-a100", ["us-central1-c"]],
    ]);
    assert.equal(pools.find((p) => withoutHash(p.inputs.name) === "gpu-nvidia-tesla-a100")?.inputs.nodeConfig.machineType, "a2-highgpu-1g");
    const qwen = ofType("kubernetes:apps/v1:Deployment").find((d) => d.inputs.metadata.name === "vllm-qwen2-5-14b-instruct");
    assert.deepEqual(qwen?.inputs.spec.template.spec.nodeSelector, { "cloud.google.com/gke-accelerator": "nvidia-tesla-a100" });
    assert.equal(ofType("multi-model-inference:index:GpuNodePool").length, 2);
});

test("the token and the API keys reach the cluster only as their Secrets, and the outputs describe the models", () => {
    // Besides the metrics reader's service-account token, which Kubernetes fills in.
    const secrets = ofType("kubernetes:core/v1:Secret").filter((s) => s.inputs.type !== "kubernetes.io/service-account-token");
    assert.deepEqual(secrets.map((s) => s.inputs.metadata.name).sort(), ["api-keys", "hf-token"]);
    const elsewhere = run.resources.filter((r) => r.type !== "kubernetes:core/v1:Secret");
    assert.equal(JSON.stringify(elsewhere).includes(EXAMPLE_API_KEY) || JSON.stringify(elsewhere).includes(OLDER_API_KEY), false);
    assert.equal(JSON.stringify(run.outputs).includes("hf_example_token"), false);
    assert.equal(JSON.stringify(run.outputs).includes(EXAMPLE_API_KEY), false);
    assert.equal(run.outputs.apiKeysRequired, true);
    assert.deepEqual(
        run.outputs.models.map((m: { name: string; nodePool: string }) => [m.name, m.nodePool.replace(/-[0-9a-f]{6}$/, "")]),
        [
            ["meta-llama/Llama-3.1-8B-Instruct", "gpu-nvidia-l4"],
            ["microsoft/Phi-4-mini-instruct", "gpu-nvidia-l4"],
            ["Qwen/Qwen2.5-14B-Instruct", "gpu-nvidia-tesla-a100"],
        ],
    );
    assert.deepEqual(
        run.outputs.nodePools.map((p: { name: string }) => p.name.replace(/-[0-9a-f]{6}$/, "")),
        ["gpu-nvidia-l4", "gpu-nvidia-tesla-a100"],
    );
    assert.ok(run.outputs.estimatedGpuCost.min.onDemandHourly > 0);
});
