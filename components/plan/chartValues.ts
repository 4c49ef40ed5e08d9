/**
 * The two inference extension charts, with a values schema per chart version. Helm silently
 * ignores a key the chart does not read, so every value we set, and every extra value config
 * adds, is checked against the schema of that chart at that version; a version without a schema
 * is refused unless config passes `rawValues`, which skip the check knowingly.
 *
 * The schemas are written from each chart's `values.yaml` and templates at the tag
 * (kubernetes-sigs/gateway-api-inference-extension, `config/charts/<chart>/`).
 */
import { z } from "zod";
import { ConfigProblem, problemsFromZod } from "../config/configErrors";
import type { ParsedServingConfig } from "../config/configSchema";
import type { ChartConfig, ChartValues } from "../config/servingConfig";
import type { GatewayProviderProfile } from "./gatewayProviders";
import { BODY_BASED_ROUTER_RELEASE } from "./names";

const image = z.strictObject({
    name: z.string(),
    hub: z.string(),
    tag: z.string(),
    pullPolicy: z.enum(["Always", "IfNotPresent", "Never"]),
});

const inferencePoolValuesV1_0_0 = z.strictObject({
    inferenceExtension: z
        .strictObject({
            replicas: z.number().int().min(1),
            image: image.partial(),
            extProcPort: z.number().int(),
            env: z.array(z.strictObject({ name: z.string(), value: z.string() })),
            pluginsConfigFile: z.string(),
            pluginsCustomConfig: z.record(z.string(), z.string()),
            extraContainerPorts: z.array(z.record(z.string(), z.unknown())),
            extraServicePorts: z.array(z.record(z.string(), z.unknown())),
            // A list of {name, value} at v1.0.0; it became a map in later versions.
            flags: z.array(z.strictObject({ name: z.string(), value: z.union([z.string(), z.number(), z.boolean()]) })),
            affinity: z.record(z.string(), z.unknown()),
            tolerations: z.array(z.record(z.string(), z.unknown())),
            enableLeaderElection: z.boolean(),
            monitoring: z
                .strictObject({
                    interval: z.string(),
                    secret: z.strictObject({ name: z.string() }),
                    prometheus: z.strictObject({ enabled: z.boolean() }),
                    gke: z.strictObject({ enabled: z.boolean(), autopilot: z.boolean() }).partial(),
                })
                .partial(),
        })
        .partial(),
    inferencePool: z
        .strictObject({
            targetPortNumber: z.number().int().min(1).max(65535),
            modelServerType: z.enum(["vllm", "triton-tensorrt-llm"]),
            apiVersion: z.enum(["inference.networking.k8s.io/v1", "inference.networking.x-k8s.io/v1alpha2"]),
            modelServers: z.strictObject({ matchLabels: z.record(z.string(), z.string()) }),
        })
        .partial(),
    // At v1.0.0 this chart renders provider objects for GKE only.
    provider: z.strictObject({ name: z.enum(["none", "gke"]) }).partial(),
}).partial();

const bodyBasedRoutingValuesV1_0_0 = z.strictObject({
    bbr: z
        .strictObject({
            name: z.string(),
            replicas: z.number().int().min(1),
            image: image.partial(),
            port: z.number().int(),
            healthCheckPort: z.number().int(),
        })
        .partial(),
    provider: z.strictObject({ name: z.enum(["none", "gke", "istio"]) }).partial(),
    inferenceGateway: z.strictObject({ name: z.string() }).partial(),
}).partial();

/** A chart the program installs, with the values schemas of the versions we know. */
export interface ChartDescription {
    /** OCI chart reference. */
    chart: string;
    /** Values schema by chart version. */
    valuesSchemas: Record<string, z.ZodType>;
}

/** The charts, by their key under `charts` in config. */
export const INFERENCE_CHARTS = {
    inferencePool: {
        chart: "oci://registry.k8s.io/gateway-api-inference-extension/charts/inferencepool",
        valuesSchemas: { "v1.0.0": inferencePoolValuesV1_0_0 },
    },
    bodyBasedRouting: {
        chart: "oci://registry.k8s.io/gateway-api-inference-extension/charts/body-based-routing",
        valuesSchemas: { "v1.0.0": bodyBasedRoutingValuesV1_0_0 },
    },
} as const satisfies Record<string, ChartDescription>;

