/**
 * The vLLM facts the program is checked against (facts/vllm@<tag>.json for the
 * environment, components/catalogs/vllmFlags.ts for the flags, facts/ for the
 * metrics, read from vllm-project/vllm at each pinned tag): each names the tag and commit of its
 * release, and with VLLM_GIT_DIR set to a clone's git directory (a fork that carries the upstream
 * tags will do), the flags, environment variables and metrics the program uses, every metric of
 * the committed lists and every part of the memory rule (components/catalogs/vllmMemory.ts) on the line
 * it cites, are found again in the source at the tag.
 */
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import test from "node:test";
import { RELEASE_LINES, VLLM_RELEASES, modelCharts, planServing, vllmDeployment } from "../components";
import { VLLM_OPTIONS } from "../components/catalogs/vllmFlags";
import { UpstreamMetric, VLLM_ADMIN_PATHS, metricListOf } from "../tools/consistency/upstreamFacts";
import { REPO_ROOT } from "../tools/repoRoot";
import { NETWORK_POLICY } from "./helpers/plannedModels";

const FACTS_DIR = path.join(REPO_ROOT, "facts");

/** What a line's model server passes and sets, from the builders: a model with adapters and keys. */
function usedAt(version: string) {
    const model = planServing({
        cluster: { project: "my-gcp-project", location: "us-central1-a", name: "c" },
        networkPolicy: NETWORK_POLICY,
        charts: { inferencePool: { version } },
        models: [{ name: "meta-llama/Llama-3.1-8B-Instruct", adapters: [{ name: "a", source: "org/a" }], lora: { maxCpuLoras: 4 } }],
    }).models[0];

    const vllm = (vllmDeployment({ model, namespace: "ns", image: "x:y", apiKeys: { version: "1" } }) as any).spec.template.spec.containers[0];
    const charts = modelCharts({ name: "m", job: "j", deployment: "d" }, "c", "ns");
    return {
        flags: (vllm.args as string[]).filter((a) => a.startsWith("--")),
        env: (vllm.env as { name: string }[]).map((e) => e.name),
        metrics: [
            ...new Set(
                JSON.stringify(charts)
                    .match(/vllm:[a-z_]+/g)!
                    .map((m) => m.replace(/_(total|bucket|sum|count)$/, "")),
            ),
        ],
    };
}

test("each vLLM facts file is of the release it is named for, and every line's vLLM has one", () => {
    for (const release of Object.values(VLLM_RELEASES)) {
        const facts = JSON.parse(fs.readFileSync(path.join(FACTS_DIR, release.factsFile), "utf8")) as { repository: string; tag: string; commit: string };
        assert.deepEqual([facts.repository, facts.tag, facts.commit], ["vllm-project/vllm", release.tag, release.commit]);
        const options = VLLM_OPTIONS[release.tag];
        assert.deepEqual([options.tag, options.commit], [release.tag, release.commit]);
        assert.ok(options.long.length > 200);
        assert.equal(release.image, `vllm/vllm-openai:${release.tag}`);
    }
    for (const line of Object.values(RELEASE_LINES)) assert.ok(VLLM_RELEASES[line.vllmTag], line.version);
});

const gitDir = process.env["VLLM_GIT_DIR"];
test(
    "re-read at the tag: vLLM's source has every flag, variable and metric the program uses",
    { skip: gitDir === undefined ? "set VLLM_GIT_DIR to a clone's git directory to re-read the tags" : false },
    () => {
        const git = (...args: string[]) => execFileSync("git", ["--git-dir", gitDir!, ...args], { encoding: "utf8", maxBuffer: 64 * 1024 * 1024 });
        const found = (tag: string, text: string, ...paths: string[]) => {
            try {
                git("grep", "-q", "-F", text, tag, "--", ...paths);
                return true;
            } catch {
                return false;
            }
        };
        for (const line of Object.values(RELEASE_LINES)) {
            const release = VLLM_RELEASES[line.vllmTag];
            assert.equal(git("rev-parse", `${release.tag}^{commit}`).trim(), release.commit);
            const used = usedAt(line.version);
            for (const flag of [...used.flags, "--api-key"]) {
                // Flags are dataclass fields or explicit add_argument calls.
                const field = flag.slice(2).replace(/-/g, "_");
                assert.ok(
                    found(release.tag, field, "vllm/engine/arg_utils.py", "vllm/entrypoints/openai/cli_args.py", "vllm/config") ||
                        found(release.tag, `"${flag}"`, "vllm"),
                    `${flag} at ${release.tag}`,
                );
            }
            for (const name of used.env.filter((n) => !(n in release.libraryEnv)))
                assert.ok(found(release.tag, `"${name}"`, "vllm/envs.py"), `${name} at ${release.tag}`);
            for (const metric of used.metrics) assert.ok(found(release.tag, `"${metric}"`, "vllm/v1/metrics"), `${metric} at ${release.tag}`);
            // The committed metric list (facts/): each name on the line it cites.
            const list = metricListOf("vllm/vllm-openai", release.tag).list!;
            const files = new Map<string, string[]>();
            for (const metric of list.metrics as (UpstreamMetric & { file: string; line: number })[]) {
                if (!files.has(metric.file)) files.set(metric.file, git("show", `${release.tag}:${metric.file}`).split("\n"));
                assert.match(
                    files.get(metric.file)![metric.line - 1],
                    new RegExp(`"${metric.name}"`),
                    `${metric.name} at ${metric.file}:${metric.line}, ${release.tag}`,
                );
            }
        }
        // The administration paths the consistency check keeps off the model routes, on the lines cited,
        // registered only under the variable named; the API key check covers every path under /v1.
        for (const fact of VLLM_ADMIN_PATHS) {
            assert.equal(git("rev-parse", `${fact.tag}^{commit}`).trim(), fact.commit);
            const source = git("show", `${fact.tag}:${fact.file}`);
            const lines = source.split("\n");
            for (const { path, line } of fact.paths) assert.ok(lines[line - 1].includes(`"${path}"`), `${path} at ${fact.file}:${line}, ${fact.tag}`);
            assert.ok(source.includes(`envs.${fact.enabledBy}`), `${fact.enabledBy} in ${fact.file} at ${fact.tag}`);
        }
    },
);

test(
    "re-read at the tag: each part of vLLM's memory rule is on the line it cites",
    { skip: gitDir === undefined ? "set VLLM_GIT_DIR to a clone's git directory to re-read the tags" : false },
    () => {
        for (const release of Object.values(VLLM_RELEASES)) {
            const facts = JSON.parse(fs.readFileSync(path.join(FACTS_DIR, release.factsFile), "utf8")) as {
                memory: { citations: { fact: string; file: string; line: number; text: string }[] };
            };
            for (const { fact, file, line, text } of facts.memory.citations) {
                const lines = execFileSync("git", ["--git-dir", gitDir!, "show", `${release.tag}:${file}`], {
                    encoding: "utf8",
                    maxBuffer: 64 * 1024 * 1024,
                }).split("\n");
                assert.ok(lines[line - 1].includes(text), `${fact}: ${file}:${line} at ${release.tag} reads ${JSON.stringify(lines[line - 1])}`);
            }
        }
    },
);
