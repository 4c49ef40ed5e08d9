/**
 * Validators for the custom resources no npm package models, compiled by ajv from the published
 * CRD schemas in `test/schemas/` (each one CRD version's openAPIV3Schema with its source), read
 * as the API server reads them (apiVersion, kind and metadata required): a field the schema does not
 * declare is an error (the API server would drop it silently, so a typo could not pass);
 * `format: duration` is a Go duration; each `x-kubernetes-validations` CEL rule runs as its
 * JavaScript twin below, and a rule without one fails the compilation rather than pass unchecked.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import Ajv, { ErrorObject } from "ajv";
import { parse } from "yaml";

import { REPO_ROOT } from "../../tools/repoRoot";

/** A schema node of a CRD, as far as this file reads it. */
interface CrdSchema {
    properties?: Record<string, CrdSchema>;
    additionalProperties?: boolean | CrdSchema;
    items?: CrdSchema;
    anyOf?: CrdSchema[];
    required?: string[];
    "x-kubernetes-preserve-unknown-fields"?: boolean;
    [keyword: string]: unknown;
}

/** One file of `test/schemas/`. */
interface PublishedSchema {
    source: { repository: string; tag: string; commit: string; file: string };
    group: string;
    version: string;
    kind: string;
    openAPIV3Schema: CrdSchema;
}

/** A CEL rule as the CRD states it. */
interface CelRule {
    rule: string;
    message?: string;
    messageExpression?: string;
}

// The CEL rules of the schemas here; `self` is the value the rule sits on.
type Check = (self: unknown) => boolean;
/** The value at `keys` below `value`, undefined where there is none (CEL's `has` is `at(...) !== undefined`). */
const at = (value: unknown, ...keys: string[]): unknown =>
    keys.reduce<unknown>((v, key) => (typeof v === "object" && v !== null ? (v as Record<string, unknown>)[key] : undefined), value);
const GO_DURATION = /^(\d+(\.\d+)?(ns|us|µs|ms|s|m|h))+$/;
const SECONDS: Record<string, number> = { ns: 1e-9, us: 1e-6, µs: 1e-6, ms: 1e-3, s: 1, m: 60, h: 3600 };
const seconds = (duration: unknown): number =>
    [...String(duration).matchAll(/(\d+(?:\.\d+)?)(ns|us|µs|ms|s|m|h)/g)].reduce((sum, [, n, unit]) => sum + Number(n) * SECONDS[unit], 0);
const PROTECTED_LABELS = ["project_id", "location", "cluster", "namespace", "job", "instance", "top_level_controller", "top_level_controller_type", "__address__"];
const CEL: Record<string, Check> = {
    "self != 'Basic'": (self) => self !== "Basic",
    "self != 0": (self) => self !== 0,
    "has(self.cert) == has(self.key)": (self) => (at(self, "cert") === undefined) === (at(self, "key") === undefined),
    "isURL(self) && !self.matches('@')": (self) => typeof self === "string" && URL.canParse(self) && !self.includes("@"),
    "!has(self.action) ||  self.action != 'labeldrop' || has(self.regex)": (self) => at(self, "action") !== "labeldrop" || at(self, "regex") !== undefined,
    "!has(self.timeout) || self.timeout <= self.interval": (self) => at(self, "timeout") === undefined || seconds(at(self, "timeout")) <= seconds(at(self, "interval")),
    "((has(self.authorization) ? 1 : 0) + (has(self.basicAuth) ? 1 : 0) + (has(self.oauth2) ? 1 : 0)) <= 1": (self) =>
        ["authorization", "basicAuth", "oauth2"].filter((method) => at(self, method) !== undefined).length <= 1,
    [PROTECTED_LABELS.map((label) => `self != '${label}'`).join(" && ")]: (self) => !PROTECTED_LABELS.includes(String(self)),
};
/** `self.spec.endpoints.all(e, !has(e.<a>) || !has(e.<a>.<b>) || ... !has(e.<a>.<b>.secret.namespace))`. */
const SECRET_WITHOUT_NAMESPACE = /^self\.spec\.endpoints\.all\(e, !has\(e\.(\w+)\) \|\| !has\(e\.\1\.(\w+)\) \|\| !has\(e\.\1\.\2\.secret\) \|\| !has\(e\.\1\.\2\.secret\.__namespace__\)\)$/;

