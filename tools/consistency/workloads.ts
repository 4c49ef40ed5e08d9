/**
 * Who serves what: the pods an InferencePool or a Service selects, a pool's Endpoint Picker, the
 * routes attached to a Gateway, and the Body-Based Router that sets the routing header on a
 * Gateway's requests, found by following the objects' own references.
 */
import { parse as parseYaml } from "yaml";
import { mapSelects } from "./labelSelector";
import { flagValues } from "./modelServers";
import { ContainerAt, KubeObject, PodTemplate, RenderedStack, argvOf, containersOf, find, imageOf, namespaceOf, ofKind, podTemplates } from "./objects";
import { ModelHeaderFact, modelHeaderFact } from "../../components/catalogs/charts/bodyBasedRouterFacts";

/** The pod templates in `namespace` whose labels a map selector picks. */
export function templatesSelected(stack: RenderedStack, namespace: string, selector: Record<string, string> | undefined): PodTemplate[] {
    return podTemplates(stack).filter((t) => t.namespace === namespace && mapSelects(selector, t.labels));
}

/** The pods an InferencePool sends to (a v1 pool's `selector.matchLabels`). */
export function poolTemplates(stack: RenderedStack, pool: KubeObject): PodTemplate[] {
    return templatesSelected(stack, namespaceOf(pool), pool["spec"]?.selector?.matchLabels);
}

/** The pods a Service sends to. */
export function serviceTemplates(stack: RenderedStack, service: KubeObject): PodTemplate[] {
    return templatesSelected(stack, namespaceOf(service), service["spec"]?.selector);
}

/** A pool's Endpoint Picker: the Service its `endpointPickerRef` names (undefined where there is
 * none), and the EPP containers of the pods behind it. */
export function endpointPickerOf(
    stack: RenderedStack,
    pool: KubeObject,
): { service: KubeObject; containers: (ContainerAt & { template: PodTemplate })[] } | undefined {
    const ref = pool["spec"]?.endpointPickerRef;
    const service = ref === undefined ? undefined : find(stack, "Service", namespaceOf(pool), ref.name);
    if (service === undefined) return undefined;
    const containers = serviceTemplates(stack, service).flatMap((template) =>
        containersOf(template)
            .filter(({ container }) => imageOf(container).repository.endsWith("/epp"))
            .map((at) => ({ ...at, template })),
    );
    return { service, containers };
}

/** A pool's target port: the first of a v1 pool's `targetPorts` (the v1 CRD at v1.0.0 allows one). */
export function targetPortOf(pool: KubeObject): number | undefined {
    const port = pool["spec"]?.targetPorts?.[0]?.number;
    return port === undefined ? undefined : Number(port);
}

/** The HTTPRoutes with a parentRef naming `gateway` (Gateway API: kind Gateway by default, the
 * route's namespace by default). */
export function attachedRoutes(stack: RenderedStack, gateway: KubeObject): KubeObject[] {
    return ofKind(stack, "HTTPRoute").filter((route) =>
        ((route["spec"]?.parentRefs ?? []) as { kind?: string; name: string; namespace?: string }[]).some(
            (ref) =>
                (ref.kind ?? "Gateway") === "Gateway" && ref.name === gateway.metadata.name && (ref.namespace ?? namespaceOf(route)) === namespaceOf(gateway),
        ),
    );
}

/** A Body-Based Router that sets headers on a Gateway's requests. */
export interface HeaderSetter {
    /** The BBR pods. */
    template: PodTemplate;
    /** Its container in them. */
    container: ContainerAt["container"];
    /** Its image tag. */
    tag?: string;
    /** What that tag sets, if the tag was read. */
    fact?: ModelHeaderFact;
    /** The header it sets from the body's `model`, if known. */
    modelHeader?: string;
    /** The header it sets to the requested name's base model, if it runs that plugin. */
    baseModelHeader?: string;
    /** The object that hooks it into the Gateway (GCPRoutingExtension or EnvoyFilter). */
    hook: KubeObject;
}

const BBR_IMAGE = "registry.k8s.io/gateway-api-inference-extension/bbr";

/** The Services a hook sends requests to: a GCPRoutingExtension's backendRefs, or the clusters
 * `outbound|<port>||<service>.<namespace>.svc.cluster.local` an Istio EnvoyFilter names. */
function hookedServices(stack: RenderedStack, hook: KubeObject): KubeObject[] {
    const services: (KubeObject | undefined)[] = [];
    if (hook.kind === "GCPRoutingExtension") {
        for (const chain of hook["spec"]?.extensionChains ?? []) {
            for (const extension of chain.extensions ?? []) {
                const ref = extension.backendRef;
                if (ref !== undefined && (ref.kind ?? "Service") === "Service")
                    services.push(find(stack, "Service", ref.namespace ?? namespaceOf(hook), ref.name));
            }
        }
    } else {
        for (const match of JSON.stringify(hook["spec"] ?? {}).matchAll(/outbound\|\d+\|\|([a-z0-9-]+)\.([a-z0-9-]+)\.svc\.cluster\.local/g)) {
            services.push(find(stack, "Service", match[2], match[1]));
        }
    }
    return services.filter((s): s is KubeObject => s !== undefined);
}

/** Whether a hook applies to the Gateway: a GCPRoutingExtension targeting it; an EnvoyFilter in
 * its namespace with no workload selector, or targeting it. */
