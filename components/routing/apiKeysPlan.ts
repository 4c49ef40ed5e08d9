/**
 * API keys in the plan: whether clients must send one, what a valid key is, and the Secret every
 * consumer reads them from. Key values are secrets: no function here puts one in a message.
 *
 * vLLM's check (vllm-project/vllm tag v0.11.0, commit b8b302cd,
 * `vllm/entrypoints/openai/api_server.py` `AuthenticationMiddleware` and lines 1557-1559):
 * `--api-key` takes several keys (`Optional[list[str]]` in `cli_args.py`, so `nargs='+'`),
 * `VLLM_API_KEY` only one and only when `--api-key` is absent; a request passes when its
 * `Authorization` header is `Bearer <one of the keys>` (scheme case-insensitive). Only paths
 * starting with `/v1` are checked: `/health`, `/metrics`, `/ping`, `/load`, `/version`, but also
 * `/invocations`, `/tokenize`, `/pooling`, `/classify`, `/score` and `/rerank`, stay open; and
 * every key passes on every `/v1` path, the adapter admin endpoints included, which is why the
 * model routes match only `INFERENCE_PATHS`, exactly (see `modelRoute.ts`). The keys are read once
 * at start.
 */
import { createHash } from "node:crypto";
import type { ConfigProblem } from "../config/configErrors";

/** RFC 6750 §2.1 `b64token`: what a Bearer token may consist of. Nothing in it needs quoting in
 * a header, YAML or a shell word. */
export const API_KEY_PATTERN = /^[A-Za-z0-9._~+/-]+=*$/;
/** Shortest key accepted: keys guard GPUs on the internet, and their SHA-256 digests sit in the
 * cluster (see {@link apiKeysSecretData}), so they must be too long to guess. */
export const MIN_API_KEY_LENGTH = 32;
/** Longest key accepted. */
export const MAX_API_KEY_LENGTH = 512;

/** How to make a key of the right form; quoted in messages. */
export const MAKE_A_KEY = "make one with: openssl rand -hex 32";

/** The Kubernetes Secret holding the keys, one entry per consumer. */
export const API_KEYS_SECRET = {
    name: "api-keys",
    /** A vLLM `--config` file (`api-key: [...]`), so no key is in the pod spec or argv. */
    vllmConfig: "vllm-api-keys.yaml",
    /** SHA-256 digests of the keys, one per line, for the `/v1/models` responder. */
    digests: "sha256",
    /** One key, the first, sent by the LoRA syncer sidecar to vLLM on localhost. */
    syncerKey: "lora-syncer",
} as const;

/** The keys held by a secret config value: a JSON list of keys, or else one key. The result is
 * checked by {@link apiKeyProblems}. */
export function parseApiKeys(text: string): unknown {
    if (!text.trimStart().startsWith("[")) return [text];
    try {
        return JSON.parse(text) as unknown;
    } catch {
        return undefined;
    }
}

/** Problems with a list of keys, at config key `path`; messages name positions, never values. */
export function apiKeyProblems(keys: unknown, path: string): ConfigProblem[] {
    const hidden = "(not shown: it is a secret)";
    if (!Array.isArray(keys)) {
        return [{ path, message: `is not a key or a JSON list of keys ${hidden}; give e.g. '["<key>", "<older key>"]'` }];
    }
    if (keys.length === 0) return [{ path, message: `holds no keys ${hidden}; give at least one key: ${MAKE_A_KEY}` }];
    const problems: ConfigProblem[] = [];
    keys.forEach((key: unknown, index) => {
        const at = `${path}[${index}]`;
        if (typeof key !== "string") {
            problems.push({ path: at, message: `is not a string ${hidden}` });
        } else if (key.length < MIN_API_KEY_LENGTH || key.length > MAX_API_KEY_LENGTH) {
            problems.push({
                path: at,
                message: `has ${key.length} characters ${hidden}; a key has ${MIN_API_KEY_LENGTH} to ${MAX_API_KEY_LENGTH}: ${MAKE_A_KEY}`,
            });
        } else if (!API_KEY_PATTERN.test(key)) {
            problems.push({
                path: at,
                message: `has characters a Bearer token cannot carry ${hidden}; use letters, digits and - . _ ~ + / (= only at the end): ${MAKE_A_KEY}`,
            });
        } else if (key.startsWith("-")) {
            // vLLM turns the --config file's list into argv words (v0.11.0 vllm/utils/__init__.py,
            // v0.20.2 vllm/utils/argparse_utils.py load_config_file): argparse reads this one as an option.
            problems.push({
                path: at,
                message: `starts with "-" ${hidden}; vLLM reads its keys as command-line words and would take this one for an option, so every model server would fail to start: ${MAKE_A_KEY}`,
            });
        } else if (keys.indexOf(key) !== index) {
            problems.push({ path: at, message: `repeats an earlier key ${hidden}` });
        }
    });
    return problems;
}

/** Whether clients must send a key: `apiKeys.required` when given, else for an external gateway. */
export function apiKeysRequired(config: { apiKeys?: { required?: boolean }; gateway: { internal: boolean } }): boolean {
    return config.apiKeys?.required ?? !config.gateway.internal;
}

/** How the caller sets keys or opts out, for messages: the stack's commands or the component's
 * args. */
export interface ApiKeysAdvice {
    /** The config key the problem is reported under. */
    path: string;
    /** How to give keys. */
    set: string;
    /** How to serve without keys. */
    optOut: string;
}

/** The problem when keys are required but not given, or given but declared not required. */
export function checkApiKeysGiven(required: boolean, keysGiven: boolean, internal: boolean, advice: ApiKeysAdvice): ConfigProblem[] {
    if (required && !keysGiven) {
        const why = internal
            ? "apiKeys.required is true"
            : "the gateway is external (gateway.internal is false), so anyone on the internet could spend its GPUs";
        return [{ path: advice.path, message: `is required: ${why}. Set the keys: ${advice.set}; or serve without keys: ${advice.optOut}` }];
    }
    if (!required && keysGiven) {
        return [{ path: advice.path, message: "gives keys but apiKeys.required is false: remove the keys, or remove required" }];
    }
    return [];
}

function digest(key: string): string {
    return createHash("sha256").update(key).digest("hex");
}

/** The Secret's entries (see {@link API_KEYS_SECRET}); all of them secret. */
export function apiKeysSecretData(keys: readonly string[]): Record<string, string> {
    return {
        [API_KEYS_SECRET.vllmConfig]: `${JSON.stringify({ "api-key": keys })}\n`,
        [API_KEYS_SECRET.digests]: `${keys.map(digest).join("\n")}\n`,
        [API_KEYS_SECRET.syncerKey]: keys[0],
    };
}

/** Changes whenever the set of keys changes, whatever their order: vLLM reads its keys only at
 * start, so the model servers' pod template carries this to roll them on a rotation. A digest of
 * the keys' digests, safe to show for keys of {@link MIN_API_KEY_LENGTH} characters or more. */
export function apiKeysVersion(keys: readonly string[]): string {
    return digest(`api-keys\n${keys.map(digest).sort().join("\n")}`).slice(0, 16);
}
