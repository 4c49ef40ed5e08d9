/**
 * Value shapes the inference extension charts share across release lines, for the values
 * schemas of `v<version>.ts`. Each says which template reads it so; a line whose templates read a
 * value differently gets its own shape.
 */
import { z } from "zod";

/** A TCP port. */
export const port = z.number().int().min(1).max(65535);

/** A ConfigMap data key (Kubernetes: `[-._a-zA-Z0-9]+`, at most 253). */
const CONFIG_MAP_KEY = /^[-._a-zA-Z0-9]{1,253}$/;

/** Kubernetes' image pull policies. */
const pullPolicy = z.enum(["Always", "IfNotPresent", "Never"]);

/** `image.{hub,name,tag}`, rendered `{hub}/{name}:{tag}` (v1.0.x epp-deployment.yaml and bbr.yaml). */
export const hubImage = z.strictObject({ name: z.string(), hub: z.string(), tag: z.string(), pullPolicy }).partial();

/** `image.{registry,repository,tag}`, rendered `{registry}/{repository}:{tag}` (v1.5.0
 * epplib/templates/_deployment.yaml and bbr.yaml). */
export const registryImage = z.strictObject({ registry: z.string(), repository: z.string(), tag: z.string(), pullPolicy }).partial();

/** A Kubernetes EnvVar: the charts pass `inferenceExtension.env` to the container whole
 * (`toYaml`), so `valueFrom` works as it does in any pod. */
export const envVar = z
    .strictObject({
        name: z.string().min(1),
        value: z.string().optional(),
        valueFrom: z
            .strictObject({
                secretKeyRef: z.record(z.string(), z.unknown()),
                configMapKeyRef: z.record(z.string(), z.unknown()),
                fieldRef: z.record(z.string(), z.unknown()),
                resourceFieldRef: z.record(z.string(), z.unknown()),
            })
            .partial()
            .optional(),
    })
    .refine((e) => e.value === undefined || e.valueFrom === undefined, "set value or valueFrom, not both");

/** The EPP's settings every line we have read reads alike under `inferenceExtension`: replicas
 * (more than one adds leader election from v1.0.1), the Service's ports (the container serves
 * metrics on 9090 whatever `metricsPort` says), env, the plugins file and extra ports. */
export const endpointPickerCommon = {
    replicas: z.number().int().min(1),
    extProcPort: port,
    metricsPort: port,
    env: z.array(envVar),
    // The EPP reads `/config/<pluginsConfigFile>` from its ConfigMap (see pluginsFileHeld),
    // whose keys Kubernetes checks.
    pluginsConfigFile: z.string(),
    pluginsCustomConfig: z.record(z.string(), z.string()).superRefine((files, ctx) =>
        Object.keys(files)
            .filter((key) => !CONFIG_MAP_KEY.test(key))
            .forEach((key) => ctx.addIssue({ code: "custom", path: [key], message: `is not a ConfigMap key: use letters, digits and - . _ (at most 253)` })),
    ),
    extraContainerPorts: z.array(z.record(z.string(), z.unknown())),
    extraServicePorts: z.array(z.record(z.string(), z.unknown())),
};

/** `inferencePool.*` on the v1.0 line (the same paths at v1.0.0 and v1.0.2): a v1 pool's target
 * ports, GKE's health-check port, the model server type, the API version (the program's routes
 * and CRDs are v1: a v1alpha2 pool is in another API group) and the pods it selects. */
export const poolSettingsV1_0 = z
    .strictObject({
        targetPorts: z.array(z.strictObject({ number: port })).min(1),
        targetPortNumber: port,
        modelServerType: z.enum(["vllm", "triton-tensorrt-llm"]),
        apiVersion: z.literal("inference.networking.k8s.io/v1"),
        modelServers: z.strictObject({ matchLabels: z.record(z.string(), z.string()) }),
    })
    .partial();

/** A flag name as the charts paste it after `--` (quoted up to v1.1, bare from v1.2): a pflag
 * name and nothing YAML would read as more (a `"`, a `: `, a line break adding arguments). */
const FLAG_NAME = /^[A-Za-z0-9][A-Za-z0-9._-]*$/;
/** A flag value goes into `"{{ value }}"`, a YAML double-quoted scalar, where `"` ends it, `\`
 * starts an escape and a line break folds into a space. */