function hookApplies(hook: KubeObject, gateway: KubeObject): boolean {
    if (namespaceOf(hook) !== namespaceOf(gateway)) return false;
    const targets = (hook["spec"]?.targetRefs ?? []) as { kind?: string; name: string }[];
    if (hook.kind === "EnvoyFilter" && targets.length === 0) return hook["spec"]?.workloadSelector === undefined;
    return targets.some((t) => t.kind === "Gateway" && t.name === gateway.metadata.name);
}

/** The model header a BBR container sets: its tag's constant, or from v1.5.0 the `headerName` of
 * its `body-field-to-header` plugin for field `model` (or the default without `--plugin`). */
function modelHeaderOf(fact: ModelHeaderFact, argv: string[]): string | undefined {
    if (!fact.configuredByPluginArgs) return fact.modelHeader;
    const plugins = flagValues(argv, "--plugin") ?? [];
    if (plugins.length === 0) return fact.modelHeader;
    for (const plugin of plugins) {
        const [type, , ...json] = plugin.split(":");
        if (type !== "body-field-to-header" || json.length === 0) continue;
        const config = JSON.parse(json.join(":")) as { fieldName?: string; headerName?: string };
        if (config.fieldName === "model") return config.headerName;
    }
    return undefined;
}

/** The Body-Based Routers that set headers on `gateway`'s requests. */
export function headerSetters(stack: RenderedStack, gateway: KubeObject): HeaderSetter[] {
    const hooks = [...ofKind(stack, "GCPRoutingExtension"), ...ofKind(stack, "EnvoyFilter")].filter((h) => hookApplies(h, gateway));
    return hooks.flatMap((hook) =>
        hookedServices(stack, hook).flatMap((service) =>
            serviceTemplates(stack, service).flatMap((template) =>
                containersOf(template)
                    .filter(({ container }) => imageOf(container).repository === BBR_IMAGE)
                    .map(({ container }) => {
                        const tag = imageOf(container).tag;
                        const fact = tag === undefined ? undefined : modelHeaderFact(tag);
                        const argv = argvOf(container);
                        const modelHeader = fact === undefined ? undefined : modelHeaderOf(fact, argv);
                        const plugins = flagValues(argv, "--plugin") ?? [];
                        const baseModel =
                            fact?.baseModelHeader !== undefined && (plugins.length === 0 || plugins.some((p) => p.startsWith("base-model-to-header:")));
                        return {
                            template,
                            container,
                            hook,
                            ...(tag === undefined ? {} : { tag }),
                            ...(fact === undefined ? {} : { fact }),
                            ...(modelHeader === undefined ? {} : { modelHeader }),
                            ...(baseModel ? { baseModelHeader: fact?.baseModelHeader?.header } : {}),
                        };
                    }),
            ),
        ),
    );
}

/** One ConfigMap a base-model-routing BBR reads (the label of its tag, in its namespace), as its
 * store parses it (pkg/bbr/plugins/basemodelextractor/adapters_store.go `parseConfigMap` at
 * v1.5.0): `baseModel` trimmed and required, `adapters` a YAML list of names, each trimmed, empty
 * ones skipped; a ConfigMap it cannot parse is left out, with `problem` saying why. */
export interface BaseModelMapping {
    configMap: KubeObject;
    baseModel: string;
    adapters: string[];
    problem?: string;
}

/** The base-model ConfigMaps `setter` reads. */
export function baseModelMappings(stack: RenderedStack, setter: HeaderSetter): BaseModelMapping[] {
    const base = setter.fact?.baseModelHeader;
    if (setter.baseModelHeader === undefined || base === undefined) return [];
    return ofKind(stack, "ConfigMap", setter.template.namespace)
        .filter((configMap) => configMap.metadata.labels?.[base.configMapLabel] === "true")
        .map((configMap) => {
            const data = (configMap["data"] ?? {}) as Record<string, unknown>;
            const baseModel = String(data[base.keys.baseModel] ?? "").trim();
            if (baseModel === "") return { configMap, baseModel, adapters: [], problem: `it has no ${base.keys.baseModel}` };
            const raw = String(data[base.keys.adapters] ?? "");
            let list: unknown;
            try {
                list = raw.trim() === "" ? [] : parseYaml(raw);
            } catch {
                list = undefined;
            }
            if (!Array.isArray(list) || list.some((a) => typeof a !== "string"))
                return { configMap, baseModel, adapters: [], problem: `its ${base.keys.adapters} is not a YAML list of names` };
            return { configMap, baseModel, adapters: (list as string[]).map((a) => a.trim()).filter((a) => a !== "") };
        });
}

/** The headers `setter` adds to a request whose body names `model`: the model header, and the
 * base-model header when the name is an adapter or base model of one of its ConfigMaps (an empty
 * value is left out: no route should match it). */
export function headersFor(stack: RenderedStack, setter: HeaderSetter, model: string): Record<string, string> {
    const headers: Record<string, string> = setter.modelHeader === undefined ? {} : { [setter.modelHeader]: model };
    if (setter.baseModelHeader === undefined) return headers;
    const name = model.trim();
    // getBaseModel (adapters_store.go): an adapter's base model first, then a base model itself.
    const parsed = baseModelMappings(stack, setter).filter((m) => m.problem === undefined);
    const mapping = parsed.find((m) => m.adapters.includes(name)) ?? parsed.find((m) => m.baseModel === name);
    return mapping === undefined ? headers : { ...headers, [setter.baseModelHeader]: mapping.baseModel };
}
