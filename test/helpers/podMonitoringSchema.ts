/**
 * A schema for Google Cloud Managed Service for Prometheus' PodMonitoring
 * (monitoring.googleapis.com/v1), which no npm package models. Written from the fields of the
 * published CRD (GoogleCloudPlatform/prometheus-engine,
 * `charts/operator/crds/monitoring.googleapis.com_podmonitorings.yaml`, v1 `openAPIV3Schema`):
 * `spec.selector` and `spec.endpoints` (1 to 10, each with a `port` and an `interval`) are
 * required; `port` is an int-or-string; `scheme` is http or https; a PodMonitoring's secret
 * references may not name a namespace; at most one of authorization, basicAuth and oauth2.
 * Fields we never set (tls, oauth2 details, relabeling internals) are accepted as objects or
 * arrays without their inner shape. Unknown fields are errors, so a typo cannot pass.
 */
import { JsonSchema, validateJson } from "./jsonSchema";

const DURATION = "^((\\d+)y)?((\\d+)w)?((\\d+)d)?((\\d+)h)?((\\d+)m)?((\\d+)s)?((\\d+)ms)?$";
const LABEL_NAME = "^[a-zA-Z_][a-zA-Z0-9_]*$";

/** A reference to a key of a Secret in the PodMonitoring's own namespace. */
const secretRef: JsonSchema = {
    type: "object",
    additionalProperties: false,
    properties: {
        secret: {
            type: "object",
            additionalProperties: false,
            required: ["key", "name"],
            properties: { key: { type: "string" }, name: { type: "string" } },
        },
    },
};

const labelSelector: JsonSchema = {
    type: "object",
    additionalProperties: false,
    properties: {
        matchLabels: { type: "object", additionalProperties: { type: "string" } },
        matchExpressions: {
            type: "array",
            items: {
                type: "object",
                additionalProperties: false,
                required: ["key", "operator"],
                properties: {
                    key: { type: "string" },
                    operator: { type: "string", enum: ["In", "NotIn", "Exists", "DoesNotExist"] },
                    values: { type: "array", items: { type: "string" } },
                },
            },
        },
    },
};

const endpoint: JsonSchema = {
    type: "object",
    additionalProperties: false,
    required: ["interval", "port"],
    properties: {
        port: { anyOf: [{ type: "integer", minimum: 1, maximum: 65535 }, { type: "string", minLength: 1, maxLength: 253 }] },
        path: { type: "string" },
        scheme: { type: "string", enum: ["http", "https"] },
        interval: { type: "string", pattern: DURATION, minLength: 2 },
        timeout: { type: "string", pattern: DURATION, minLength: 2 },
        params: { type: "object", additionalProperties: { type: "array", items: { type: "string" } } },
        proxyUrl: { type: "string", maxLength: 2000 },
        authorization: {
            type: "object",
            additionalProperties: false,
            properties: {
                type: { type: "string", not: { const: "Basic" } },
                credentials: secretRef,
            },
        },
        basicAuth: {
            type: "object",
            additionalProperties: false,
            properties: { username: { type: "string" }, password: secretRef },
        },
        oauth2: { type: "object" },
        tls: { type: "object" },
        metricRelabeling: {
            type: "array",
            maxItems: 250,
            items: {
                type: "object",
                additionalProperties: false,
                properties: {
                    action: {
                        type: "string",
                        enum: ["replace", "lowercase", "uppercase", "keep", "drop", "keepequal", "dropequal", "hashmod", "labeldrop", "labelkeep"],
                    },
                    modulus: { type: "integer" },
                    regex: { type: "string", maxLength: 10000 },
                    replacement: { type: "string" },
                    separator: { type: "string" },
                    sourceLabels: { type: "array", maxItems: 100, items: { type: "string", pattern: LABEL_NAME } },
                    targetLabel: { type: "string", pattern: LABEL_NAME },
                },
            },
        },
    },
    maxAuthMethods: 1,
};

/** The PodMonitoring v1 schema. */
export const POD_MONITORING_V1: JsonSchema = {
    type: "object",
    additionalProperties: false,
    required: ["apiVersion", "kind", "metadata", "spec"],
    properties: {
        apiVersion: { const: "monitoring.googleapis.com/v1" },
        kind: { const: "PodMonitoring" },
        metadata: {
            type: "object",
            required: ["name", "namespace"],
            properties: {
                name: { type: "string", pattern: "^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$", maxLength: 253 },
                namespace: { type: "string" },
                labels: { type: "object", additionalProperties: { type: "string" } },
                annotations: { type: "object", additionalProperties: { type: "string" } },
            },
            additionalProperties: false,
        },
        spec: {
            type: "object",
            additionalProperties: false,
            required: ["endpoints", "selector"],
            properties: {
                selector: labelSelector,
                endpoints: { type: "array", minItems: 1, maxItems: 10, items: endpoint },
                filterRunning: { type: "boolean" },
                limits: {
                    type: "object",
                    additionalProperties: false,
                    properties: {
                        labelNameLength: { type: "integer" },
                        labelValueLength: { type: "integer" },
                        labels: { type: "integer" },
                        samples: { type: "integer" },
                    },
                },
                targetLabels: {
                    type: "object",
                    additionalProperties: false,
                    properties: {
                        fromPod: {
                            type: "array",
                            maxItems: 100,
                            items: {
                                type: "object",
                                additionalProperties: false,
                                required: ["from"],
                                properties: { from: { type: "string" }, to: { type: "string", pattern: LABEL_NAME } },
                            },
                        },
                        metadata: {
                            type: "array",
                            items: { type: "string", enum: ["container", "node", "pod", "top_level_controller_name", "top_level_controller_type"] },
                        },
                    },
                },
            },
        },
    },
};

/** Throws listing every place `object` breaks the PodMonitoring v1 schema. */
export function validatePodMonitoring(object: unknown): void {
    const errors = validateJson(POD_MONITORING_V1, object);
    if (errors.length > 0) throw new Error(`PodMonitoring does not validate:\n  ${errors.join("\n  ")}`);
}
