/**
 * The cross-language schema of this package, inferred the way `pulumi package add` infers it:
 * the SDK's component provider loads the plugin entry point (`index.ts`), finds every exported
 * ComponentResource class and analyses its args interface and public properties with the
 * TypeScript compiler. Run in-process, with no Pulumi CLI.
 */
import * as fs from "fs";
import * as path from "path";
import { ComponentProvider, getPulumiComponents } from "@pulumi/pulumi/provider/experimental/provider";
import * as tsNode from "ts-node";
import { REPO_ROOT } from "./repoRoot";

/** The repository root, which is also the plugin's directory. */
export const PACKAGE_ROOT = REPO_ROOT;

/** A property of a resource or type in a Pulumi package schema. */
export interface SchemaProperty {
    type?: string;
    $ref?: string;
    items?: SchemaProperty;
    additionalProperties?: SchemaProperty;
    description?: string;
    plain?: boolean;
}

/** An object or enum type in a Pulumi package schema. */
export interface SchemaType {
    type: string;
    description?: string;
    properties?: Record<string, SchemaProperty>;
    required?: string[];
    enum?: { name: string; value: string | number; description?: string }[];
}

/** A component resource in a Pulumi package schema. */
export interface SchemaResource {
    description?: string;
    isComponent?: boolean;
    inputProperties?: Record<string, SchemaProperty>;
    requiredInputs?: string[];
    properties?: Record<string, SchemaProperty>;
    required?: string[];
}

/** The parts of a Pulumi package schema the docs and tests read. */
export interface PackageSchema {
    name: string;
    version: string;
    description?: string;
    resources: Record<string, SchemaResource>;
    types: Record<string, SchemaType>;
}

/** The plugin name the Node.js language host derives from package.json's `name` (SDK 3.248's
 * run-plugin: the scope becomes the namespace, other characters become `-`). */
export function pluginName(packageJsonName: string): string {
    return packageJsonName.replace(/^@[^/]+\//, "").replace(/[^-a-zA-Z0-9_]/g, "-");
}

let typeScriptLoader: tsNode.Service | undefined;

/**
 * The ComponentResource classes the plugin exports, found as the language host finds them: it
 * registers ts-node (SDK 3.248, cmd/run-plugin/run.js; here without its type check, which
 * `npm test` runs once), requires the package directory (no `main`, so Node picks `index.ts`
 * through that loader) and scans the exports.
 */
export function exportedComponents(): ReturnType<typeof getPulumiComponents> {
    typeScriptLoader ??= tsNode.register({ transpileOnly: true, project: path.join(PACKAGE_ROOT, "tsconfig.json") });
    return getPulumiComponents(require(PACKAGE_ROOT));
}

/** The component provider `pulumi package add` runs for this package: it answers GetSchema and
 * constructs the components for other languages. */
export function componentProvider(): ComponentProvider {
    const packageJson = JSON.parse(fs.readFileSync(path.join(PACKAGE_ROOT, "package.json"), "utf8")) as { name: string };
    return new ComponentProvider({
        name: pluginName(packageJson.name),
        dirname: PACKAGE_ROOT,
        components: exportedComponents(),
    });
}

/** Infers the package schema from the source, as the component provider answers GetSchema. */
export async function inferPackageSchema(): Promise<PackageSchema> {
    return JSON.parse(await componentProvider().getSchema()) as PackageSchema;
}
