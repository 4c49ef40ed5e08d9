/**
 * Hugging Face model IDs as the Hub accepts them: `huggingface_hub`'s `validate_repo_id`
 * (`src/huggingface_hub/utils/_validators.py`): a namespace and a name of letters, digits, `_`,
 * `-` and `.`, each starting and ending with a letter, digit or `_`, the name at most 96
 * characters, no `--` or `..`, not ending in `.git`. The Hub also takes a bare name, but every model
 * it serves has an `org/name` ID (the old bare ones redirect to theirs), and a bare name is far more
 * often a forgotten organisation: so one `/` is required. vLLM passes the ID to the Hub and the
 * bucket weight cache uses it as a folder, so anything else fails at start or reaches outside.
 */
import type { ConfigProblem } from "../config/configErrors";

/** What a Hugging Face model ID may be, for messages. */
export const HUGGING_FACE_ID_RULE =
    "a Hugging Face model ID such as meta-llama/Llama-3.1-8B-Instruct: org/name of letters, digits, _ - and ., " +
    "each part starting and ending with a letter or digit, no -- or ..";

const PART = /^\w(?:[\w.-]*\w)?$/;

/** True when `id` is a model ID the Hugging Face Hub accepts. */
export function isHuggingFaceModelId(id: string): boolean {
    const parts = id.split("/");
    if (parts.length !== 2 || !parts.every((part) => PART.test(part))) return false;
    return parts[1].length <= 96 && !id.includes("--") && !id.includes("..") && !id.endsWith(".git");
}

/** A model of the config with the ID it loads (a `ModelDraft`). */
interface ModelWithId {
    config: { name: string; huggingFaceId?: string };
    index: number;
    huggingFaceId: string;
}

/** A model without `huggingFaceId` loads its `name`: that name must then be a model ID too. */
export function checkDefaultHuggingFaceIds(drafts: readonly ModelWithId[]): ConfigProblem[] {
    return drafts
        .filter((d) => d.config.huggingFaceId === undefined && !isHuggingFaceModelId(d.huggingFaceId))
        .map((d) => ({
            path: `models[${d.index}].huggingFaceId`,
            message:
                `is not set, so it defaults to name ${JSON.stringify(d.config.name)}, which is not ${HUGGING_FACE_ID_RULE}; ` +
                "set huggingFaceId to the model vLLM should load",
        }));
}
