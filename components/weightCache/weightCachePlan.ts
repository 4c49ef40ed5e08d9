/**
 * The weight cache in the plan: a claim for the Hugging Face cache, a bucket mounted read-only,
 * or nothing. Pure; problems name their config key.
 */
import type { ConfigProblem } from "../config/configErrors";
import { ModelObjectNames, shortHash } from "../names";
import type { ParsedModelConfig } from "../config/configSchema";
import type { CacheAccessMode, WeightCacheType } from "../config/modelConfig";

/** Filestore's smallest instance (Basic HDD, the `standard-rwx` class) is 1 TiB. */
const FILESTORE_MINIMUM_GB = 1024;
/** Cache size per GB of weights, by default and at least. */
const WEIGHTS_HEADROOM = 1.2;

/** The StorageClasses GKE installs for Persistent Disk (pd-standard, pd-balanced, pd-ssd;
 * cloud.google.com/kubernetes-engine/docs/concepts/persistent-volumes). A Persistent Disk attaches
 * read-write to one node only: provisioning one for ReadWriteMany fails ("invalid AccessModes
 * [ReadWriteMany]: only AccessModes [ReadWriteOnce ReadOnlyMany] are supported"). */
const PERSISTENT_DISK_CLASSES = ["standard", "standard-rwo", "premium-rwo"];

/** Default StorageClass per access mode: GKE's Persistent Disk and Filestore classes. */
export const DEFAULT_CACHE_STORAGE_CLASS: Record<CacheAccessMode, string> = {
    ReadWriteOnce: "standard-rwo",
    ReadWriteMany: "standard-rwx",
};

/** A model's weight cache, resolved. */
export interface PlannedWeightCache {
    /** Which kind. */
    type: WeightCacheType;
    /** For `volume`: the PersistentVolumeClaim holding the Hugging Face cache. */
    claim?: PlannedCacheClaim;
    /** For `bucket`: the bucket and how the pods read it. */
    bucket?: PlannedWeightBucket;
}

/** The PersistentVolumeClaim of a `volume` weight cache. */
export interface PlannedCacheClaim {
    /** Claim name. */
    name: string;
    /** StorageClass. */
    storageClassName: string;
    /** Size in GiB. */
    sizeGb: number;
    /** Access mode. */
    accessMode: CacheAccessMode;
}

/** The bucket of a `bucket` weight cache. */
export interface PlannedWeightBucket {
    /** Bucket name. */
    name: string;
    /** Folder of the model in the bucket. */
    path: string;
    /** The Kubernetes ServiceAccount the pods read it as. */
    serviceAccountName: string;
}

const VOLUME_FIELDS = ["storageClassName", "sizeGb", "accessMode"] as const;
const BUCKET_FIELDS = ["bucket", "path"] as const;

/** Resolves and checks a model's weight cache; `weightsGb` is the estimated size of the
 * weights, which a claim must hold; `maxReplicas` the most pods that share it. */
