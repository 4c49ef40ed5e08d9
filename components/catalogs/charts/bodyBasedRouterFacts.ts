/**
 * What the Body-Based Router of each tag sets, read at the tag (facts/bbr-model-header.json, each
 * with its file and line): the header the routes match, and from v1.5.0 the base-model header and
 * the ConfigMaps it reads. The builders and the consistency check both read it here, and
 * test/bodyBasedRouter.test.ts holds it to the real BBR of every tag.
 */
import bbrModelHeader from "../../../facts/bbr-model-header.json";
import type { BaseModelRouting } from "./releaseLine";

/** How the Body-Based Router of one tag names the header it copies the body's `model` into. */
export interface ModelHeaderFact {
    tag: string;
    commit: string;
    /** The file (and line) that sets it. */
    file: string;
    line: number;
    /** The header. */
    modelHeader: string;
    /** True from v1.5.0: `--plugin body-field-to-header:<name>:<json>` arguments configure it. */
    configuredByPluginArgs: boolean;
    /** From v1.5.0: the header the `base-model-to-header` plugin sets to the requested name's
     * base model, from the ConfigMaps labelled `configMapLabel: configMapLabelValue`. */
    baseModelHeader?: {
        header: string;
        /** Where the header is named. */
        file: string;
        line: number;
        configMapLabel: string;
        configMapLabelValue: string;
        /** Where the label is named. */
        configMapLabelFile: string;
        configMapLabelLine: number;
        keys: { baseModel: string; adapters: string };
        /** Where the keys are named, and how a ConfigMap is parsed. */
        keysFile: string;
        keysLines: string;
        /** What it sets for a name no ConfigMap lists. */
        unknownModel: string;
        /** Where that is decided. */
        unknownModelAt: string;
    };
}

/** What BBR sets, per image tag read. */
export const BBR_MODEL_HEADER_TAGS: readonly ModelHeaderFact[] = bbrModelHeader.tags;

/** What the BBR of `tag` sets, if that tag was read. */
export function modelHeaderFact(tag: string): ModelHeaderFact | undefined {
    return BBR_MODEL_HEADER_TAGS.find((t) => t.tag === tag);
}

/** What the BBR of `tag` sets, for a tag a release line pins (read, or the line is wrong). */
function readAt(tag: string): ModelHeaderFact {
    const fact = modelHeaderFact(tag);
    if (fact === undefined) throw new Error(`facts/bbr-model-header.json has no BBR ${tag}`);
    return fact;
}

/** The header the routes match: the one the BBR of every line copies the body's `model` into. */
export const MODEL_NAME_HEADER = readAt("v1.0.0").modelHeader;

/** How the BBR of `tag` maps adapters to base models (from v1.5.0), or undefined before. */
export function baseModelRoutingAt(tag: string): BaseModelRouting | undefined {
    const base = readAt(tag).baseModelHeader;
    return (
        base && {
            header: base.header,
            configMapLabelKey: base.configMapLabel,
            configMapLabelValue: base.configMapLabelValue,
            baseModelKey: base.keys.baseModel,
            adaptersKey: base.keys.adapters,
            unknownModel: base.unknownModel,
        }
    );
}
