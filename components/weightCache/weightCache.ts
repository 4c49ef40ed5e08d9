import * as storage from "@pulumi/gcp/storage";
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { childOptions } from "../childOptions";
import { workloadIdentityMember } from "../cluster/workloadIdentity";
import type { PlannedModel } from "../modelServers/modelPlan";
import type { GkeClusterRef } from "../catalogs/clusterPlatforms";

/** Where vLLM (through huggingface_hub) keeps downloaded weights in the pod. */
export const HF_CACHE_PATH = "/root/.cache/huggingface";
/** Where a weight bucket is mounted in the pod. */
export const MODEL_BUCKET_PATH = "/models";

const HF_CACHE_VOLUME = "hf-cache";
const BUCKET_VOLUME = "model-weights";

/** Read-only access to objects, nothing else. */
export const BUCKET_READER_ROLE = "roles/storage.objectViewer";

/**
 * Cloud Storage FUSE mount options for loading model weights, from GKE's "Optimize Cloud
 * Storage FUSE CSI driver for GKE performance" guide (model serving): list directories without
 * directory objects, keep metadata for the life of the mount (weights do not change under a
 * running pod), and fetch each file with parallel downloads into an unlimited file cache, which
 * parallel downloads require.
 */
export const GCS_FUSE_MODEL_MOUNT_OPTIONS = [
    "implicit-dirs",
    "metadata-cache:ttl-secs:-1",
    "metadata-cache:stat-cache-max-size-mb:-1",
    "metadata-cache:type-cache-max-size-mb:-1",
    "file-cache:max-size-mb:-1",
    "file-cache:cache-file-for-range-read:true",
    "file-cache:enable-parallel-downloads:true",
] as const;

/**
 * Pod annotations for the Cloud Storage FUSE sidecar GKE injects: inject it, and lift its CPU,
 * memory and ephemeral-storage limits ("0" is unlimited on Standard clusters), because the file
 * cache holds the whole model on the node's boot disk while it loads.
 */
export const GCS_FUSE_POD_ANNOTATIONS: Record<string, string> = {
    "gke-gcsfuse/volumes": "true",
    "gke-gcsfuse/cpu-limit": "0",
    "gke-gcsfuse/memory-limit": "0",
    "gke-gcsfuse/ephemeral-storage-limit": "0",
};

/** Where vLLM loads the model from: the Hugging Face ID, or the model's folder in the mounted
 * bucket. */
export function modelLocation(model: PlannedModel): string {
    const bucket = model.weightCache.bucket;
    return bucket === undefined ? model.huggingFaceId : `${MODEL_BUCKET_PATH}/${bucket.path}`;
}

/** The claim that keeps a model's Hugging Face cache across pod restarts. */
export function hfCacheClaim(model: PlannedModel, namespace: string) {
    const claim = model.weightCache.claim;
    if (claim === undefined) throw new Error(`${model.name} has no weight cache volume`);
    return {
        apiVersion: "v1",
        kind: "PersistentVolumeClaim",
        metadata: {
            name: claim.name,
            namespace,
            labels: model.podLabels,
            // GKE's classes bind on first use, so the claim stays Pending until the Deployment's
            // pod exists; waiting for it here would wait for ever (pulumi-kubernetes#895, #4179).
            annotations: { "pulumi.com/skipAwait": "true" },
        },
        spec: {
            accessModes: [claim.accessMode],
            storageClassName: claim.storageClassName,
            resources: { requests: { storage: `${claim.sizeGb}Gi` } },
        },
    };
}

/** The Kubernetes ServiceAccount a bucket-backed model server runs as: the identity IAM grants
 * the bucket to. The pods need no API token: the CSI driver receives its own token for this
 * account from the kubelet. */
export function modelServerServiceAccount(model: PlannedModel, namespace: string) {
    const bucket = model.weightCache.bucket;
    if (bucket === undefined) throw new Error(`${model.name} reads no bucket`);
    return {
        apiVersion: "v1",
        kind: "ServiceAccount",
        metadata: { name: bucket.serviceAccountName, namespace, labels: model.podLabels },
        automountServiceAccountToken: false,
    };
}

