import { createHash } from "node:crypto";
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { childOptions } from "../childOptions";
import { CATALOG_FILES, CATALOG_HANDLER, CATALOG_PATHS, CATALOG_PORT, catalogNginxConf } from "./modelCatalogServer";
import { gatewayParentRef } from "../routing/modelRoute";
import { RESTRICTED_CONTAINER_SECURITY_CONTEXT, gatewayPeers } from "../modelServers/modelServerPolicies";
import { API_KEYS_SECRET } from "../routing/apiKeysPlan";
import type { PlannedNetworkPolicy } from "../routing/gatewayPlan";
import { routedNames } from "../adapters/loraPlan";
import type { PlannedModel } from "../modelServers/modelPlan";
import { MODEL_CATALOG_NAME } from "../names";
import { MODEL_CATALOG_POD } from "../cluster/systemPoolPlan";

/**
 * The responder's image: nginx, unprivileged (uid 101, port 8080), with the njs module (njs 1.0.0)
 * that the `-alpine` variant adds to `-alpine-slim` (nginx/docker-nginx-unprivileged at e26803b6,
 * 2026-07-15: `stable/alpine/Dockerfile` `FROM nginxinc/nginx-unprivileged:1.30.4-alpine-slim`,
 * `NJS_VERSION=1.0.0`, `nginx-module-njs`). The tag is rebuilt weekly, so the digest pins one build;
 * it is the one public Dockerfiles pinned for this tag (not checked against the registry from here).
 */
export const MODEL_CATALOG_IMAGE = "nginxinc/nginx-unprivileged:1.30.4-alpine@sha256:93722936b82ec8a1178d48448e619226680d2de3706a1640800e186cd5fa7fd3";

/** The responder Service's port. */
export const MODEL_CATALOG_SERVICE_PORT = 80;

/** The path prefix the responder's route matches, with no header match: everything under `/v1`
 * that no model route takes reaches it (the model list, an unknown or missing model, any other
 * path), because the model routes' `Exact` paths outrank a `PathPrefix` under Gateway API's
 * precedence. No method match: GKE supports none (`HTTPRouteMethodMatching` is unsupported in its
 * conformance reports), so the responder answers by path and method itself. */
export const MODEL_CATALOG_PATH_PREFIX = "/v1";

const LABELS = { app: MODEL_CATALOG_NAME, "app.kubernetes.io/name": "nginx", "app.kubernetes.io/component": "model-catalog" };
const MATCH_LABELS = { app: MODEL_CATALOG_NAME };

/** Arguments of {@link ModelCatalog}. */
export interface ModelCatalogArgs {
    /** The resolved models (see `planServing`); the list holds each one's routed names. */
    models: PlannedModel[];
    /** Namespace of the Gateway and the responder. */
    namespace: string;
    /** The Gateway the route attaches to. */
    gatewayName: string;
    /** The Gateway's listener the route attaches to; every listener when undefined. */
    listenerName?: string;
    /** Require a key from the `api-keys` Secret (which must exist in the namespace). */
    apiKeysRequired: boolean;
    /** Peers its NetworkPolicy admits; no policy when undefined. */
    networkPolicy?: PlannedNetworkPolicy;
}

/** One entry of OpenAI's model list (`{id, object: "model", created, owned_by}`), as vLLM's own
 * `/v1/models` gives it (`owned_by: "vllm"`, `parent` for an adapter). `created` is 0: the list
 * must not change from one `up` to the next. */
export interface CatalogModel {
    /** The name clients send as `model`. */
    id: string;
    /** Always `model`. */
    object: "model";
    /** Unix seconds; 0. */
    created: number;
    /** Always `vllm`. */
    owned_by: string;
    /** The base model of an adapter. */
    parent?: string;
}

/** Every name the gateway routes: each base model and its active adapters (never retired ones),
 * sorted by id, so that reordering models changes nothing. */
export function catalogModels(models: readonly PlannedModel[]): CatalogModel[] {
    const entries = models.flatMap((model) =>
        routedNames(model.name, model.adapters).map((id) => ({
            id,
            object: "model" as const,
            created: 0,
            owned_by: "vllm",
            ...(id === model.name ? {} : { parent: model.name }),
        })),
    );
    return entries.sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
}

