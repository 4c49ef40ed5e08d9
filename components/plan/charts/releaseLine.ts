/**
 * The shape of a release line: what one release of the Gateway API Inference Extension ships and
 * what its two charts read and render, as read at its tag (see `releaseLines.ts`).
 */
import type { z } from "zod";

/** Where a release line's facts were read. */
export interface UpstreamSource {
    /** GitHub repository. */
    repository: string;
    /** The tag. */
    tag: string;
    /** The commit the tag points to. */
    commit: string;
}

/** What one chart of a release reads and renders. */
export interface ChartLine {
    /** The chart's directory in the repository. */
    chartDir: string;
    /** File under `components/plan/charts/` listing every `.Values` path the chart's templates
     * read at the tag (extracted with `tools/chartValuesRead.ts`); the tests check
     * `valuesSchema` and every value the program sets against it. */
    valuesReadFile: string;
    /** What the merged values (the program's and config's `values`) may hold: exactly the paths
     * the templates read, each with its shape, such as the EPP's `flags` (a list of
     * `{name, value}` at v1.0.0, a map from v1.2.0). */
    valuesSchema: z.ZodType;
    /** Paths the templates read only in a branch the program never takes, so Helm would ignore
     * them; refused, with the reason. */
    unreachablePaths: Record<string, string>;
    /** Whether the chart gives the component the rights its authenticated `/metrics` needs
     * (creating TokenReviews and SubjectAccessReviews): only then can a scrape succeed. */
    metricsAuthorizedByChart: boolean;
}

/** The Endpoint Picker's metrics monitor that the inferencepool chart renders itself, scraping
 * with the bearer token of a Secret that the values name. */
export interface ChartEndpointPickerMonitor {
    /** Values path of that Secret's name. */
    secretNamePath: string;
    /** Values path of that Secret's namespace. */
    secretNamespacePath: string;
}

/** What the inferencepool chart renders for one of its `provider.name` values. */
export interface PoolProviderObjects {
    /** Values path of the port the provider's health check probes the model servers on. */
    healthCheckPortPath?: string;
    /** The backend request timeout the chart sets on the pool, in seconds (GKE's
     * `GCPBackendPolicy`); a route need not carry one. */
    backendTimeoutSeconds?: number;
    /** The EPP metrics monitor the chart always renders for this provider. */
    endpointPickerMonitor?: ChartEndpointPickerMonitor;
}

/** The inferencepool chart of a release: one InferencePool and its Endpoint Picker. */
export interface InferencePoolLine extends ChartLine {
    /** Values path of a v1 pool's target ports, a list of `{number}`. */
    targetPortsPath: string;
    /** How long a release name may be before the chart cuts it in the EPP's name
     * (`<release>-epp`, also the name of its cluster-scoped ClusterRole and ClusterRoleBinding). */
    endpointPickerNameLimit: number;
    /** What the chart renders per `provider.name`, beyond the pool and EPP; `none` renders nothing. */
    providers: { none: PoolProviderObjects } & Record<string, PoolProviderObjects>;
}

/** One release line: the CRDs and both charts at one tag. */
export interface ReleaseLine {
    /** The tag, which is also both charts' version, e.g. `v1.0.0`. */
    version: string;
    /** Where every fact of this line was read. */
    source: UpstreamSource;
    /** The release asset with the InferencePool CRDs (`releases/download/<tag>/<asset>`). */
    crdAsset: string;
    /** The inferencepool chart. */
    inferencePool: InferencePoolLine;
    /** The body-based-routing chart. */
    bodyBasedRouting: ChartLine;
}
