/**
 * The two inference extension charts and the values of their releases. Helm silently ignores a
 * key the chart does not read, so every value we set, and every extra value config adds, is
 * checked against the values schema of that chart at that version, which accepts exactly the
 * paths its templates read (see `releaseLines.ts`); a version we have not read is refused unless
 * config passes `rawValues`, which skip the check knowingly.
 */
import type { z } from "zod";
import { ConfigProblem, problemsFromZod } from "../config/configErrors";
import type { ParsedServingConfig } from "../config/configSchema";
import type { ChartConfig, ChartValues } from "../config/servingConfig";
import type { BodyBasedRoutingLine, ChartLine, InferencePoolLine, PoolProviderObjects } from "../catalogs/charts/releaseLine";
import type { GatewayProviderProfile } from "../catalogs/gatewayProviders";
import { BODY_BASED_ROUTER_RELEASE } from "../names";
import { KNOWN_RELEASE_VERSIONS, RELEASE_LINES, chartReference, describingLine, releaseLine } from "../catalogs/releaseLines";
import { RELEASE_V1_0_0 } from "../catalogs/charts/v1.0.0";

/** A chart the program installs, with the values schemas of the versions we have read. */
export interface ChartDescription {
    /** OCI chart reference. */
    chart: string;
    /** Values schema by chart version. */
    valuesSchemas: Record<string, z.ZodType>;
}

const schemasOf = (key: "inferencePool" | "bodyBasedRouting") =>
    Object.fromEntries(Object.values(RELEASE_LINES).map((line) => [line.version, line[key].valuesSchema]));

/** The charts, by their key under `charts` in config: the default line's references (every line
 * we have read publishes at the same ones), with each line's values schema. */
export const INFERENCE_CHARTS = {
    inferencePool: { chart: RELEASE_V1_0_0.inferencePool.chart, valuesSchemas: schemasOf("inferencePool") },
    bodyBasedRouting: { chart: RELEASE_V1_0_0.bodyBasedRouting.chart, valuesSchemas: schemasOf("bodyBasedRouting") },
} as const satisfies Record<string, ChartDescription>;

/** A chart key under `charts`. */
export type ChartKey = keyof typeof INFERENCE_CHARTS;

/** What the program itself sets on an inferencepool release. */
export interface InferencePoolValueInputs {
    /** Labels that select exactly this model's pods. */
    matchLabels: Record<string, string>;
    /** The model servers' port. */
    targetPort: number;
    /** The chart's `provider.name`: one of the line's providers (see {@link poolChartProvider}). */
    provider: string;
    /** The Secret whose token a monitor the chart renders itself scrapes with, where it reads one. */
    metricsTokenSecret: { name: string; namespace: string };
    /** How often a monitor the chart renders itself scrapes, where it has a setting for it. */
    scrapeInterval: string;
}

/** The inferencepool chart's `provider.name` for a gateway provider: the profile's, where the
 * chart line renders something for it (Istio's DestinationRule only from v1.0.1), else `none`. */
export function poolChartProvider(line: InferencePoolLine, provider: GatewayProviderProfile): string {
    return Object.hasOwn(line.providers, provider.inferencePoolChartProvider) ? provider.inferencePoolChartProvider : "none";
}

/** Sets `value` at the dotted `path` of `values`, making the maps on the way. */
function setPath(values: Record<string, unknown>, path: string, value: unknown): void {
    const keys = path.split(".");
    let current = values;
    for (const key of keys.slice(0, -1)) {
        if (!isPlainObject(current[key])) current[key] = {};
        current = current[key] as Record<string, unknown>;
    }
    current[keys[keys.length - 1]] = value;
}

/**
 * The values the program sets on an inferencepool release of chart line `line`: the pods it
 * selects, the port a v1 pool targets, the provider, what the objects the chart renders for that
 * provider read (the health check's port), and what gives each EPP exactly one working monitor
 * (the chart's, with its token and interval, or the program's).
 */