// eslint-disable-next-line no-control-regex -- control characters are what it refuses
const FLAG_VALUE = /^[^"\\\u0000-\u001f\u007f]*$/;

/** What is wrong with one flag, or undefined: its name and value as the template pastes them,
 * and a flag the chart sets itself (pflag keeps the last, so a second `--pool-name` would make
 * the EPP watch another pool). */
function flagProblem(name: string, value: unknown, chartFlags: readonly string[]): string | undefined {
    if (!FLAG_NAME.test(name))
        return `names the flag ${JSON.stringify(name)}; a flag name is letters, digits and . _ - (the chart pastes it unescaped after --)`;
    if (chartFlags.includes(name)) return `sets --${name}, which the chart sets itself; remove it`;
    if (typeof value === "string" && !FLAG_VALUE.test(value))
        return `gives --${name} a value with a quote, backslash or control character, which the chart's "{{ value }}" cannot carry`;
    return undefined;
}

/** The EPP's flags up to v1.1: a list of `{name, value}`, each `"--<name>"` then `"<value>"`;
 * `chartFlags` are those the line's template sets itself. */
export const flagsList = (chartFlags: readonly string[]) =>
    z.array(z.strictObject({ name: z.string(), value: z.union([z.string(), z.number(), z.boolean()]) })).superRefine((flags, ctx) =>
        flags.forEach((flag, i) => {
            const message = flagProblem(flag.name, flag.value, chartFlags);
            if (message !== undefined) ctx.addIssue({ code: "custom", path: [i], message });
        }),
    );

/** The EPP's and BBR's flags from v1.2.0: a map, each entry `--<key>` then `"<value>"` as two
 * arguments. A boolean flag given `false` is set true and the `"false"` left over (pflag), so
 * the chart cannot switch one off this way: refused, pointing to the chart's own keys. */
export const flagsMap = (chartFlags: readonly string[]) =>
    z
        .record(
            z.string(),
            z.union([z.string(), z.number(), z.literal(true)], {
                error: 'must be a string, a number or true: the chart passes --<flag> and "<value>" as two arguments, so a boolean flag cannot be switched off here; use the chart\'s own key for it (e.g. inferenceExtension.monitoring.prometheus.auth.enabled)',
            }),
        )
        .superRefine((flags, ctx) =>
            Object.entries(flags).forEach(([name, value]) => {
                const message = flagProblem(name, value, chartFlags);
                if (message !== undefined) ctx.addIssue({ code: "custom", path: [name], message });
            }),
        );

/** The file the chart's EPP ConfigMap always holds (templates/epp-config.yaml at v1.0.0 and
 * v1.0.2, epplib/templates/_config.yaml at v1.5.0), beside `pluginsCustomConfig`'s entries. */
export const CHART_PLUGINS_FILE = "default-plugins.yaml";

/** Refines `inferenceExtension`: the EPP reads `/config/<pluginsConfigFile>`, which must be a
 * file its ConfigMap holds. */
export function pluginsFileHeld(extension: { pluginsConfigFile?: string; pluginsCustomConfig?: Record<string, string> }, ctx: z.RefinementCtx): void {
    const file = extension.pluginsConfigFile;
    const held = [CHART_PLUGINS_FILE, ...Object.keys(extension.pluginsCustomConfig ?? {})];
    if (file === undefined || held.includes(file)) return;
    ctx.addIssue({
        code: "custom",
        path: ["pluginsConfigFile"],
        message: `names a file the EPP's ConfigMap does not hold; it holds ${held.join(", ")} (add the file under pluginsCustomConfig)`,
    });
}

/** A subtree the chart passes to the manifest whole (`toYaml`): Kubernetes checks it. */
export const passedWhole = z.record(z.string(), z.unknown());

/** A list the chart passes to the manifest whole. */
export const passedWholeList = z.array(z.record(z.string(), z.unknown()));

/** `provider.gke.autopilot`: the managed collector runs in `gke-gmp-system` on Autopilot. */
export const gkeProvider = z.strictObject({ autopilot: z.boolean() }).partial();

/** The Istio DestinationRule the inferencepool chart renders for the EPP (from v1.0.1). */
export const destinationRule = z.strictObject({ host: z.string(), trafficPolicy: z.strictObject({ connectionPool: passedWhole }).partial() }).partial();

/** The EPP's Prometheus settings (v1.5.0 epplib, llm-d router v0.10.0 routerlib: the same keys). */
export const prometheusMonitoring = z
    .strictObject({
        enabled: z.boolean(),
        auth: z.strictObject({ enabled: z.boolean(), secretName: z.string() }).partial(),
        extraLabels: z.record(z.string(), z.string()),
    })
    .partial();

/** The EPP's tracing settings (v1.5.0 epplib, llm-d router v0.10.0 routerlib: the same keys). */
export const endpointPickerTracing = z
    .strictObject({
        enabled: z.boolean(),
        otelExporterEndpoint: z.string(),
        sampling: z.strictObject({ sampler: z.string(), samplerArg: z.string() }).partial(),
    })
    .partial();

/** Where the EPP scrapes model servers' metrics (v1.5.0 epplib, llm-d router v0.10.0 routerlib). */
export const metricsDataSource = z.strictObject({ scheme: z.enum(["http", "https"]), path: z.string(), insecureSkipVerify: z.boolean() }).partial();

/** A probe of a latency-prediction server, read field by field (v1.5.0
 * epplib/templates/_latency-predictor.tpl, llm-d router v0.10.0 routerlib's): the readiness probe
 * also reads `failureThreshold`. */
export const predictionProbe = (failureThreshold: boolean) =>
    z
        .strictObject({
            httpGet: z.strictObject({ path: z.string() }).partial(),
            initialDelaySeconds: z.number().int(),
            periodSeconds: z.number().int(),
            ...(failureThreshold ? { failureThreshold: z.number().int() } : {}),
        })
        .partial();