export function planWeightCache(
    model: ParsedModelConfig,
    index: number,
    huggingFaceId: string,
    names: ModelObjectNames,
    weightsGb: number | undefined,
    maxReplicas: number,
): { cache?: PlannedWeightCache; problems: ConfigProblem[] } {
    const config = model.weightCache;
    const base = `models[${index}].weightCache`;
    const problems: ConfigProblem[] = [];
    const misplaced = (fields: readonly string[], belongsTo: WeightCacheType) => {
        for (const field of fields.filter((f) => config[f as keyof typeof config] !== undefined)) {
            problems.push({ path: `${base}.${field}`, message: `applies to type ${belongsTo} only; this model's type is ${config.type}` });
        }
    };
    if (config.type !== "volume") misplaced(VOLUME_FIELDS, "volume");
    if (config.type !== "bucket") misplaced(BUCKET_FIELDS, "bucket");

    if (config.type === "bucket") {
        if (config.bucket === undefined) {
            problems.push({ path: `${base}.bucket`, message: "is required for type bucket: the Cloud Storage bucket holding the weights" });
            return { problems };
        }
        const cache: PlannedWeightCache = {
            type: "bucket",
            bucket: { name: config.bucket, path: config.path ?? huggingFaceId, serviceAccountName: names.deployment },
        };
        return problems.length > 0 ? { problems } : { cache, problems };
    }
    if (config.type === "none") return problems.length > 0 ? { problems } : { cache: { type: "none" }, problems };

    // A Persistent Disk attaches read-write to one node only: replicas on other nodes could not
    // start; several replicas share a Filestore (ReadWriteMany) volume instead. The default does
    // not follow the replica count: a claim's access mode cannot change, so scaling would
    // replace the claim (and its cache) rather than just add pods.
    const accessMode = config.accessMode ?? "ReadWriteOnce";
    if (accessMode === "ReadWriteOnce" && maxReplicas > 1) {
        problems.push({
            path: `${base}.accessMode`,
            message:
                `got ReadWriteOnce with up to ${maxReplicas} replicas: a ReadWriteOnce disk attaches to one node, so replicas on ` +
                `other nodes could not mount it; use ReadWriteMany (Filestore, storageClassName standard-rwx), type bucket, or one replica`,
        });
    }
    const storageClassName = config.storageClassName ?? DEFAULT_CACHE_STORAGE_CLASS[accessMode];
    if (accessMode === "ReadWriteMany" && PERSISTENT_DISK_CLASSES.includes(storageClassName)) {
        problems.push({
            path: `${base}.storageClassName`,
            message:
                `got ${storageClassName}, a Persistent Disk class, with accessMode ReadWriteMany: a Persistent Disk attaches to one ` +
                "node and cannot be provisioned ReadWriteMany; use a Filestore class such as standard-rwx, or ReadWriteOnce with one replica",
        });
    }
    // Room for the weights plus the tokenizer, adapters and a second revision during an upgrade.
    const needed = Math.ceil((weightsGb ?? 0) * WEIGHTS_HEADROOM);
    const sizeGb = config.sizeGb ?? Math.max(accessMode === "ReadWriteMany" ? FILESTORE_MINIMUM_GB : 100, needed);
    if (sizeGb < needed) {
        problems.push({
            path: `${base}.sizeGb`,
            message: `got ${sizeGb}; the weights of ${huggingFaceId} take about ${weightsGb} GB: give at least ${needed}`,
        });
    }
    if (problems.length > 0) return { problems };
    return {
        cache: {
            type: "volume",
            // A claim's access mode and class cannot change: a change gets a new claim (by name),
            // which the pods roll onto, instead of an update the API server refuses.
            claim: { name: `${names.deployment}-hf-cache-${shortHash(`${accessMode}/${storageClassName}`)}`, storageClassName, sizeGb, accessMode },
        },
        problems,
    };
}

/** Boot disk a GPU node keeps for itself before any pod writes: the node image, the kubelet's
 * logs and the container images, vLLM's (about 10 GB compressed, more unpacked) among them. A
 * deliberate overestimate: running out evicts every pod on the node. */
export const NODE_DISK_RESERVED_GB = 40;

/** A model without a weight cache, where its pods run. */
export interface UncachedModel {
    /** Its index in config's `models`. */
    index: number;
    /** Its Hugging Face ID, for the message. */
    huggingFaceId: string;
    /** Size of its weights, GB. */
    weightsGb: number;
    /** GPUs per pod. */
    gpus: number;
    /** Pods at the model's largest. */
    maxReplicas: number;
    /** The node pool's config key, GPUs per node and boot disk. */
    pool: { key: string; gpusPerNode: number; diskSizeGb: number };
}

/** With `weightCache: none` each pod downloads the weights into an `emptyDir`, which lives on
 * the node's boot disk: every pod that fits a node must find room for its copy there. */
export function bootDiskProblems(models: readonly UncachedModel[]): ConfigProblem[] {
    return models.flatMap((model) => {
        const podsPerNode = Math.max(1, Math.min(model.maxReplicas, Math.floor(model.pool.gpusPerNode / model.gpus)));
        const needed = Math.ceil(podsPerNode * model.weightsGb * WEIGHTS_HEADROOM) + NODE_DISK_RESERVED_GB;
        if (needed <= model.pool.diskSizeGb) return [];
        return [
            {
                path: `models[${model.index}].weightCache.type`,
                message:
                    `got none: each pod downloads the weights of ${model.huggingFaceId} (about ${model.weightsGb} GB) to its node's boot disk, ` +
                    `${podsPerNode} pod${podsPerNode === 1 ? "" : "s"} per node, which with the ${NODE_DISK_RESERVED_GB} GB the node keeps needs about ${needed} GB, ` +
                    `more than nodePools.${model.pool.key}.diskSizeGb (${model.pool.diskSizeGb}): raise diskSizeGb, or use type volume or bucket`,
            },
        ];
    });
}
