/**
 * A small JSON-schema validator for the CRDs no npm package models: the subset of keywords their
 * published OpenAPI schemas use (type, properties, required, additionalProperties, items,
 * minItems/maxItems, enum, const, not, anyOf, pattern, minLength/maxLength, minimum/maximum),
 * plus `maxAuthMethods`, standing for the CRD's CEL rule that allows one of authorization,
 * basicAuth and oauth2 per endpoint.
 */

/** A schema node. */
export interface JsonSchema {
    type?: "object" | "array" | "string" | "integer" | "number" | "boolean";
    properties?: Record<string, JsonSchema>;
    required?: string[];
    additionalProperties?: boolean | JsonSchema;
    items?: JsonSchema;
    minItems?: number;
    maxItems?: number;
    enum?: readonly unknown[];
    const?: unknown;
    not?: JsonSchema;
    anyOf?: JsonSchema[];
    pattern?: string;
    minLength?: number;
    maxLength?: number;
    minimum?: number;
    maximum?: number;
    maxAuthMethods?: number;
}

function typeOf(value: unknown): string {
    if (Array.isArray(value)) return "array";
    if (value === null) return "null";
    if (typeof value === "number") return Number.isInteger(value) ? "integer" : "number";
    return typeof value;
}

function typeMatches(expected: NonNullable<JsonSchema["type"]>, value: unknown): boolean {
    const actual = typeOf(value);
    return actual === expected || (expected === "number" && actual === "integer");
}

/** Every violation of `schema` in `value`, each with its path; empty when it validates. */
export function validateJson(schema: JsonSchema, value: unknown, path = "$"): string[] {
    const errors: string[] = [];
    if (schema.type !== undefined && !typeMatches(schema.type, value)) {
        return [`${path}: expected ${schema.type}, got ${typeOf(value)}`];
    }
    if (schema.const !== undefined && value !== schema.const) errors.push(`${path}: must be ${JSON.stringify(schema.const)}`);
    if (schema.enum !== undefined && !schema.enum.includes(value)) {
        errors.push(`${path}: ${JSON.stringify(value)} is not one of ${schema.enum.map((e) => JSON.stringify(e)).join(", ")}`);
    }
    if (schema.not !== undefined && validateJson(schema.not, value, path).length === 0) errors.push(`${path}: value is not allowed`);
    if (schema.anyOf !== undefined && !schema.anyOf.some((option) => validateJson(option, value, path).length === 0)) {
        errors.push(`${path}: matches none of the allowed forms`);
    }
    if (typeof value === "string") {
        if (schema.pattern !== undefined && !new RegExp(schema.pattern).test(value)) errors.push(`${path}: ${JSON.stringify(value)} does not match ${schema.pattern}`);
        if (schema.minLength !== undefined && value.length < schema.minLength) errors.push(`${path}: shorter than ${schema.minLength}`);
        if (schema.maxLength !== undefined && value.length > schema.maxLength) errors.push(`${path}: longer than ${schema.maxLength}`);
    }
    if (typeof value === "number") {
        if (schema.minimum !== undefined && value < schema.minimum) errors.push(`${path}: less than ${schema.minimum}`);
        if (schema.maximum !== undefined && value > schema.maximum) errors.push(`${path}: more than ${schema.maximum}`);
    }
    if (Array.isArray(value)) {
        if (schema.minItems !== undefined && value.length < schema.minItems) errors.push(`${path}: fewer than ${schema.minItems} items`);
        if (schema.maxItems !== undefined && value.length > schema.maxItems) errors.push(`${path}: more than ${schema.maxItems} items`);
        const items = schema.items;
        if (items !== undefined) value.forEach((item, i) => errors.push(...validateJson(items, item, `${path}[${i}]`)));
    }
    if (typeOf(value) === "object") {
        const object = value as Record<string, unknown>;
        for (const key of schema.required ?? []) if (!(key in object)) errors.push(`${path}.${key}: is required`);
        for (const [key, child] of Object.entries(object)) {
            const declared = schema.properties?.[key];
            if (declared !== undefined) errors.push(...validateJson(declared, child, `${path}.${key}`));
            else if (schema.additionalProperties === false) errors.push(`${path}.${key}: unknown field`);
            else if (typeof schema.additionalProperties === "object") errors.push(...validateJson(schema.additionalProperties, child, `${path}.${key}`));
        }
        if (schema.maxAuthMethods !== undefined) {
            const methods = ["authorization", "basicAuth", "oauth2"].filter((k) => k in object);
            if (methods.length > schema.maxAuthMethods) errors.push(`${path}: set at most one of ${methods.join(", ")}`);
        }
    }
    return errors;
}
