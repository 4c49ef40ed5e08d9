/**
 * The package as other Pulumi languages see it: the schema the SDK's component provider infers
 * from the source (what `pulumi package add` runs), the reference page generated from it, the
 * plugin manifest, and the boundary between the package and the stack program.
 */
import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import { before, test } from "node:test";
import { parse } from "yaml";
import { apiKeyProblems } from "../components/routing/apiKeysPlan";
import { PACKAGE_ROOT, PackageSchema, SchemaProperty, exportedComponents, inferPackageSchema, pluginName } from "../tools/packageSchema";
import { referenceExamples } from "../tools/docs";
import { REFERENCE_DOCS_PATH, referenceMarkdown } from "../tools/referenceDocs";

const read = (file: string) => fs.readFileSync(path.join(PACKAGE_ROOT, file), "utf8");
const packageJson = JSON.parse(read("package.json"));
const projectName = (parse(read("Pulumi.yaml")) as { name: string }).name;
/** The components the issue asks for; more may be added, none may disappear. */
const KNOWN_COMPONENTS = ["BodyBasedRouter", "GpuNodePool", "InferenceGateway", "InferencePool", "ModelRoute", "ModelServer", "MultiModelInference"];

let schema: PackageSchema;
before(async () => {
    schema = await inferPackageSchema();
});

const token = (component: string) => `${pluginName(packageJson.name)}:index:${component}`;

/** Every `#/types/...` a property refers to, directly or through arrays and maps. */
function referencedTypes(property: SchemaProperty): string[] {
    const own = property.$ref?.startsWith("#/types/") ? [property.$ref.slice("#/types/".length)] : [];
    return [
        ...own,
        ...(property.items ? referencedTypes(property.items) : []),
        ...(property.additionalProperties ? referencedTypes(property.additionalProperties) : []),
    ];
}

test("the plugin name the language host derives from package.json is the type tokens' package", () => {
    assert.equal(pluginName(packageJson.name), projectName);
    assert.deepEqual(parse(read("PulumiPlugin.yaml")), { runtime: "nodejs" });
});

test("every exported component is in the inferred schema, with documented inputs and outputs", () => {
    const exported = exportedComponents().map((c) => c.name);
    for (const known of KNOWN_COMPONENTS) assert.ok(exported.includes(known), `${known} is not exported from index.ts`);
    assert.deepEqual(Object.keys(schema.resources).sort(), exported.map(token).sort());
    for (const component of exported) {
        const resource = schema.resources[token(component)];
        assert.equal(resource.isComponent, true, component);
        assert.ok(resource.description?.trim(), `${component} has no description`);
        const inputs = Object.entries(resource.inputProperties ?? {});
        const outputs = Object.entries(resource.properties ?? {});
        assert.ok(inputs.length > 0, `${component} has no inputs`);
        assert.ok(outputs.length > 0, `${component} has no outputs`);
        for (const [name, property] of [...inputs, ...outputs]) {
            assert.ok(property.description?.trim(), `${component}.${name} has no description`);
        }
    }
});

test("every type the components use is in the schema, with documented properties and enum values", () => {
    const properties = Object.values(schema.resources).flatMap((r) => [...Object.values(r.inputProperties ?? {}), ...Object.values(r.properties ?? {})]);
    const seen = new Set<string>();
    const queue = properties.flatMap(referencedTypes);
    while (queue.length > 0) {
        const name = queue.pop()!;
        if (seen.has(name)) continue;
        seen.add(name);
        const type = schema.types[name];
        // SDK 3.248's schema generator drops a type's own description; its members keep theirs.
        assert.ok(type, `${name} is referenced but not in the schema`);
        for (const member of type.enum ?? []) assert.ok(member.description?.trim(), `${name}.${member.name} has no description`);
        for (const [prop, property] of Object.entries(type.properties ?? {})) {
            assert.ok(property.description?.trim(), `${name}.${prop} has no description`);
            queue.push(...referencedTypes(property));
        }
    }
    assert.deepEqual(
        schema.types[token("AcceleratorType")].enum?.map((e) => e.value),
        ["nvidia-l4", "nvidia-tesla-a100", "nvidia-a100-80gb", "nvidia-h100-80gb"],
    );
});

