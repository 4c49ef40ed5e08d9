/**
 * The shape of a release line: what one release of the Gateway API Inference Extension ships and
 * what its two charts read and render, as read at its tag (see `releaseLines.ts`). A line whose
 * charts live elsewhere (the llm-d router and payload processor, once both are released) is one
 * more description of this shape, with its own chart references.
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
    /** OCI reference of the published chart. */
    chart: string;
    /** The chart's directory in the repository. */
    chartDir: string;
    /** File under `facts/` listing every `.Values` path the chart's templates
     * read at the tag (extracted with `tools/chartReads.ts`); the tests check
     * `valuesSchema` and every value the program sets against it. */
    valuesReadFile: string;
    /** What the merged values (the program's and config's `values`) may hold: exactly the paths
     * the templates read, each with its shape, such as the EPP's `flags` (a list of
     * `{name, value}` at v1.0.0, a map from v1.2.0). */
    valuesSchema: z.ZodType;
    /** Paths the templates read only in a branch the program never takes, so Helm would ignore
     * them (or that break the render); refused, with the reason. */
    unreachablePaths: Record<string, string>;
    /** Flags the chart's template passes its container itself: a `flags` entry of the same name
     * is refused (pflag keeps the last, so a second `--pool-name` would redirect the EPP). */
    chartFlags: readonly string[];
}

/** How the Body-Based Router maps an adapter's name to its base model (from v1.3.0): it reads
 * ConfigMaps with a label in its own namespace and sets a second header on every request that
 * names a model. */
export interface BaseModelRouting {
    /** The header BBR sets to the base model's name. */
    header: string;
    /** The label key of the ConfigMaps BBR reads. */
    configMapLabelKey: string;
    /** That label's value. */
    configMapLabelValue: string;
    /** The ConfigMap data key holding the base model's name. */
    baseModelKey: string;
    /** The data key holding the adapters, a YAML list of names. */
    adaptersKey: string;
    /** What BBR sets the header to for a name no ConfigMap lists. */
    unknownModel: string;
}

/** The body-based-routing chart of a release. */
export interface BodyBasedRoutingLine extends ChartLine {
    /** Whether the chart gives BBR the rights its authenticated `/metrics` needs (creating
     * TokenReviews and SubjectAccessReviews): only then can a scrape succeed. */
    metricsAuthorizedByChart: boolean;
    /** Base-model routing, where BBR does it; undefined where it sets only the model header. */
    baseModelRouting?: BaseModelRouting;
    /** The chart providers (`provider.name`) whose objects read `inferenceGateway.name`, the
     * Gateway they hook BBR into: the program sets it only for these, as Helm ignores it for others. */
    gatewayNameProviders: readonly string[];
}

/** How each Endpoint Picker's `/metrics` is scraped for one chart provider: by exactly one
 * monitor, the chart's or the program's. */
export interface EndpointPickerMetrics {
    /** Values the program sets for it, by dotted path. */
    values: Record<string, unknown>;
    /** Who renders the monitor: the chart, or the program (a PodMonitoring per EPP). */
    monitor: "chart" | "program";
    /** With the program's monitor: `/metrics` needs the metrics reader's token (the chart lets the
     * EPP review tokens); false where the values turn the EPP's metrics authentication off. */
    authenticated?: boolean;
    /** With the chart's monitor: values paths of the Secret whose token it scrapes with, where
     * the program's metrics reader provides it; undefined where the chart makes its own reader. */
    tokenSecret?: { namePath: string; namespacePath: string };
    /** With the chart's monitor: values path of its scrape interval, if it has one. */
    intervalPath?: string;
}

/** What the inferencepool chart renders for one of its `provider.name` values. */
export interface PoolProviderObjects {
    /** Values path of the port the provider's health check probes the model servers on, where it
     * is not the pool's target port. */
    healthCheckPortPath?: string;
    /** The backend request timeout the chart sets on the pool, in seconds (GKE's
     * `GCPBackendPolicy`); a route need not carry one. */
    backendTimeoutSeconds?: number;
    /** How the EPP's metrics are scraped with this provider. */
    endpointPickerMetrics: EndpointPickerMetrics;
    /** The chart renders the Istio DestinationRule `<release>-epp` that originates TLS to the
     * EPP, so the program must not make a second one. */
    endpointPickerDestinationRule?: boolean;
}

/** CPU and memory a pod requests. */
export interface ResourceRequests {
    /** vCPUs. */
    cpu: number;
    /** Memory in GiB. */
    memoryGiB: number;
}

/** The inferencepool chart of a release: one InferencePool and its Endpoint Picker. */
export interface InferencePoolLine extends ChartLine {
    /** Values path of a v1 pool's target ports, a list of `{number}`. */
    targetPortsPath: string;
    /** How long a release name may be before the chart cuts it in the EPP's name
     * (`<release>-epp`). */
    endpointPickerNameLimit: number;
    /** The shape of `inferenceExtension.flags`: `list` of `{name, value}`, or `map`. */
    flagsShape: "list" | "map";
    /** What the EPP requests by default, and the values path that overrides it; undefined
     * where the chart sets no requests. */
    endpointPickerResources?: { requests: ResourceRequests; valuesPath: string };
    /** What the chart renders per `provider.name`, beyond the pool and EPP; `none` renders nothing. */
    providers: { none: PoolProviderObjects } & Record<string, PoolProviderObjects>;
}

/** How model servers load LoRA adapters at runtime. A const object so the cross-language schema
 * gets an enum. */
export const AdapterLoadingKind = {
    /** The upstream syncer sidecar (`tools/dynamic-lora-sidecar`), which calls vLLM's load and
     * unload endpoints. */
    Syncer: "syncer",
    /** vLLM's filesystem resolver, reading the directory the program's fetcher fills (the syncer
     * is gone). */
    Resolver: "resolver",
} as const;

/** A way of loading adapters (see the const of the same name). */
export type AdapterLoadingKind = (typeof AdapterLoadingKind)[keyof typeof AdapterLoadingKind];

/** How a line's model servers load LoRA adapters at runtime. */
export interface AdapterLoading {
    /** The syncer or vLLM's resolver. */
    kind: AdapterLoadingKind;
    /** The syncer's image, with `syncer`. */
    syncerImage?: string;
}

/** One release line: the CRDs and both charts at one tag, and what serves with them. */
export interface ReleaseLine {
    /** The tag, which is also both charts' version, e.g. `v1.0.0`. */
    version: string;
    /** Where every fact of this line was read. */
    source: UpstreamSource;
    /** The release asset with the InferencePool CRDs (`releases/download/<tag>/<asset>`). */
    crdAsset: string;
    /** The API versions of InferencePool that asset installs; the program creates `v1` pools. */
    poolApiVersions: string[];
    /** The inferencepool chart. */
    inferencePool: InferencePoolLine;
    /** The body-based-routing chart. */
    bodyBasedRouting: BodyBasedRoutingLine;
    /** How adapters are loaded with this line. */
    adapterLoading: AdapterLoading;
    /** The vLLM release this line is served with by default (see `vllmReleases.ts`). */
    vllmTag: string;
    /** vLLM arguments that make the line's vLLM export every metric the line's EPP scrapes by
     * default (facts/epp-model-server-metrics.json), where one is hidden. */
    vllmMetricArgs: string[];
}
