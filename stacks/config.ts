/**
 * Reads the stack config: every key in the project's namespace goes through the serving schema
 * and plan checks (unknown keys are errors), and the Hugging Face token must be a secret. All
 * problems are reported together, before any resource is registered.
 */
import * as pulumi from "@pulumi/pulumi";
import * as runtimeConfig from "@pulumi/pulumi/runtime/config";
import { ConfigError, ConfigProblem, ServingConfig, ServingPlan, planServing } from "../components";

/** The stack's settings. */
export interface StackConfig {
    /** What to serve and where. */
    serving: ServingConfig;
    /** The checked plan of `serving`. */
    plan: ServingPlan;
    /** The Hugging Face token, a secret. */
    hfToken: pulumi.Output<string>;
}

const HF_TOKEN_KEY = "hfToken";
const SET_TOKEN = `set it with: pulumi config set --secret ${HF_TOKEN_KEY} <token>`;

/** Config values arrive as strings; objects, lists and booleans are JSON-encoded. */
export function decodeConfigValue(value: string): unknown {
    if (/^\s*[[{]/.test(value) || value === "true" || value === "false") {
        try {
            return JSON.parse(value);
        } catch {
            return value;
        }
    }
    return value;
}

/**
 * Checks the project's config entries (`<project>:<key>` → string) and returns the serving
 * config with its plan; `secretKeys` are the keys Pulumi holds as secrets.
 */
export function parseStackConfig(
    project: string,
    entries: Record<string, string>,
    secretKeys: readonly string[],
): { serving: ServingConfig; plan: ServingPlan } {
    const prefix = `${project}:`;
    const serving: Record<string, unknown> = {};
    for (const [fullKey, value] of Object.entries(entries)) {
        if (!fullKey.startsWith(prefix)) continue;
        const key = fullKey.slice(prefix.length);
        if (key !== HF_TOKEN_KEY) serving[key] = decodeConfigValue(value);
    }
    const problems: ConfigProblem[] = [];
    const tokenKey = `${prefix}${HF_TOKEN_KEY}`;
    if (entries[tokenKey] === undefined || entries[tokenKey] === "") {
        problems.push({ path: HF_TOKEN_KEY, message: `is required (a Hugging Face token with access to the models); ${SET_TOKEN}` });
    } else if (!secretKeys.includes(tokenKey)) {
        problems.push({ path: HF_TOKEN_KEY, message: `is stored in plain text; ${SET_TOKEN}` });
    }
    let plan: ServingPlan | undefined;
    try {
        plan = planServing(serving);
    } catch (error) {
        if (!(error instanceof ConfigError)) throw error;
        // A problem under a key held as a secret must not echo its value.
        const secret = new Set(secretKeys.map((k) => k.slice(prefix.length)));
        problems.push(
            ...error.problems.map((p) =>
                secret.has(p.path.split(/[.[]/)[0])
                    ? { path: p.path, message: "has an invalid value (not shown: it is a secret); check its type and format" }
                    : p,
            ),
        );
    }
    if (problems.length > 0 || plan === undefined) throw new ConfigError(problems, `stack configuration of ${project}`);
    return { serving: serving as unknown as ServingConfig, plan };
}

/** Reads and checks this stack's config. */
export function readStackConfig(): StackConfig {
    // Internal to the SDK (pinned), but the only way to tell a `secure:` value from a plain one.
    const { isConfigSecret } = runtimeConfig as unknown as { isConfigSecret(key: string): boolean };
    const entries = pulumi.runtime.allConfig();
    const secretKeys = Object.keys(entries).filter((key) => isConfigSecret(key));
    const { serving, plan } = parseStackConfig(pulumi.getProject(), entries, secretKeys);
    return { serving, plan, hfToken: new pulumi.Config().requireSecret(HF_TOKEN_KEY) };
}
