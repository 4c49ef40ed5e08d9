/**
 * The offline render and plan-diff, end to end (through their npm scripts, or their compiled CLIs
 * where npm would add only time): files written, every manifest valid against its published
 * schema, nothing secret, nothing half-written on a bad config, and a third model showing up as
 * exactly its own resources (a long URN shown where it differs); the summary names the provider and the release line and gives each
 * model's requests to try.
 */
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import test, { after } from "node:test";
import { parse as parseYaml } from "yaml";
import { MOCK_SECRET_VALUE } from "../tools/mockRuntime";
import { REPO_ROOT } from "../tools/repoRoot";
import type { RenderedResource } from "../tools/renderFiles";
import { Run, cli } from "./helpers/cli";
import { validateKubernetesObject } from "./helpers/kubernetesSchemas";
import { configKey, stackVariant } from "./helpers/stackConfigs";
import { curlArgvs } from "./helpers/stubCurl";

const work = fs.mkdtempSync(path.join(os.tmpdir(), "render-test-"));
after(() => fs.rmSync(work, { recursive: true, force: true }));

/** An npm script, as a user runs it. */
function npm(...args: string[]): Run {
    return spawnSync("npm", ["run", "--silent", ...args], { cwd: REPO_ROOT, encoding: "utf8" });
}

function filesUnder(dir: string): string[] {
    return fs
        .readdirSync(dir, { recursive: true, encoding: "utf8" })
        .filter((f) => fs.statSync(path.join(dir, f)).isFile())
        .sort();
}

/** The gke stack with one more model, given by name only (no `parameters`), as a config file. */
function withThirdModel(): string {
    return stackVariant("gke", "three-models", (config) => config[configKey("models")].push({ name: "Qwen/Qwen2.5-1.5B-Instruct" }));
}

for (const stack of ["gke", "istio"]) {
    test(`npm run render -- --stack ${stack}`, () => {
        const out = path.join(work, stack);
        const run = npm("render", "--", "--stack", stack, "--out", out);
        assert.equal(run.status, 0, run.stderr);
        for (const text of [
            "meta-llama/Llama-3.1-8B-Instruct",
            "microsoft/Phi-4-mini-instruct",
            "8.03B (table)",
            "1 x nvidia-l4",
            "gpu-nvidia-l4",
            "Totals: 2 models",
            "Estimated GPU cost: $1.12/h on demand",
        ]) {
            assert.ok(run.stdout.includes(text), `summary lacks ${text}:\n${run.stdout}`);
        }
        const files = filesUnder(out);
        // 11 serving objects (+2 Istio DestinationRules), 6 of the model list, a PodMonitoring per
        // model server (and per EPP on Istio, where the chart renders no monitor) and 6
        // metrics-reader objects.
        const expectedManifests = stack === "istio" ? 29 : 25;
        assert.equal(files.filter((f) => f.startsWith("manifests/")).length, expectedManifests, files.join("\n"));
        assert.deepEqual(
            files.filter((f) => f.startsWith("helm/")),
            ["helm/body-based-router.yaml", "helm/llama-3-1-8b-instruct.yaml", "helm/phi-4-mini-instruct.yaml"],
        );
        assert.deepEqual(
            files.filter((f) => f.startsWith("dashboards/")),
            ["dashboards/inference-dashboard-dashboard.json"],
        );
        assert.match(run.stdout, /Dashboard: https:\/\/console\.cloud\.google\.com\/monitoring\/dashboards\/builder\/\S+\?project=my-gcp-project/);
        for (const file of files) assert.ok(!fs.readFileSync(path.join(out, file), "utf8").includes(MOCK_SECRET_VALUE), `${file} holds the secret`);
        for (const file of files.filter((f) => f.startsWith("manifests/"))) {
            const manifest = parseYaml(fs.readFileSync(path.join(out, file), "utf8")) as Record<string, unknown>;
            assert.doesNotThrow(() => validateKubernetesObject(manifest), file);
        }
        const resources = JSON.parse(fs.readFileSync(path.join(out, "resources.json"), "utf8")) as RenderedResource[];
        assert.deepEqual(
            resources.map((r) => r.urn),
            resources.map((r) => r.urn).sort(),
        );
        for (const r of resources) assert.deepEqual(Object.keys(r), ["urn", "type", "name", "parent", "custom", "provider", "inputs", "options"]);
        const secret = resources.find((r) => r.type === "kubernetes:core/v1:Secret" && r.name === "inference-hf-token");
        assert.deepEqual(secret?.inputs["stringData"], { token: "[secret]" });
        const keys = resources.find((r) => r.type === "kubernetes:core/v1:Secret" && r.name === "inference-api-keys");
        assert.deepEqual(keys?.inputs["stringData"], { "lora-syncer": "[secret]", sha256: "[secret]", "vllm-api-keys.yaml": "[secret]" });
        assert.ok(run.stdout.includes("curl -X GET 'http://<gateway-address>/v1/models' -H 'Authorization: Bearer <api-key>'"), run.stdout);
        // The provider and the release line the stack file names, and per model the requests to
        // try, as bash hands them to curl when pasted.
        const config = (parseYaml(fs.readFileSync(path.join(REPO_ROOT, `Pulumi.${stack}.yaml`), "utf8")) as { config: Record<string, any> }).config;
        const charts = config[configKey("charts")];
        assert.match(run.stdout, new RegExp(`^Provider: ${config[configKey("provider")].name}, `, "m"));
        assert.match(
            run.stdout,
            new RegExp(
                `^Release line: inferencepool ${charts.inferencePool.version}, body-based-routing ${charts.bodyBasedRouting.version}, vllm/vllm-openai:v`,
                "m",
            ),
        );
        const tries = curlArgvs(
            "bash",
            run.stdout
                .split("Requests to try")[1]
                .split("\n")
                .filter((l) => l.startsWith("  curl ")),
        );
        const sent = tries.map((argv) => `${argv[2]} ${JSON.parse(argv[argv.indexOf("-d") + 1]).model}`);
        const names = (config[configKey("models")] as { name: string }[]).map((m) => m.name);
        assert.deepEqual(
            sent,
            names.flatMap((name) => [`http://<gateway-address>/v1/chat/completions ${name}`, `http://<gateway-address>/v1/completions ${name}`]),
        );
        const values = parseYaml(fs.readFileSync(path.join(out, "helm/llama-3-1-8b-instruct.yaml"), "utf8"));
        assert.deepEqual(values.inferencePool.modelServers.matchLabels, { app: "vllm-llama-3-1-8b-instruct" });
    });
}