/** The ConfigMap the responder mounts. Updated in place (the provider needs
 * `enableConfigMapMutable`); nginx re-reads only `models.json`, on every request. */
export function catalogConfigMap(args: ModelCatalogArgs) {
    return {
        apiVersion: "v1",
        kind: "ConfigMap",
        metadata: { name: MODEL_CATALOG_NAME, namespace: args.namespace, labels: LABELS },
        immutable: false,
        data: {
            [CATALOG_FILES.nginxConf]: catalogNginxConf(args.apiKeysRequired),
            [CATALOG_FILES.handler]: CATALOG_HANDLER,
            [CATALOG_FILES.models]: `${JSON.stringify({ object: "list", data: catalogModels(args.models) }, null, 2)}\n`,
        },
    };
}

/** The responder: two small hardened nginx pods. Its pod template carries a digest of the files
 * nginx reads only at start, so that a change to them (not to the model list) rolls the pods. */
export function catalogDeployment(args: ModelCatalogArgs): k8s.types.input.apps.v1.Deployment {
    const code = catalogConfigMap(args).data;
    const codeVersion = createHash("sha256").update(code[CATALOG_FILES.nginxConf]).update(code[CATALOG_FILES.handler]).digest("hex").slice(0, 16);
    const probe = { httpGet: { path: "/healthz", port: "http" }, periodSeconds: 10, timeoutSeconds: 2 };
    return {
        apiVersion: "apps/v1",
        kind: "Deployment",
        metadata: { name: MODEL_CATALOG_NAME, namespace: args.namespace, labels: LABELS },
        spec: {
            replicas: MODEL_CATALOG_POD.replicas,
            selector: { matchLabels: MATCH_LABELS },
            strategy: { type: "RollingUpdate", rollingUpdate: { maxSurge: 1, maxUnavailable: 0 } },
            template: {
                metadata: { labels: LABELS, annotations: { "multi-model-inference/server-config": codeVersion } },
                spec: {
                    automountServiceAccountToken: false,
                    enableServiceLinks: false,
                    securityContext: { runAsNonRoot: true, runAsUser: 101, runAsGroup: 101, seccompProfile: { type: "RuntimeDefault" } },
                    containers: [
                        {
                            name: "nginx",
                            image: MODEL_CATALOG_IMAGE,
                            // nginx itself, not the image's entrypoint, whose scripts edit files
                            // under the read-only root.
                            command: ["nginx", "-c", `${CATALOG_PATHS.config}/${CATALOG_FILES.nginxConf}`, "-e", "stderr", "-g", "daemon off;"],
                            ports: [{ name: "http", containerPort: CATALOG_PORT, protocol: "TCP" }],
                            securityContext: RESTRICTED_CONTAINER_SECURITY_CONTEXT,
                            resources: MODEL_CATALOG_POD.resources,
                            readinessProbe: { ...probe, failureThreshold: 1 },
                            livenessProbe: { ...probe, failureThreshold: 3 },
                            volumeMounts: [
                                { name: "config", mountPath: CATALOG_PATHS.config, readOnly: true },
                                ...(args.apiKeysRequired ? [{ name: "keys", mountPath: CATALOG_PATHS.keys, readOnly: true }] : []),
                                { name: "tmp", mountPath: "/tmp" },
                            ],
                        },
                    ],
                    volumes: [
                        // Whole-directory mounts: a subPath mount would never see updates.
                        { name: "config", configMap: { name: MODEL_CATALOG_NAME } },
                        ...(args.apiKeysRequired
                            ? [{ name: "keys", secret: { secretName: API_KEYS_SECRET.name, items: [{ key: API_KEYS_SECRET.digests, path: "sha256" }] } }]
                            : []),
                        { name: "tmp", emptyDir: { sizeLimit: "16Mi" } },
                    ],
                },
            },
        },
    };
}

/** The Service the route sends `/v1` requests no model route takes to. */
export function catalogService(args: ModelCatalogArgs) {
    return {
        apiVersion: "v1",
        kind: "Service",
        metadata: { name: MODEL_CATALOG_NAME, namespace: args.namespace, labels: LABELS },
        spec: { type: "ClusterIP", selector: MATCH_LABELS, ports: [{ name: "http", port: MODEL_CATALOG_SERVICE_PORT, targetPort: "http", protocol: "TCP" }] },
    };
}