/** A chart key under `charts`. */
export type ChartKey = keyof typeof INFERENCE_CHARTS;

/** What the program itself sets on an inferencepool release. */
export interface InferencePoolValueInputs {
    /** Labels that select exactly this model's pods. */
    matchLabels: Record<string, string>;
    /** The model servers' port. */
    targetPort: number;
    /** The chart's `provider.name`. */
    provider: "gke" | "none";
}

/** The values the program sets on an inferencepool release. */
export function inferencePoolValues(inputs: InferencePoolValueInputs): Record<string, unknown> {
    return {
        inferencePool: {
            modelServers: { matchLabels: { ...inputs.matchLabels } },
            targetPortNumber: inputs.targetPort,
        },
        provider: { name: inputs.provider },
    };
}

/** The values the program sets on the body-based-routing release. */
export function bodyBasedRoutingValues(provider: "gke" | "istio" | "none", gatewayName: string): Record<string, unknown> {
    return { bbr: { name: BODY_BASED_ROUTER_RELEASE }, provider: { name: provider }, inferenceGateway: { name: gatewayName } };
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
    const schemas: Record<string, z.ZodType> = INFERENCE_CHARTS[key].valuesSchemas;
    const schema = schemas[config.version];
    const checked = mergeValues(programValues, config.values ?? {});
    const values = mergeValues(checked, config.rawValues ?? {});
    if (schema === undefined) {
        if (config.rawValues !== undefined) return { values, problems: [] };
        return {
            values,
            problems: [
                {
                    path: `charts.${key}.version`,
                    message:
                        `got ${JSON.stringify(config.version)}; there is no values schema for this chart version ` +
                        `(known: ${Object.keys(schemas).join(", ")}). Use a known version, or pass ` +
                        `charts.${key}.rawValues to set values without checks at your own risk.`,
                },
            ],
        };
    }
    const result = schema.safeParse(checked);
    if (result.success) return { values, problems: [] };
    const problems = problemsFromZod(schema, checked, result.error.issues).map((p) => ({
        path: `charts.${key}.values.${p.path}`,
        message: `${p.message} (chart ${key} ${config.version})`,
    }));
    return { values, problems };
}

/** A chart release's reference. */
export interface PlannedChart {
    /** OCI chart reference. */
    chart: string;
    /** Chart version. */
    version: string;
}

/** A chart release's reference and its checked values. */
export interface PlannedChartRelease extends PlannedChart {
    /** Values of the release. */
    values: ChartValues;
}

/** The inferencepool chart's own GKE monitoring would scrape every EPP a second time. */
export function checkChartMonitoring(chart: ParsedServingConfig["charts"]["inferencePool"]): ConfigProblem[] {
    return (["values", "rawValues"] as const).flatMap((key) => {
        const extension = chart[key]?.["inferenceExtension"] as { monitoring?: { gke?: { enabled?: unknown } } } | undefined;
        if (extension?.monitoring?.gke?.enabled !== true) return [];
        return [
            {
                path: `charts.inferencePool.${key}.inferenceExtension.monitoring.gke.enabled`,
                message:
                    "got true; the program already scrapes each Endpoint Picker with its own PodMonitoring, and the chart's " +
                    "ClusterPodMonitoring would collect every EPP series twice. Remove it.",
            },
        ];
    });
}

/** The body-based-routing release: its chart, version and checked values. */
export function planBodyBasedRouting(
    config: ParsedServingConfig,
    provider: GatewayProviderProfile,
): { release: PlannedChartRelease; problems: ConfigProblem[] } {
    const bbr = chartValues(
        "bodyBasedRouting",
        config.charts.bodyBasedRouting,
        bodyBasedRoutingValues(provider.bodyBasedRoutingChartProvider, config.gatewayName),
    );
    return {
        release: { chart: INFERENCE_CHARTS.bodyBasedRouting.chart, version: config.charts.bodyBasedRouting.version, values: bbr.values },
        problems: bbr.problems,
    };
}
