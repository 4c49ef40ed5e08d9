/**
 * Reads the stack config: every key in the project's namespace goes through the serving schema
 * and plan checks (unknown keys are errors), the Hugging Face token must be a secret, and so must
 * the API keys unless the stack opts out of them. All problems are reported together, before any
 * resource is registered, and none shows a secret.
 */
import * as pulumi from "@pulumi/pulumi";
import * as runtimeConfig from "@pulumi/pulumi/runtime/config";
import {
    ApiKeysAdvice,
    ApiKeysArgs,
    ConfigError,
    ConfigProblem,
    MAKE_A_KEY,
    ServingConfig,
    ServingPlan,
    apiKeyProblems,
    apiKeysRequired,
    checkApiKeysGiven,
    parseApiKeys,
    planServing,
} from "../components";

/** The stack's settings. */
export interface StackConfig {
    /** What to serve and where. */
    serving: ServingConfig;
    /** The checked plan of `serving`. */
    plan: ServingPlan;
    /** The Hugging Face token, a secret. */
    hfToken: pulumi.Output<string>;
    /** Whether clients need an API key, and the keys (a secret) when given. */
    apiKeys: ApiKeysArgs;
}

const HF_TOKEN_KEY = "hfToken";
const SET_TOKEN = `set it with: pulumi config set --secret ${HF_TOKEN_KEY} <token>`;
const API_KEYS_KEY = "apiKeys";

/** The config keys whose values are held as Pulumi secrets (`secure:`): the Hugging Face token
 * always, the API keys unless the stack opts out with the plain `apiKeys: {required: false}`. No
 * other key may hold a secret. */
export const SECRET_CONFIG_KEYS = [HF_TOKEN_KEY, API_KEYS_KEY] as const;

/** How a stack sets its API keys or opts out, for messages. */
const STACK_API_KEYS_ADVICE: ApiKeysAdvice = {
    path: API_KEYS_KEY,
    set: `pulumi config set --secret ${API_KEYS_KEY} <key> (several, for a rotation: pulumi config set --secret ${API_KEYS_KEY} '["<new key>","<old key>"]'; ${MAKE_A_KEY})`,
    optOut: `pulumi config set --path ${API_KEYS_KEY}.required false`,
};

/** The API keys entry: a secret holding the keys, or a plain `{required}`. Returns the keys when
 * given (checked), the plain policy, and problems that never show the value. */
function readApiKeys(value: string | undefined, secret: boolean): { keys?: string[]; policy?: { required: boolean }; problems: ConfigProblem[] } {
    if (value === undefined || value === "") return { problems: [] };
    if (secret) {
        const keys = parseApiKeys(value);
        const problems = apiKeyProblems(keys, API_KEYS_KEY);
        return problems.length > 0 ? { problems } : { keys: keys as string[], policy: { required: true }, problems };
    }
    const decoded = decodeConfigValue(value);
    const plain = typeof decoded === "object" && decoded !== null && !Array.isArray(decoded) ? (decoded as Record<string, unknown>) : undefined;
    if (plain !== undefined && Object.keys(plain).length === 1 && typeof plain["required"] === "boolean") {
        return { policy: { required: plain["required"] }, problems: [] };
    }
    return {
        problems: [
            {
                path: API_KEYS_KEY,
                message:
                    plain === undefined
                        ? `is stored in plain text (not shown); keys must be a secret: ${STACK_API_KEYS_ADVICE.set}`
                        : `in plain text may only be {required: true|false} (not shown); keys go in a secret: ${STACK_API_KEYS_ADVICE.set}`,
            },
        ],
    };
}

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
): { serving: ServingConfig; plan: ServingPlan; apiKeys: { required: boolean; keys?: string[] } } {
    const prefix = `${project}:`;
    const serving: Record<string, unknown> = {};
    for (const [fullKey, value] of Object.entries(entries)) {
        if (!fullKey.startsWith(prefix)) continue;
        const key = fullKey.slice(prefix.length);
        if (!(SECRET_CONFIG_KEYS as readonly string[]).includes(key)) serving[key] = decodeConfigValue(value);
    }
    const problems: ConfigProblem[] = [];
    const apiKeysKey = `${prefix}${API_KEYS_KEY}`;
    const apiKeys = readApiKeys(entries[apiKeysKey], secretKeys.includes(apiKeysKey));
    problems.push(...apiKeys.problems);
    if (apiKeys.policy !== undefined) serving[API_KEYS_KEY] = apiKeys.policy;
    const internal = (serving["gateway"] as { internal?: unknown } | undefined)?.internal === true;
    const required = apiKeysRequired({ apiKeys: apiKeys.policy, gateway: { internal } });
    // A malformed keys secret is reported above; it does not also count as missing.
    if (apiKeys.problems.length === 0) problems.push(...checkApiKeysGiven(required, apiKeys.keys !== undefined, internal, STACK_API_KEYS_ADVICE));
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
    return { serving: serving as unknown as ServingConfig, plan, apiKeys: { required, keys: apiKeys.keys } };
}

/** Reads and checks this stack's config. */
export function readStackConfig(): StackConfig {
    // Internal to the SDK (pinned), but the only way to tell a `secure:` value from a plain one.
    const { isConfigSecret } = runtimeConfig as unknown as { isConfigSecret(key: string): boolean };
    const entries = pulumi.runtime.allConfig();
    const secretKeys = Object.keys(entries).filter((key) => isConfigSecret(key));
    const { serving, plan, apiKeys } = parseStackConfig(pulumi.getProject(), entries, secretKeys);
    return {
        serving,
        plan,
        hfToken: new pulumi.Config().requireSecret(HF_TOKEN_KEY),
        apiKeys: { required: apiKeys.required, keys: apiKeys.keys === undefined ? undefined : pulumi.secret(apiKeys.keys) },
    };
}
