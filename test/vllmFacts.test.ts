/**
 * The vLLM facts the program is checked against (facts/vllm@<tag>.json for the
 * environment, components/catalogs/vllmFlags.ts for the flags, facts/ for the
 * metrics, read from vllm-project/vllm at each pinned tag): each names the tag and commit of its
 * release, and the flags, environment variables and metrics the program uses, every metric of the
 * committed lists and every part of the memory rule (components/catalogs/vllmMemory.ts) on the line
 * it cites, are found again in PyPI's source archive of that release (unpacked by npm run tools),
 * or, with VLLM_GIT_DIR set to a clone's git directory (a fork that carries the upstream tags will
 * do), at the tag there, whose commit is checked too.
 */
import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import test from "node:test";
import { RELEASE_LINES, VLLM_RELEASES, modelCharts, planServing, vllmDeployment } from "../components";
import { VLLM_OPTIONS } from "../components/catalogs/vllmFlags";
import { UpstreamMetric, VLLM_ADMIN_PATHS, metricListOf } from "../tools/consistency/upstreamFacts";
import { pypiSourceDir } from "../tools/local/packagedPrograms";
import { toolsNotBuilt } from "../tools/local/toolchain";
import versions from "../tools/local/versions.json";
import { REPO_ROOT } from "../tools/repoRoot";
import { SourceTree, dirTree, linesOf, sourceAt } from "../tools/upstreamSource";
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
const VLLM_SOURCES = Object.entries(versions.pypiSources).filter(([, source]) => source.package === "vllm");
/** vLLM at `tag`: PyPI's source archive of that release, or the tag in the clone VLLM_GIT_DIR names (made from `commit`). */
function vllmAt(tag: string, commit: string): SourceTree {
    return sourceAt("VLLM_GIT_DIR", tag, commit, "vLLM", () => {
        const source = VLLM_SOURCES.find(([, s]) => `v${s.version}` === tag);
        if (source === undefined) throw new Error(`no PyPI source archive of vLLM ${tag} in tools/local/versions.json pypiSources`);
        return dirTree(pypiSourceDir(source[0] as keyof typeof versions.pypiSources));
    });
}
/** Whether `text` is in a file of `tree` at or below one of `paths` (each file read once, when first searched). */
function searcher(tree: SourceTree): (text: string, ...paths: string[]) => boolean {
    const all = tree.list("vllm");
    const read = new Map<string, string>();
    const text = (file: string) => read.get(file) ?? read.set(file, tree.read(file)).get(file)!;
    return (needle, ...paths) => all.some((file) => paths.some((p) => file === p || file.startsWith(`${p}/`)) && text(file).includes(needle));
}
const sourcesMissing = gitDir === undefined ? toolsNotBuilt(VLLM_SOURCES.map(([name]) => name)) : undefined;

test("each release read again: vLLM's source has every flag, variable and metric the program uses", { skip: sourcesMissing }, () => {
    for (const line of Object.values(RELEASE_LINES)) {
        const release = VLLM_RELEASES[line.vllmTag];
        const tree = vllmAt(release.tag, release.commit);
        const found = searcher(tree);
        const used = usedAt(line.version);
        for (const flag of [...used.flags, "--api-key"]) {
            // Flags are dataclass fields or explicit add_argument calls.
            const field = flag.slice(2).replace(/-/g, "_");
            assert.ok(
                found(field, "vllm/engine/arg_utils.py", "vllm/entrypoints/openai/cli_args.py", "vllm/config") || found(`"${flag}"`, "vllm"),
                `${flag} at ${release.tag}`,
            );
        }
        for (const name of used.env.filter((n) => !(n in release.libraryEnv))) assert.ok(found(`"${name}"`, "vllm/envs.py"), `${name} at ${release.tag}`);
        for (const metric of used.metrics) assert.ok(found(`"${metric}"`, "vllm/v1/metrics"), `${metric} at ${release.tag}`);
        // The committed metric list (facts/): each name on the line it cites.
        const list = metricListOf("vllm/vllm-openai", release.tag).list!;
        for (const metric of list.metrics as (UpstreamMetric & { file: string; line: number })[]) {
            assert.match(
                linesOf(tree, metric.file, metric.line),
                new RegExp(`"${metric.name}"`),
                `${metric.name} at ${metric.file}:${metric.line}, ${release.tag}`,
            );
        }
    }
    // The administration paths the consistency check keeps off the model routes, on the lines cited,
    // registered only under the variable named; the API key check covers every path under /v1.
    for (const fact of VLLM_ADMIN_PATHS) {
        const tree = vllmAt(fact.tag, fact.commit);
        const source = tree.read(fact.file);
        for (const { path, line } of fact.paths)
            assert.ok(linesOf(tree, fact.file, line).includes(`"${path}"`), `${path} at ${fact.file}:${line}, ${fact.tag}`);
        assert.ok(source.includes(`envs.${fact.enabledBy}`), `${fact.enabledBy} in ${fact.file} at ${fact.tag}`);
    }
});

test("each release read again: each part of vLLM's memory rule is on the line it cites", { skip: sourcesMissing }, () => {
    for (const release of Object.values(VLLM_RELEASES)) {
        const facts = JSON.parse(fs.readFileSync(path.join(FACTS_DIR, release.factsFile), "utf8")) as {
            memory: { citations: { fact: string; file: string; line: number; text: string }[] };
        };
        const tree = vllmAt(release.tag, release.commit);
        for (const { fact, file, line, text } of facts.memory.citations) {
            const cited = linesOf(tree, file, line);
            assert.ok(cited.includes(text), `${fact}: ${file}:${line} at ${release.tag} reads ${JSON.stringify(cited)}`);
        }
    }
});