export function inferencePoolValues(line: InferencePoolLine, inputs: InferencePoolValueInputs): Record<string, unknown> {
    // templates/inferencepool.yaml and templates/_validations.tpl: `inferencePool.modelServers.matchLabels`
    // is required; templates/gke.yaml tests `provider.name` (same paths at every version we read).
    const values: Record<string, unknown> = {
        inferencePool: { modelServers: { matchLabels: { ...inputs.matchLabels } } },
        provider: { name: inputs.provider },
    };
    setPath(values, line.targetPortsPath, [{ number: inputs.targetPort }]);
    const objects = line.providers[inputs.provider] ?? line.providers.none;
    if (objects.healthCheckPortPath !== undefined) setPath(values, objects.healthCheckPortPath, inputs.targetPort);
    const metrics = objects.endpointPickerMetrics;
    for (const [path, value] of Object.entries(metrics.values)) setPath(values, path, value);
    if (metrics.tokenSecret !== undefined) {
        setPath(values, metrics.tokenSecret.namePath, inputs.metricsTokenSecret.name);
        setPath(values, metrics.tokenSecret.namespacePath, inputs.metricsTokenSecret.namespace);
    }
    if (metrics.intervalPath !== undefined) setPath(values, metrics.intervalPath, inputs.scrapeInterval);
    return values;
}

/** The values the program sets on the body-based-routing release of chart line `line`: the
 * Gateway's name only where that provider's objects read it. */
