/**
 * What the Gateway API Inference Extension's charts render for a release: `helm template` of the
 * chart archive of its tag, packaged from the module archive as upstream's release script does
 * (`npm run tools`, tools/local/toolchain.ts), with the release's values. A real `pulumi preview`
 * expands the charts itself; offline (under mocks) a chart renders no children, so the check adds
 * Helm's objects in their place. Objects the stack already holds (a preview's own expansion) are
 * kept as they are.
 */
import { execFileSync } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import { parseAllDocuments } from "yaml";
import { BIN_DIR, CHARTS_DIR } from "../local/cache";
import { HelmRelease, KubeObject, find, namespaceOf } from "./objects";

const CHART_NAMES = ["inferencepool", "body-based-routing"] as const;
type ChartName = (typeof CHART_NAMES)[number];
/** The object each chart is named for: a release whose own object is in the stack was expanded. */
const OWN_KIND: Record<ChartName, string> = { inferencepool: "InferencePool", "body-based-routing": "Deployment" };

/** Which of the two charts a reference names (its last path segment), if either. */
export function chartName(release: HelmRelease): ChartName | undefined {
    const last = release.chart.split("/").pop();
    return CHART_NAMES.find((name) => name === last);
}

/** The chart archive `npm run tools` laid out for a release, if it is there. */
export function chartArchive(release: HelmRelease): string | undefined {
    const chart = chartName(release);
    const archive = chart === undefined ? undefined : path.join(CHARTS_DIR, `${chart}-${release.version}.tgz`);
    return archive !== undefined && fs.existsSync(archive) && fs.existsSync(path.join(BIN_DIR, "helm")) ? archive : undefined;
}

const rendered = new Map<string, KubeObject[]>();
/** The cluster-scoped kinds the charts render. */
const CLUSTER_SCOPED = new Set(["ClusterRole", "ClusterRoleBinding", "ClusterPodMonitoring", "CustomResourceDefinition"]);

/** The objects `helm template` renders for a release, or undefined for a chart or tag whose
 * archive is not laid out (another chart, an unknown tag, or the tools not built). */
export function chartObjects(release: HelmRelease): KubeObject[] | undefined {
    const archive = chartArchive(release);
    if (archive === undefined) return undefined;
    const key = JSON.stringify([archive, release.name, release.namespace, release.values]);
    if (!rendered.has(key)) {
        const out = execFileSync(path.join(BIN_DIR, "helm"), ["template", release.name, archive, "--namespace", release.namespace, "--values", "-"], {
            input: JSON.stringify(release.values),
            encoding: "utf8",
        });
        const objects = parseAllDocuments(out)
            .map((doc) => doc.toJS() as KubeObject)
            .filter((o) => o !== null && typeof o === "object");
        // As Helm and the provider do on install: a namespaced object goes to the release's namespace.
        for (const o of objects) if (o.metadata.namespace === undefined && !CLUSTER_SCOPED.has(o.kind)) o.metadata.namespace = release.namespace;
        rendered.set(key, objects);
    }
    return rendered.get(key);
}

/** `objects` with what each release of the two charts renders added, unless the chart was
 * expanded already (a preview's own children: its InferencePool or BBR Deployment is there), and
 * then every object of it, so that one the program makes too shows twice; `unmodelled` lists their
 * releases whose chart archive is not laid out. */
export function withChartObjects(objects: readonly KubeObject[], releases: readonly HelmRelease[]): { objects: KubeObject[]; unmodelled: HelmRelease[] } {
    const all = [...objects];
    const unmodelled: HelmRelease[] = [];
    for (const release of releases) {
        if (chartName(release) === undefined) continue;
        const rendered = chartObjects(release);
        if (rendered === undefined) {
            unmodelled.push(release);
            continue;
        }
        const own = rendered.find((o) => o.kind === OWN_KIND[chartName(release) as ChartName]);
        const expanded = own !== undefined && find({ objects: all, dashboards: [] }, own.kind, namespaceOf(own), own.metadata.name) !== undefined;
        if (!expanded) all.push(...rendered);
    }
    return { objects: all, unmodelled };
}