/** What the weight cache puts in a model server's pod: volumes, the vLLM container's mounts,
 * pod annotations and the service account. */
export function weightCachePodParts(model: PlannedModel) {
    const cache = model.weightCache;
    const hfCacheMount = { name: HF_CACHE_VOLUME, mountPath: HF_CACHE_PATH };
    if (cache.claim !== undefined) {
        return {
            volumes: [{ name: HF_CACHE_VOLUME, persistentVolumeClaim: { claimName: cache.claim.name } }],
            volumeMounts: [hfCacheMount],
            annotations: {},
        };
    }
    // Adapters and anything else fetched at runtime still go to the (pod-local) Hugging Face cache.
    const hfCache = { name: HF_CACHE_VOLUME, emptyDir: {} };
    if (cache.bucket === undefined) return { volumes: [hfCache], volumeMounts: [hfCacheMount], annotations: {} };
    return {
        volumes: [
            hfCache,
            {
                name: BUCKET_VOLUME,
                csi: {
                    driver: "gcsfuse.csi.storage.gke.io",
                    readOnly: true,
                    volumeAttributes: {
                        bucketName: cache.bucket.name,
                        mountOptions: GCS_FUSE_MODEL_MOUNT_OPTIONS.join(","),
                        gcsfuseMetadataPrefetchOnMount: "true",
                    },
                },
            },
        ],
        volumeMounts: [hfCacheMount, { name: BUCKET_VOLUME, mountPath: MODEL_BUCKET_PATH, readOnly: true }],
        annotations: GCS_FUSE_POD_ANNOTATIONS,
        serviceAccountName: cache.bucket.serviceAccountName,
    };
}

/** Arguments of {@link WeightCache}. */
export interface WeightCacheArgs {
    /** The resolved model (see `planServing`), with a `volume` or `bucket` cache. */
    model: PlannedModel;
    /** Namespace of the model's pods. */
    namespace: string;
    /** The GKE cluster, whose project's Workload Identity pool names the pods' identity (a
     * `bucket` cache; GKE only). */
    cluster?: GkeClusterRef;
}

/**
 * A model's weight cache: the claim for its Hugging Face cache, or the ServiceAccount its pods
 * run as and read access for it to exactly the model's bucket.
 */
export class WeightCache extends pulumi.ComponentResource {
    /** The claim, for a `volume` cache. */
    public readonly claim?: k8s.core.v1.PersistentVolumeClaim;
    /** The pods' ServiceAccount, for a `bucket` cache. */
    public readonly serviceAccount?: k8s.core.v1.ServiceAccount;
    /** The bucket grant, for a `bucket` cache. */
    public readonly bucketReader?: storage.BucketIAMMember;

    constructor(name: string, args: WeightCacheArgs, opts?: pulumi.ComponentResourceOptions) {
        super("multi-model-inference:index:WeightCache", name, {}, opts);
        const { model, namespace, cluster } = args;
        const child = childOptions(this, opts);
        if (model.weightCache.claim !== undefined) {
            const claim = hfCacheClaim(model, namespace);
            this.claim = new k8s.core.v1.PersistentVolumeClaim(`${name}-hf-cache`, { metadata: claim.metadata, spec: claim.spec }, child);
        }
        const bucket = model.weightCache.bucket;
        if (bucket !== undefined) {
            const account = modelServerServiceAccount(model, namespace);
            this.serviceAccount = new k8s.core.v1.ServiceAccount(
                `${name}-serviceaccount`,
                { metadata: account.metadata, automountServiceAccountToken: account.automountServiceAccountToken },
                child,
            );
            this.bucketReader = new storage.BucketIAMMember(
                `${name}-bucket-reader`,
                {
                    bucket: bucket.name,
                    role: BUCKET_READER_ROLE,
                    member: workloadIdentityMember(requireGke(cluster).project, namespace, bucket.serviceAccountName, child),
                },
                child,
            );
        }
        this.registerOutputs({});
    }
}

function requireGke(cluster: GkeClusterRef | undefined): GkeClusterRef {
    if (cluster === undefined) throw new Error("a bucket weight cache needs the GKE cluster (WeightCacheArgs.cluster)");
    return cluster;
}
