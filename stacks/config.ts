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
    MAX_CONFIG_DEPTH,
    ServingConfig,
    ServingPlan,
    apiKeyProblems,
    apiKeysRequired,
    checkApiKeysGiven,
    nestedDeeperThan,
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
/** Keys that reach JavaScript's object machinery instead of naming a field. */
const PROTOTYPE_KEYS = new Set(["__proto__", "constructor", "prototype"]);
/** Edits that turn a namespace into the project's and still count as a typo of it. */
const NAMESPACE_TYPO_DISTANCE = 3;

/** Letters that look like the Latin ones a project name uses: Cyrillic, Greek and Armenian small
 * letters and dashes from Unicode's confusables (UTS #39 confusables.txt), and a few Cyrillic
 * small capitals that read alike in a terminal (м, п, т, г). Full-width and other compatibility
 * forms are left to NFKC. Detection only: a false match is a refused key, never a changed one. */
const LOOK_ALIKES: Record<string, string> = {
    а: "a",
    в: "b",
    с: "c",
    ԁ: "d",
    е: "e",
    ҽ: "e",
    һ: "h",
    і: "i",
    ӏ: "l",
    ј: "j",
    к: "k",
    м: "m",
    п: "n",
    о: "o",
    р: "p",
    ԛ: "q",
    г: "r",
    ѕ: "s",
    т: "t",
    у: "y",
    х: "x",
    ԝ: "w",
    α: "a",
    ε: "e",
    ι: "i",
    κ: "k",
    ν: "v",
    ο: "o",
    ρ: "p",
    τ: "t",
    υ: "u",
    χ: "x",
    օ: "o",
    ս: "u",
    ո: "n",
    ı: "i",
    "‐": "-",
    "‑": "-",
    "‒": "-",
    "–": "-",
    "—": "-",
    "−": "-",
    _: "-",
};

/** `name` as it looks: compatibility forms (full-width letters) to their plain ones (NFKC),
 * lower case, look-alike letters to the Latin ones (see {@link LOOK_ALIKES}). */
function asItLooks(name: string): string {
    return [...name.normalize("NFKC").toLowerCase()].map((c) => LOOK_ALIKES[c] ?? c).join("");
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
    const problems: ConfigProblem[] = [];
    for (const [fullKey, value] of Object.entries(entries)) {
        if (!fullKey.startsWith(prefix)) {
            problems.push(...foreignKeyProblems(project, fullKey));
            continue;
        }
        const key = fullKey.slice(prefix.length);
        if ((SECRET_CONFIG_KEYS as readonly string[]).includes(key)) continue;
        const raw = decodeConfigValue(value);
        // The checks below recurse per level; the CLI passes any depth.
        if (nestedDeeperThan(raw, MAX_CONFIG_DEPTH)) {
            problems.push({ path: key, message: `is nested more than ${MAX_CONFIG_DEPTH} levels deep; no setting of this program nests so` });
            continue;
        }
        const prototypeKeys = PROTOTYPE_KEYS.has(key) ? [key] : [];
        const decoded = withoutPrototypeKeys(key, raw, prototypeKeys);
        problems.push(...prototypeKeys.map((path) => ({ path, message: "is not allowed: a JavaScript prototype key, never a config field" })));
        if (secretKeys.includes(fullKey)) {
            problems.push({
                path: key,
                message:
                    `is stored as a secret, but only ${SECRET_CONFIG_KEYS.join(" and ")} are: the program writes ${key} into object names, ` +
                    `labels and the render in plain text. Set it without --secret (pulumi config set ${key} ...)`,
            });
        }
        if (!PROTOTYPE_KEYS.has(key)) serving[key] = decoded;
    }
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

/** `value` (the value of key `path`) without its prototype keys, whose paths go to `found`; the
 * rest is still checked. */
function withoutPrototypeKeys(path: string, value: unknown, found: string[]): unknown {
    if (Array.isArray(value)) return value.map((item, i) => withoutPrototypeKeys(`${path}[${i}]`, item, found));
    if (typeof value !== "object" || value === null) return value;
    const kept: [string, unknown][] = [];
    for (const [key, item] of Object.entries(value)) {
        if (PROTOTYPE_KEYS.has(key)) found.push(`${path}.${key}`);
        else kept.push([key, withoutPrototypeKeys(`${path}.${key}`, item, found)]);
    }
    return Object.fromEntries(kept);
}

/** A key of another namespace is another package's (`gcp:project`) and none of ours, unless the
 * namespace is a typo or a look-alike of the project's: then the setting would be silently
 * ignored. */
function foreignKeyProblems(project: string, fullKey: string): ConfigProblem[] {
    const separator = fullKey.indexOf(":");
    const namespace = fullKey.slice(0, Math.max(separator, 0));
    if (editDistance(asItLooks(namespace), asItLooks(project)) > NAMESPACE_TYPO_DISTANCE) return [];
    const intended = `${project}:${fullKey.slice(separator + 1)}`;
    return [
        {
            path: fullKey,
            message: `is in namespace ${JSON.stringify(namespace)}, not this project's ${JSON.stringify(project)}, so the program would ignore it; did you mean ${intended}?`,
        },
    ];
}

/** Levenshtein distance: insertions, deletions and substitutions that turn `a` into `b`. */
function editDistance(a: string, b: string): number {
    let previous = Array.from({ length: b.length + 1 }, (_, j) => j);
    for (let i = 1; i <= a.length; i++) {
        const current = [i];
        for (let j = 1; j <= b.length; j++) {
            current[j] = Math.min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (a[i - 1] === b[j - 1] ? 0 : 1));
        }
        previous = current;
    }
    return previous[b.length];
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