test("the top-level component's inputs are the stack config's keys, the token an Input", () => {
    const inputs = schema.resources[token("MultiModelInference")].inputProperties ?? {};
    for (const key of ["cluster", "models", "nodePools", "provider", "charts", "namespace", "gatewayName", "vllmImage"]) {
        assert.ok(inputs[key], `input ${key} missing`);
    }
    // Plain data everywhere but the token, which usually arrives as a secret Output.
    assert.equal(inputs["hfToken"].plain, undefined);
    assert.equal(inputs["models"].plain, true);
});

test(`${REFERENCE_DOCS_PATH} is generated from the current schema (run \`npm run docs\`)`, () => {
    assert.equal(read(REFERENCE_DOCS_PATH), referenceMarkdown(schema, referenceExamples()));
});

test("the YAML example sets only inputs the schema has, and every required one", () => {
    const program = parse(read("examples/yaml/Pulumi.yaml")) as { resources: Record<string, { type: string; properties?: object }> };
    const uses = Object.values(program.resources).filter((r) => r.type.startsWith(`${projectName}:`));
    assert.ok(uses.length > 0);
    for (const use of uses) {
        const resource = schema.resources[use.type];
        assert.ok(resource, `${use.type} is not in the schema`);
        const given = Object.keys(use.properties ?? {});
        for (const key of given) assert.ok(resource.inputProperties?.[key], `${use.type} has no input ${key}`);
        for (const key of resource.requiredInputs ?? []) assert.ok(given.includes(key), `${use.type} needs ${key}`);
    }
});

test("the YAML example reads apiKeys as its README sets it: one key, or several split at commas, which no valid key holds", () => {
    const program = parse(read("examples/yaml/Pulumi.yaml")) as {
        config: Record<string, unknown>;
        resources: Record<string, { properties?: Record<string, unknown> }>;
    };
    assert.deepEqual(program.config["apiKeys"], { type: "String", secret: true });
    assert.deepEqual(program.resources["inference"].properties?.["apiKeys"], { keys: { "fn::split": [",", "${apiKeys}"] } });
    const key = "k".repeat(32);
    assert.deepEqual(apiKeyProblems([key, key.toUpperCase()], "apiKeys"), []);
    assert.notDeepEqual(apiKeyProblems([`${key},${key}`], "apiKeys"), []);
});

test("the package does not reach into the stack program or the offline tools", () => {
    const files = ["index.ts", ...fs.readdirSync(path.join(PACKAGE_ROOT, "components")).map((f) => `components/${f}`)];
    for (const file of files.filter((f) => f.endsWith(".ts"))) {
        const specifiers = [...read(file).matchAll(/(?:from|import|require\()\s*["']([^"']+)["']/g)].map((m) => m[1]);
        for (const specifier of specifiers.filter((s) => s.startsWith("."))) {
            const target = path.relative(PACKAGE_ROOT, path.resolve(PACKAGE_ROOT, path.dirname(file), specifier));
            assert.ok(target.startsWith("components"), `${file} imports ${specifier}: outside the package`);
        }
    }
    assert.equal(
        read("index.ts")
            .match(/from "([^"]+)"/g)
            ?.join(),
        'from "./components"',
    );
});

test("package.json: a versioned, publishable package whose entry points are the built index", () => {
    assert.match(packageJson.version, /^\d+\.\d+\.\d+(-[\w.]+)?$/);
    assert.equal(packageJson.private, undefined);
    // No `main`: the plugin host requires the directory and must land on index.ts (the source,
    // as a git clone has no dist/); Node and TypeScript consumers follow `exports` and `types`.
    assert.equal(packageJson.main, undefined);
    assert.deepEqual(packageJson.exports["."], { types: "./dist/index.d.ts", default: "./dist/index.js" });
    assert.equal(packageJson.types, "./dist/index.d.ts");
    assert.deepEqual(packageJson.files, ["dist/", "CHANGELOG.md"]);
    assert.match(read("CHANGELOG.md"), new RegExp(`^## ${packageJson.version.replace(/\./g, "\\.")}\\b`, "m"));
    const build = JSON.parse(read("tsconfig.build.json"));
    assert.deepEqual(build.include, ["index.ts", "components/**/*.ts"]);
});
