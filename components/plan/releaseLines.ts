/**
 * What each release of the Gateway API Inference Extension ships and what its two charts do, as
 * data read at the release's tag: one description per release line, keyed by version, so that a
 * new chart version is a new description (`charts/<version>.ts` and the values-read data beside
 * it) rather than code in the components. Every fact carries its tag and file.
 */
import type { ReleaseLine } from "./charts/releaseLine";
import { RELEASE_V1_0_0 } from "./charts/v1.0.0";

/** The release lines we have read, by version, oldest first. */
export const RELEASE_LINES: Readonly<Record<string, ReleaseLine>> = {
    [RELEASE_V1_0_0.version]: RELEASE_V1_0_0,
};

/** The versions of {@link RELEASE_LINES}, for messages. */
export const KNOWN_RELEASE_VERSIONS = Object.keys(RELEASE_LINES);

/** The release line of `version`, or undefined for a version we have not read. */
export function releaseLine(version: string): ReleaseLine | undefined {
    return Object.hasOwn(RELEASE_LINES, version) ? RELEASE_LINES[version] : undefined;
}

/**
 * The line whose facts describe `version`: its own, or, for a version we have not read (which
 * config may use only with `rawValues`, at its own risk), the newest line we have read.
 */
export function describingLine(version: string): ReleaseLine {
    return releaseLine(version) ?? RELEASE_LINES[KNOWN_RELEASE_VERSIONS[KNOWN_RELEASE_VERSIONS.length - 1]];
}

/** The InferencePool CRDs published with a release. */
export function inferenceCrdsUrl(version: string): string {
    const line = describingLine(version);
    return `https://github.com/${line.source.repository}/releases/download/${version}/${line.crdAsset}`;
}
