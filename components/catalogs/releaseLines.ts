/**
 * What each release of the Gateway API Inference Extension ships and what its two charts do, as
 * data read at the release's tag: one description per release line, keyed by version, so that a
 * new chart version is a new description (`charts/<version>.ts` and the values-read data beside
 * it) rather than code in the components. Every fact carries its tag and file.
 *
 * The llm-d line goes here too once it can: from v1.6.0 the EPP and BBR live in the llm-d project.
 * llm-d/llm-d-router is read at v0.10.0 (facts/llm-d-line.json), but
 * llm-d/llm-d-inference-payload-processor, BBR's successor, has tagged no release, so no versioned
 * chart exists for it (see docs/release-lines.md, "The llm-d line").
 */
import type { ChartSourceConfig } from "../config/servingConfig";
import type { ReleaseLine } from "./charts/releaseLine";
import { RELEASE_V1_0_0 } from "./charts/v1.0.0";
import { RELEASE_V1_0_2 } from "./charts/v1.0.2";
import { RELEASE_V1_5_0 } from "./charts/v1.5.0";
import { versionAtLeast } from "./versions";

/** The release lines we have read, by version, oldest first. */
export const RELEASE_LINES: Readonly<Record<string, ReleaseLine>> = {
    [RELEASE_V1_0_0.version]: RELEASE_V1_0_0,
    [RELEASE_V1_0_2.version]: RELEASE_V1_0_2,
    [RELEASE_V1_5_0.version]: RELEASE_V1_5_0,
};

/** The versions of {@link RELEASE_LINES}, for messages. */
export const KNOWN_RELEASE_VERSIONS = Object.keys(RELEASE_LINES);

/** The release line of `version`, or undefined for a version we have not read. */
export function releaseLine(version: string): ReleaseLine | undefined {
    return Object.hasOwn(RELEASE_LINES, version) ? RELEASE_LINES[version] : undefined;
}

/** A chart version's numbers, for ordering: `v1.5.0` → [1, 5, 0]. */
function versionNumbers(version: string): number[] {
    return (/^v(\d+)\.(\d+)\.(\d+)/.exec(version) ?? []).slice(1).map(Number);
}

/**
 * The line whose facts describe `version`: its own, or, for a version we have not read (which
 * config may use only with `rawValues`, at its own risk), the newest line we have read that is
 * not newer than it, so that no feature of a later line is assumed (the oldest for an older one).
 */
export function describingLine(version: string): ReleaseLine {
    const own = releaseLine(version);
    if (own !== undefined) return own;
    const wanted = versionNumbers(version);
    const notNewer = KNOWN_RELEASE_VERSIONS.filter((known) => versionAtLeast(wanted, versionNumbers(known)));
    return RELEASE_LINES[notNewer[notNewer.length - 1] ?? KNOWN_RELEASE_VERSIONS[0]];
}

/** The InferencePool CRDs of a release: published with it, or in `charts.source.directory`. */
export function inferenceCrdsUrl(version: string, source?: ChartSourceConfig): string {
    if (source?.directory !== undefined) return `${source.directory}/manifests-${version}.yaml`;
    const line = describingLine(version);
    return `https://github.com/${line.source.repository}/releases/download/${version}/${line.crdAsset}`;
}

/** A chart at a version: upstream's OCI reference, the same chart in a mirror registry, or its
 * packaged archive in a local directory (which carries its own version). */
export function chartReference(upstream: string, version: string, source?: ChartSourceConfig): { chart: string; version?: string } {
    const name = upstream.slice(upstream.lastIndexOf("/") + 1);
    if (source?.directory !== undefined) return { chart: `${source.directory}/${name}-${version}.tgz` };
    return { chart: source?.registry === undefined ? upstream : `${source.registry}/${name}`, version };
}
