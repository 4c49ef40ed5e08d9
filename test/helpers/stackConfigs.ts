/** Variants of a stack file for mocked runs: the same config with some keys changed. */
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { parse as parseYaml, stringify as toYaml } from "yaml";
import { REPO_ROOT } from "../../tools/mockRuntime";

/** A stack file's config, keyed as in the file (`multi-model-inference:<key>`). */

export type StackConfig = Record<string, any>;

/** The full config key of a project key, e.g. `models` → `multi-model-inference:models`. */
export const configKey = (name: string) => `multi-model-inference:${name}`;

const work = fs.mkdtempSync(path.join(os.tmpdir(), "stack-configs-"));
process.on("exit", () => fs.rmSync(work, { recursive: true, force: true }));

/** Writes `Pulumi.<stack>.yaml` after `change` has edited its config, as file `variant`, and
 * returns the file's path. */
export function stackVariant(stack: string, variant: string, change: (config: StackConfig) => void): string {
    const document = parseYaml(fs.readFileSync(path.join(REPO_ROOT, `Pulumi.${stack}.yaml`), "utf8")) as { config: StackConfig };
    change(document.config);
    const file = path.join(work, `${stack}-${variant}.yaml`);
    fs.writeFileSync(file, toYaml(document));
    return file;
}

/** Writes `Pulumi.<stack>.yaml` with each model passed through `change` (given its index) and
 * returns the file's path. */
export function stackConfigWith(stack: string, variant: string, change: (model: Record<string, unknown>, index: number) => Record<string, unknown>): string {
    return stackVariant(stack, variant, (config) => {
        config[configKey("models")] = (config[configKey("models")] as Record<string, unknown>[]).map(change);
    });
}

/** One adapter per model of the upstream guide, as clients would name them. */
export const ONE_ADAPTER_EACH = [
    [{ name: "food-review", source: "Kawon/llama3.1-food-finetune_v14_r8" }],
    [{ name: "phi-support", source: "example-org/phi-4-mini-support-lora" }],
];
