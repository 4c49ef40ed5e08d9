/** Version numbers compared part by part, as GKE, Istio and the inference extension number their
 * releases (major, minor, patch and, for GKE, the build). */

/** True when `version` is `minimum` or later; a part `version` lacks counts as older. */
export function versionAtLeast(version: readonly number[], minimum: readonly number[]): boolean {
    const first = minimum.findIndex((n, i) => version[i] !== n);
    return first === -1 || version[first] > minimum[first];
}
