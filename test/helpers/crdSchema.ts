/**
 * Validators for the custom resources no npm package models: ajv over our own schemas in
 * `test/schemas/`, each written from the fields of its published CRD (the file says which). An
 * `x-kubernetes-validations` rule (a CRD's CEL rule) runs as its JavaScript twin below; a rule
 * without one fails the compilation rather than pass unchecked.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import Ajv, { ErrorObject } from "ajv";
import { parse } from "yaml";
import { REPO_ROOT } from "../../tools/repoRoot";

/** One file of `test/schemas/`. */
interface CrdSchemaFile {
    group: string;
    version: string;
    kind: string;
    schema: object;
}

const has = (self: unknown, key: string) => typeof self === "object" && self !== null && (self as Record<string, unknown>)[key] !== undefined;
/** The CEL rules of the schemas here, by their text; `self` is the value the rule sits on. */
const CEL: Record<string, (self: unknown) => boolean> = {
    "((has(self.authorization) ? 1 : 0) + (has(self.basicAuth) ? 1 : 0) + (has(self.oauth2) ? 1 : 0)) <= 1": (self) =>
        ["authorization", "basicAuth", "oauth2"].filter((method) => has(self, method)).length <= 1,
};

const ajv = new Ajv({ allErrors: true });
ajv.addKeyword({
    keyword: "x-kubernetes-validations",
    schemaType: "array",
    errors: true,
    compile(rules: { rule: string; message: string }[]) {
        const checks = rules.map((rule) => {
            const check = CEL[rule.rule];
            if (check === undefined) throw new Error(`no JavaScript for the CEL rule ${rule.rule}`);
            return { rule, check };
        });
        const validate = (self: unknown): boolean => {
            const failed = checks.filter(({ check }) => !check(self));
            validate.errors = failed.map(({ rule }) => ({ keyword: "x-kubernetes-validations", message: rule.message, params: { rule: rule.rule } }));
            return failed.length === 0;
        };
        validate.errors = [] as Partial<ErrorObject>[]; // declares the property ajv reads
        return validate;
    },
});

function validatorFor({ kind, schema }: CrdSchemaFile): (object: unknown) => void {
    const validate = ajv.compile(schema);
    return (object) => {
        if (!validate(object)) {
            const errors = (validate.errors ?? []).map((e) => `${e.instancePath || "/"}: ${e.message ?? e.keyword} ${JSON.stringify(e.params)}`);
            throw new Error(`${kind} does not validate:\n  ${errors.join("\n  ")}`);
        }
    };
}

const SCHEMA_DIR = path.join(REPO_ROOT, "test", "schemas");

/** A validator for each schema in `test/schemas/`, by `<group>/<version>/<kind>`. */
export const CRD_VALIDATORS: Record<string, (object: unknown) => void> = Object.fromEntries(
    fs
        .readdirSync(SCHEMA_DIR)
        .map((file) => parse(fs.readFileSync(path.join(SCHEMA_DIR, file), "utf8")) as CrdSchemaFile)
        .map((file) => [`${file.group}/${file.version}/${file.kind}`, validatorFor(file)]),
);