export function bodyBasedRoutingValues(line: BodyBasedRoutingLine, provider: "gke" | "istio" | "none", gatewayName: string): Record<string, unknown> {
    return {
        bbr: { name: BODY_BASED_ROUTER_RELEASE },
        provider: { name: provider },
        ...(line.gatewayNameProviders.includes(provider) ? { inferenceGateway: { name: gatewayName } } : {}),
    };
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
    return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** Merges `over` into `base` the way Helm merges values files: maps merge, everything else
 * replaces. */
export function mergeValues(base: Record<string, unknown>, over: Record<string, unknown>): Record<string, unknown> {
    const merged: Record<string, unknown> = { ...base };
    for (const [key, value] of Object.entries(over)) {
        const current = merged[key];
        merged[key] = isPlainObject(current) && isPlainObject(value) ? mergeValues(current, value) : value;
    }
    return merged;
}

/** Paths in `extra` that would replace a value the program sets in `program`. */
export function overriddenPaths(program: Record<string, unknown>, extra: Record<string, unknown>, prefix = ""): string[] {
    return Object.entries(extra).flatMap(([key, value]) => {
        if (!(key in program)) return [];
        const current = program[key];
        const path = `${prefix}${key}`;
        return isPlainObject(current) && isPlainObject(value) ? overriddenPaths(current, value, `${path}.`) : [path];
    });
}

/**
 * The values of one release: the program's values with config's `values` merged over them and
 * checked against the chart version's schema, then `rawValues` merged unchecked. Problems name
 * the config key, e.g. `charts.inferencePool.values.inferencePool.replicsa`.
 */
export function chartValues(
    key: ChartKey,
    config: Required<Pick<ChartConfig, "version">> & ChartConfig,
    programValues: Record<string, unknown>,
): { values: Record<string, unknown>; problems: ConfigProblem[] } {
    const overridden = [
        ...overriddenPaths(programValues, config.values ?? {}).map((p) => `charts.${key}.values.${p}`),
        ...overriddenPaths(programValues, config.rawValues ?? {}).map((p) => `charts.${key}.rawValues.${p}`),
    ].map((path) => ({
        path,
        message: "is set by the program (selectors, ports, provider and gateway must agree end to end); set it through the stack config instead",
    }));
    if (overridden.length > 0) return { values: programValues, problems: overridden };
    const line = releaseLine(config.version)?.[key];
    const checked = mergeValues(programValues, config.values ?? {});
    const values = mergeValues(checked, config.rawValues ?? {});
    if (line === undefined) {
        if (config.rawValues !== undefined) return { values, problems: [] };
        return {
            values,
            problems: [
                {
                    path: `charts.${key}.version`,
                    message:
                        `got ${JSON.stringify(config.version)}; there is no values schema for this chart version ` +
                        `(known: ${KNOWN_RELEASE_VERSIONS.join(", ")}). Use a known version, or pass ` +
                        `charts.${key}.rawValues to set values without checks at your own risk.`,
                },
            ],
        };
    }
    const provider = String((programValues["provider"] as { name?: unknown } | undefined)?.name ?? "none");
    // The program never sets an unread path (test/releaseLines.test.ts); config may not either.
    const unreachable = Object.entries(unreadPaths(line, provider))
        .filter(([path]) => hasPath(config.values ?? {}, path))
        .map(([path, reason]) => ({ path: `charts.${key}.values.${path}`, message: `${reason} (chart ${key} ${config.version})` }));
    const result = line.valuesSchema.safeParse(checked);
    const invalid = result.success
        ? []
        : problemsFromZod(line.valuesSchema, checked, result.error.issues).map((p) => ({
              path: `charts.${key}.values.${p.path}`,
              message: `${p.message} (chart ${key} ${config.version})`,
          }));
    return { values, problems: [...unreachable, ...invalid] };
}

/** The values paths of `provider`'s objects in an inferencepool chart line. */
function providerPaths(objects: PoolProviderObjects): string[] {
    const secret = objects.endpointPickerMetrics.tokenSecret;
    return [objects.healthCheckPortPath, secret?.namePath, secret?.namespacePath].filter((p): p is string => p !== undefined);
}

/** Paths a chart line's templates read that Helm would ignore for the chart provider `provider`
 * (`provider.name`), with the reason: those read only in a branch the program never takes, and
 * those read only by the objects the chart renders for another provider. */
export function unreadPaths(line: ChartLine | InferencePoolLine, provider: string): Record<string, string> {
    const unread = { ...line.unreachablePaths };
    if (!("providers" in line)) return unread;
    const own = new Set(providerPaths(line.providers[provider] ?? line.providers.none));
    for (const [other, objects] of Object.entries(line.providers)) {
        for (const path of providerPaths(objects).filter((p) => !own.has(p))) {
            unread[path] =
                `is read only by what the chart renders for provider.name ${other}; this stack gives the chart provider.name ${provider}, so Helm would ignore it`;
        }
    }
    return unread;
}

/** True when the dotted `path` holds a value in `values`. */
function hasPath(values: Record<string, unknown>, path: string): boolean {
    let current: unknown = values;
    for (const key of path.split(".")) {
        if (!isPlainObject(current) || !(key in current)) return false;
        current = current[key];
    }
    return true;
}

/** A chart release's reference. */
export interface PlannedChart {
    /** OCI chart reference, or a packaged chart's path. */
    chart: string;
    /** Chart version; none for a packaged chart's path. */
    version?: string;
}

/** A chart release's reference and its checked values. */
export interface PlannedChartRelease extends PlannedChart {
    /** Values of the release. */
    values: ChartValues;
}

/** The body-based-routing release: its chart, version and checked values. */
export function planBodyBasedRouting(
    config: ParsedServingConfig,
    provider: GatewayProviderProfile,
): { release: PlannedChartRelease; problems: ConfigProblem[] } {
    const line = describingLine(config.charts.bodyBasedRouting.version).bodyBasedRouting;
    const bbr = chartValues(
        "bodyBasedRouting",
        config.charts.bodyBasedRouting,
        bodyBasedRoutingValues(line, provider.bodyBasedRoutingChartProvider, config.gatewayName),
    );
    const upstream = line.chart;
    return {
        release: { ...chartReference(upstream, config.charts.bodyBasedRouting.version, config.charts.source), values: bbr.values },
        problems: bbr.problems,
    };
}