/** One pod at a time may be evicted, so the list keeps answering through node drains. */
export function catalogPodDisruptionBudget(args: ModelCatalogArgs) {
    return {
        apiVersion: "policy/v1",
        kind: "PodDisruptionBudget",
        metadata: { name: MODEL_CATALOG_NAME, namespace: args.namespace, labels: LABELS },
        spec: { maxUnavailable: 1, selector: { matchLabels: MATCH_LABELS } },
    };
}

/** Admits only the gateway's proxies and health checks to nginx's port. */
export function catalogNetworkPolicy(args: ModelCatalogArgs, policy: PlannedNetworkPolicy) {
    return {
        apiVersion: "networking.k8s.io/v1",
        kind: "NetworkPolicy",
        metadata: { name: MODEL_CATALOG_NAME, namespace: args.namespace, labels: LABELS },
        spec: {
            podSelector: { matchLabels: MATCH_LABELS },
            policyTypes: ["Ingress"],
            ingress: [{ from: gatewayPeers(policy), ports: [{ protocol: "TCP", port: CATALOG_PORT }] }],
        },
    };
}

/** The HTTPRoute that sends `/v1/models`, `/v1/models/...` and every other request under `/v1`
 * that no model route takes to the responder. */
export function catalogRoute(args: ModelCatalogArgs) {
    return {
        apiVersion: "gateway.networking.k8s.io/v1",
        kind: "HTTPRoute",
        metadata: { name: MODEL_CATALOG_NAME, namespace: args.namespace },
        spec: {
            parentRefs: [gatewayParentRef(args.gatewayName, args.listenerName)],
            rules: [
                {
                    matches: [{ path: { type: "PathPrefix", value: MODEL_CATALOG_PATH_PREFIX } }],
                    backendRefs: [{ group: "", kind: "Service", name: MODEL_CATALOG_NAME, port: MODEL_CATALOG_SERVICE_PORT }],
                },
            ],
        },
    };
}

/** A manifest's metadata and spec: what a typed resource takes (it sets apiVersion and kind). */
function withoutKind<T extends { metadata: object; spec: object }>(manifest: T): Pick<T, "metadata" | "spec"> {
    return { metadata: manifest.metadata, spec: manifest.spec };
}

/**
 * `GET /v1/models` and `GET /v1/models/{name}` at the gateway, in OpenAI's format, for every name
 * the gateway routes, and OpenAI's 404 for an unknown model or path under `/v1`: a ConfigMap generated from the plan, a small nginx Deployment reading it
 * (with its Service, PodDisruptionBudget and NetworkPolicy) and the HTTPRoute in front. Adding a
 * model or adapter updates the ConfigMap in place and restarts nothing.
 */
export class ModelCatalog extends pulumi.ComponentResource {
    /** The HTTPRoute's name. */
    public readonly routeName: pulumi.Output<string>;

    constructor(name: string, args: ModelCatalogArgs, opts?: pulumi.ComponentResourceOptions) {
        super("multi-model-inference:index:ModelCatalog", name, {}, opts);
        const child = childOptions(this, opts);
        const configMap = catalogConfigMap(args);
        const files = new k8s.core.v1.ConfigMap(
            `${name}-configmap`,
            { metadata: configMap.metadata, immutable: configMap.immutable, data: configMap.data },
            child,
        );
        const deployment = catalogDeployment(args);
        const server = new k8s.apps.v1.Deployment(
            `${name}-deployment`,
            { metadata: deployment.metadata, spec: deployment.spec },
            childOptions(this, opts, files),
        );
        const service = new k8s.core.v1.Service(`${name}-service`, withoutKind(catalogService(args)), child);
        new k8s.policy.v1.PodDisruptionBudget(`${name}-pdb`, withoutKind(catalogPodDisruptionBudget(args)), child);
        if (args.networkPolicy !== undefined) {
            new k8s.networking.v1.NetworkPolicy(`${name}-network-policy`, withoutKind(catalogNetworkPolicy(args, args.networkPolicy)), child);
        }
        const route = new k8s.apiextensions.CustomResource(`${name}-httproute`, catalogRoute(args), childOptions(this, opts, service, server));
        this.routeName = route.metadata.name;
        this.registerOutputs({ routeName: this.routeName });
    }
}
