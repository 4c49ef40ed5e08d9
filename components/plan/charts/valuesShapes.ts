/**
 * Value shapes the inference extension charts share across release lines, for the values
 * schemas of `v<version>.ts`. Each says which template reads it so; a line whose templates read a
 * value differently gets its own shape.
 */
import { z } from "zod";

/** A TCP port. */
export const port = z.number().int().min(1).max(65535);

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
    pluginsConfigFile: z.string(),
    pluginsCustomConfig: z.record(z.string(), z.string()),
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

/** The EPP's flags up to v1.1: a list of `{name, value}`, each `--<name>` then `"<value>"`. */
export const flagsList = z.array(z.strictObject({ name: z.string(), value: z.union([z.string(), z.number(), z.boolean()]) }));

/** The EPP's and BBR's flags from v1.2.0: a map, each entry `--<key>` then `"<value>"` as two
 * arguments. A boolean flag given `false` is set true and the `"false"` left over (pflag), so
 * the chart cannot switch one off this way: refused, pointing to the chart's own keys. */
export const flagsMap = z.record(
    z.string(),
    z.union([z.string(), z.number(), z.literal(true)], {
        error: "must be a string, a number or true: the chart passes --<flag> and \"<value>\" as two arguments, so a boolean flag cannot be switched off here; use the chart's own key for it (e.g. inferenceExtension.monitoring.prometheus.auth.enabled)",
    }),
);

/** A subtree the chart passes to the manifest whole (`toYaml`): Kubernetes checks it. */
export const passedWhole = z.record(z.string(), z.unknown());

/** A list the chart passes to the manifest whole. */
export const passedWholeList = z.array(z.record(z.string(), z.unknown()));

/** `provider.gke.autopilot`: the managed collector runs in `gke-gmp-system` on Autopilot. */
export const gkeProvider = z.strictObject({ autopilot: z.boolean() }).partial();

/** The Istio DestinationRule the inferencepool chart renders for the EPP (from v1.0.1). */
export const destinationRule = z
    .strictObject({ host: z.string(), trafficPolicy: z.strictObject({ connectionPool: passedWhole }).partial() })
    .partial();

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