function celCheck(rule: string): Check {
    const check = CEL[rule];
    if (check !== undefined) return check;
    const secretRef = SECRET_WITHOUT_NAMESPACE.exec(rule);
    if (secretRef === null) throw new Error(`no JavaScript for the CEL rule ${rule}`);
    const [, field, reference] = secretRef;
    return (self) => [at(self, "spec", "endpoints")].flat().every((endpoint) => at(endpoint, field, reference, "secret", "namespace") === undefined);
}

// Integer widths and the status' timestamps are left unchecked.
const ajv = new Ajv({ allErrors: true, strictTypes: false, formats: { duration: GO_DURATION, int32: true, int64: true, "date-time": true } });
ajv.addVocabulary(["x-kubernetes-int-or-string", "x-kubernetes-list-type", "x-kubernetes-list-map-keys", "x-kubernetes-map-type", "x-kubernetes-preserve-unknown-fields"]);
ajv.addKeyword({
    keyword: "x-kubernetes-validations",
    schemaType: "array",
    errors: true,
    compile(rules: CelRule[]) {
        const checks = rules.map((rule) => ({ rule, check: celCheck(rule.rule) }));
        const validate = (self: unknown): boolean => {
            const failed = checks.filter(({ check }) => !check(self));
            validate.errors = failed.map(({ rule }) => ({ keyword: "x-kubernetes-validations", message: rule.message ?? rule.messageExpression ?? rule.rule, params: { rule: rule.rule } }));
            return failed.length === 0;
        };
        validate.errors = [] as Partial<ErrorObject>[]; // declares the property ajv reads
        return validate;
    },
});

/** `schema` with every object that declares its fields closed to others. */
function closed(schema: CrdSchema): CrdSchema {
    const { properties, additionalProperties, items, anyOf } = schema;
    return {
        ...schema,
        ...(properties && { properties: Object.fromEntries(Object.entries(properties).map(([key, child]) => [key, closed(child)])) }),
        ...(properties && additionalProperties === undefined && !schema["x-kubernetes-preserve-unknown-fields"] && { additionalProperties: false }),
        ...(typeof additionalProperties === "object" && { additionalProperties: closed(additionalProperties) }),
        ...(items && { items: closed(items) }),
        ...(anyOf && { anyOf: anyOf.map(closed) }),
    };
}

function errorText(error: ErrorObject): string {
    return `${error.instancePath || "/"}: ${error.message ?? error.keyword} ${JSON.stringify(error.params)}`;
}

/** Throws listing every place `object` breaks the published schema. */
function validatorFor(published: PublishedSchema): (object: unknown) => void {
    const { kind, openAPIV3Schema } = published;
    const validate = ajv.compile({ ...closed(openAPIV3Schema), required: [...new Set(["apiVersion", "kind", "metadata", ...(openAPIV3Schema.required ?? [])])] });
    return (object) => {
        if (!validate(object)) throw new Error(`${kind} does not validate:\n  ${(validate.errors ?? []).map(errorText).join("\n  ")}`);
    };
}

const SCHEMA_DIR = path.join(REPO_ROOT, "test", "schemas");

/** A validator for each schema in `test/schemas/`, by `<apiVersion>/<kind>`. */
export const CRD_VALIDATORS: Record<string, (object: unknown) => void> = Object.fromEntries(
    fs
        .readdirSync(SCHEMA_DIR)
        .map((file) => parse(fs.readFileSync(path.join(SCHEMA_DIR, file), "utf8")) as PublishedSchema)
        .map((published) => [`${published.group}/${published.version}/${published.kind}`, validatorFor(published)]),
);