test("a broken config exits non-zero, names the key and writes nothing", () => {
    const broken = path.join(work, "broken.yaml");
    fs.writeFileSync(
        broken,
        fs
            .readFileSync(path.join(REPO_ROOT, "Pulumi.gke.yaml"), "utf8")
            .replace(
                "type: nvidia-l4, count: 1 }\n      replicas: 1\n    - name: microsoft",
                "type: nvidia-l5, count: 1 }\n      replicas: 1\n    - name: microsoft",
            ),
    );
    const out = path.join(work, "broken-out");
    const run = cli("render", "--stack", "gke", "--config-file", broken, "--out", out);
    assert.notEqual(run.status, 0);
    assert.match(run.stderr, /models\[0\]\.gpu\.type: got "nvidia-l5"; allowed: nvidia-l4/);
    assert.equal(fs.existsSync(out), false);
    assert.deepEqual(
        fs.readdirSync(work).filter((f) => f.startsWith("broken-out")),
        [],
    );
});

test("plan-diff: a third model adds its own resources and changes only the node pool size, the dashboard and the model list", () => {
    const before = path.join(work, "gke-before");
    const after3 = path.join(work, "gke-three");
    assert.equal(cli("render", "--stack", "gke", "--out", before).status, 0);
    const third = cli("render", "--stack", "gke", "--config-file", withThirdModel(), "--out", after3);
    assert.equal(third.status, 0, third.stderr);
    assert.match(third.stdout, /Qwen\/Qwen2\.5-1\.5B-Instruct\s+1\.54B \(table\)/);
    const diff = npm("plan-diff", "--", before, after3);
    assert.equal(diff.status, 0, diff.stderr);
    assert.match(diff.stdout, /\*\*10 to add, 3 to change, 0 to remove, 49 unchanged\.\*\*/);
    const added = diff.stdout.split("#### Added")[1].split("####")[0];
    assert.equal(added.trim().split("\n").length, 10);
    assert.ok(
        added
            .trim()
            .split("\n")
            .every((line) => line.includes("qwen2-5-1-5b-instruct")),
        added,
    );
    const changed = diff.stdout.split("#### Changed")[1];
    assert.match(changed, /gcp:container\/nodePool:NodePool` \*\*inference-gpu-nvidia-l4-pool\*\*/);
    assert.match(changed, /gcp:monitoring\/dashboard:Dashboard` \*\*inference-dashboard-dashboard\*\*/);
    // The model list gains the name, in place.
    assert.match(changed, /kubernetes:core\/v1:ConfigMap` \*\*inference-models-configmap\*\*/);
    assert.deepEqual(
        changed
            .split("\n")
            .filter((l) => l.startsWith("  | `"))
            .map((l) => l.split("`")[1]),
        ["nodeCount", 'data["models.json"]', "dashboardJson"],
    );
    assert.ok(changed.includes("  | `nodeCount` | `2` | `3` |"), changed);
    // A URN that changes only at its end (a dependency renamed) shows where it differs.
    const renamed = path.join(work, "gke-renamed");
    fs.cpSync(before, renamed, { recursive: true });
    const resources = fs.readFileSync(path.join(renamed, "resources.json"), "utf8");
    fs.writeFileSync(
        path.join(renamed, "resources.json"),
        resources.replaceAll(
            'IAMMember::inference-gpu-nodes-container-defaultNodeServiceAccount"',
            'IAMMember::inference-gpu-nodes-container-nodeServiceAgent"',
        ),
    );
    const dependency = cli("planDiff", before, renamed)
        .stdout.split("\n")
        .find((l) => l.startsWith("  | `options.dependsOn["));
    assert.match(
        dependency ?? "",
        /^ {2}\| `options\.dependsOn\[\d\]` \| `\.\.\.[^`]*container-defaultNodeServiceAccount"` \| `\.\.\.[^`]*container-nodeServiceAgent"` \|$/,
    );
    const same = cli("planDiff", before, before);
    assert.equal(same.status, 0);
    assert.match(same.stdout, /No changes\./);
    assert.notEqual(cli("planDiff", before, path.join(work, "missing")).status, 0);
});
