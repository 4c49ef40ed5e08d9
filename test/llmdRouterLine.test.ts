/**
 * The llm-d router read at its tag (components/catalogs/charts/llmdRouter.v0.10.0.ts): its values
 * schema accepts exactly the `.Values` paths its templates read there, every fact names a place
 * that holds what it says, and no image it names is unpinned. With LLM_D_ROUTER_GIT_DIR set to a
 * clone's git directory (or the mirror `fetch` makes), all of it is re-read from the tag itself.
 */
import assert from "node:assert/strict";
import * as path from "node:path";
import test from "node:test";
import { execFileSync } from "node:child_process";
import { INFERENCE_EXTENSION_V1_6_0, PAYLOAD_PROCESSOR, LLM_D_ROUTER_V0_10_0 as ROUTER, SourcedFact } from "../components/catalogs/charts/llmdRouter.v0.10.0";
import { commitOf, gitShow, templatesAt, valuesReadByTemplates } from "../tools/chartValuesRead";
import { leaves, passedWhole, readLeaves, schemaPaths, valuesRead } from "./helpers/valuesPaths";

const read = valuesRead(ROUTER.valuesReadFile);
const readPaths = new Set(read.paths.map((p) => p.path));

test("the values-read list was extracted at the tag the router is read at", () => {
    assert.deepEqual(
        [read.repository, read.tag, read.commit, read.chart, read.extractedBy],
        [ROUTER.source.repository, ROUTER.source.tag, ROUTER.source.commit, ROUTER.chartDir, "tools/chartValuesRead.ts"],
    );
    assert.equal(ROUTER.chartVersion, ROUTER.source.tag);
});

test("the values schema accepts exactly the paths the chart's templates read at the tag", () => {
    assert.deepEqual(leaves(schemaPaths(ROUTER.valuesSchema, passedWhole(read.paths))), readLeaves(read.paths));
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
    assert.ok(ROUTER.valuesSchema.safeParse(values).success);
    assert.ok(!ROUTER.valuesSchema.safeParse({ router: { epp: { replica: 2 } } }).success, "a misspelt key is refused");
});

test("the EPP image is pinned by the tag, never main or latest", () => {
    assert.equal(ROUTER.endpointPickerImage.tag, ROUTER.source.tag);
    assert.ok(!["main", "latest"].includes(ROUTER.endpointPickerImage.tag));
});

test("every fact names a line range of a file in the repository", () => {
    for (const { fact, readAt } of [...ROUTER.facts, ...INFERENCE_EXTENSION_V1_6_0.facts]) assert.match(readAt.lines, /^\d+(-\d+)?$/, fact);
});

/** Each fact's text is on its lines of its file at the tag. */
function assertFacts(gitDir: string, tag: string, facts: readonly SourcedFact[]): void {
    for (const { fact, readAt } of facts) {
        const [first, last = first] = readAt.lines.split("-").map(Number);
        const lines = gitShow(gitDir, tag, readAt.file)
            .split("\n")
            .slice(first - 1, last)
            .join("\n");
        assert.ok(lines.includes(readAt.text), `${readAt.file}:${readAt.lines} does not hold ${JSON.stringify(readAt.text)} (${fact})`);
    }
}

const gitDir = process.env["LLM_D_ROUTER_GIT_DIR"];
test(
    "re-read at the tag: the commit, the values-read list and every fact",
    { skip: gitDir === undefined ? "set LLM_D_ROUTER_GIT_DIR to a clone's git directory to re-read the tag" : false },
    () => {
        const tag = ROUTER.source.tag;
        assert.equal(commitOf(gitDir!, tag), ROUTER.source.commit);
        assert.deepEqual(valuesReadByTemplates(templatesAt(gitDir!, tag, ROUTER.chartDir)), read.paths);
        assertFacts(gitDir!, tag, ROUTER.facts);
        // The image the published chart names: what the release script writes on a semver tag.
        const push = gitShow(gitDir!, tag, "hack/push-chart.sh");
        assert.match(push, new RegExp(`IMAGE_REGISTRY:-${ROUTER.endpointPickerImage.registry}\\}`));
        assert.match(push, new RegExp(`EPP_RELEASE_IMAGE_REPOSITORY:-${ROUTER.endpointPickerImage.repository}\\}`));
        assert.match(push, new RegExp(`HELM_CHART_REPO:-\\$\\{IMAGE_REGISTRY\\}/charts\\}`));
        assert.equal(ROUTER.chart, `oci://${ROUTER.endpointPickerImage.registry}/charts/${path.posix.basename(ROUTER.chartDir)}`);
    },
);

const extensionGitDir = process.env["INFERENCE_EXTENSION_GIT_DIR"];
test(
    "re-read at the inference extension's v1.6.0: what it removed and what it keeps",
    { skip: extensionGitDir === undefined ? "set INFERENCE_EXTENSION_GIT_DIR to a clone's git directory to re-read the tag" : false },
    () => {
        const { source, removed, facts } = INFERENCE_EXTENSION_V1_6_0;
        assert.equal(commitOf(extensionGitDir!, source.tag), source.commit);
        const tree = (tag: string, dir: string) =>
            execFileSync("git", ["--git-dir", extensionGitDir!, "ls-tree", "--name-only", tag, `${dir}/`], { encoding: "utf8" });
        for (const dir of removed) {
            assert.notEqual(tree("v1.5.0", dir), "", `${dir} at v1.5.0`);
            assert.equal(tree(source.tag, dir), "", `${dir} at ${source.tag}`);
        }
        assertFacts(extensionGitDir!, source.tag, facts);
    },
);

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
