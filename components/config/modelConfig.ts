/**
 * One served model, as plain data: its GPUs, replicas or autoscaling, vLLM arguments, LoRA
 * adapters and weight cache. Part of the stack config and of the top-level component's args;
 * `configSchema.ts` enforces it.
 */
import type { AcceleratorType } from "../catalogs/gpuCatalog";

/** Weight precisions the capacity estimate knows. A const object so the cross-language schema
 * gets an enum. */
export const Precision = {
    /** 16-bit brain floating point, vLLM's usual choice. */
    bfloat16: "bfloat16",
    /** 16-bit floating point. */
    float16: "float16",
    /** 32-bit floating point. */
    float32: "float32",
    /** 8-bit floating point, quantized by vLLM at load time. */
    fp8: "fp8",
    /** A pre-quantized 8-bit checkpoint. */
    int8: "int8",
    /** A pre-quantized 4-bit checkpoint (AWQ, GPTQ). */
    int4: "int4",
} as const;

/** A weight precision. */
export type Precision = (typeof Precision)[keyof typeof Precision];

/** Bytes per parameter of each precision, for the memory estimate. */
export const BYTES_PER_PARAMETER = {
    bfloat16: 2,
    float16: 2,
    float32: 4,
    fp8: 1,
    int8: 1,
    int4: 0.5,
} as const satisfies Record<Precision, number>;
/** The GPUs each replica of a model needs. */
export interface ModelGpuConfig {
    /** GKE accelerator type, e.g. `nvidia-l4`. Default `nvidia-l4`. */
    type?: AcceleratorType;
    /** GPUs per replica, all on one node; vLLM's tensor-parallel size. Default 1. */
    count?: number;
}

/** A LoRA adapter served on top of a base model. */
export interface LoraAdapterConfig {
    /** The name clients send as `model`; vLLM serves the adapter under it and the base model's
     * route matches it. Unique across every model and adapter name. */
    name: string;
    /** Where vLLM loads the adapter from: a Hugging Face repository such as
     * `Kawon/llama3.1-food-finetune_v14_r8`, or an absolute path inside the pod. */
    source: string;
    /** Unload the adapter from running pods and stop routing to it, keeping its name reserved.
     * An adapter deleted from the list instead stays loaded (but unreachable) until each pod
     * restarts. Default false. */
    retired?: boolean;
}

/** vLLM's LoRA limits; setting this block enables LoRA even with no adapters listed, so that
 * adding the first adapter later does not restart the pods. */
export interface LoraConfig {
    /** Adapters in one batch on the GPU (`--max-loras`). Default 2. */
    maxLoras?: number;
    /** Highest adapter rank served (`--max-lora-rank`): 1, 8, 16, 32, 64, 128, 256, 320 or 512.
     * Default 16. */
    maxLoraRank?: number;
    /** Adapters kept in CPU memory (`--max-cpu-loras`), at least `maxLoras`. Default: vLLM's,
     * which is `maxLoras`. */
    maxCpuLoras?: number;
}

/** Kinds of weight cache; see {@link WeightCacheConfig}. A const object so the cross-language
 * schema gets an enum. */
export const WeightCacheType = {
    /** A PersistentVolumeClaim holding the Hugging Face cache. */
    Volume: "volume",
    /** A Cloud Storage bucket of weights, mounted read-only. */
    Bucket: "bucket",
    /** An emptyDir: every new pod downloads again. */
    None: "none",
} as const;
/** A kind of weight cache. */
export type WeightCacheType = (typeof WeightCacheType)[keyof typeof WeightCacheType];

/** Access modes of the weight cache volume. A const object so the cross-language schema gets an
 * enum. */
export const CacheAccessMode = {
    /** Mounted read-write by pods on one node (Persistent Disk). */
    ReadWriteOnce: "ReadWriteOnce",
    /** Mounted read-write by pods on many nodes (Filestore). */
    ReadWriteMany: "ReadWriteMany",
} as const;
/** An access mode of the weight cache volume. */
export type CacheAccessMode = (typeof CacheAccessMode)[keyof typeof CacheAccessMode];

/** Where a model's pods keep the weights between restarts. */
export interface WeightCacheConfig {
    /** `volume` (default): a PersistentVolumeClaim holding the Hugging Face cache, so a restarted
     * pod loads from disk instead of downloading; `bucket`: the weights are read from a Cloud
     * Storage bucket mounted read-only with the Cloud Storage FUSE CSI driver (pre-load it, see
     * docs/weight-cache.md); `none`: an emptyDir, downloaded again by every new pod. */
    type?: WeightCacheType;
    /** `volume` only: StorageClass of the claim. Default `standard-rwo` (Persistent Disk) for
     * `ReadWriteOnce`, `standard-rwx` (Filestore, needs the Filestore CSI driver) for
     * `ReadWriteMany`. */
    storageClassName?: string;
    /** `volume` only: size of the claim in GiB; at least 1.2 × the model's weights. Default:
     * that, or 100 for `ReadWriteOnce` and 1024 (the Filestore minimum) for `ReadWriteMany` when
     * larger. */
    sizeGb?: number;
    /** `volume` only: `ReadWriteOnce` (one node) or `ReadWriteMany` (shared by pods on several
     * nodes). Default `ReadWriteOnce`; several replicas need `ReadWriteMany`. */
    accessMode?: CacheAccessMode;
    /** `bucket` only, required: the Cloud Storage bucket holding the weights (name, no `gs://`). */
    bucket?: string;
    /** `bucket` only: folder in the bucket holding the model's files (`config.json`,
     * `*.safetensors`, tokenizer). Default: the Hugging Face model ID. */
    path?: string;
}

/** The vLLM signals a model can scale on. A const object so the cross-language schema gets an
 * enum. */
export const AutoscalingMetric = {
    /** `vllm:num_requests_waiting`: requests queued in a pod because its batch is full. */
    queueDepth: "queueDepth",
    /** `vllm:kv_cache_usage_perc`: the share of a pod's KV cache in use (0 to 1). */
    kvCache: "kvCache",
} as const;
/** The vLLM signal a model scales on. */
export type AutoscalingMetric = (typeof AutoscalingMetric)[keyof typeof AutoscalingMetric];

/** Per-pod targets used when config gives none: a few queued requests per pod (the batch is full
 * and latency is starting to grow), or a KV cache 80 % full (vLLM starts preempting near 100 %). */
export const DEFAULT_AUTOSCALING_TARGETS: Record<AutoscalingMetric, number> = { queueDepth: 3, kvCache: 0.8 };

/** How one model's pods scale with its load. */
export interface ModelAutoscalingConfig {
    /** Fewest pods, and the count the model starts with. Default 1. */
    minReplicas?: number;
    /** Most pods; the GPU node pool must be able to hold every model at its maximum. */
    maxReplicas: number;
    /** The per-pod signal: `queueDepth` (waiting requests) or `kvCache` (KV-cache use). Default
     * `queueDepth`. */
    metric?: AutoscalingMetric;
    /** Per-pod average the autoscaler keeps the metric at, at least 0.001: waiting requests for `queueDepth`
     * (default 3), a fraction between 0 and 1 for `kvCache` (default 0.8). */
    target?: number;
    /** Seconds the metric must stay low before pods are removed. Default 600: GPU pods take
     * minutes to start, so removing one on a short lull and adding it back costs more than
     * keeping it. */
    scaleDownStabilizationSeconds?: number;
}

/** A model's attention figures, as its `config.json` names them. */
export interface ModelArchitectureConfig {
    /** `num_hidden_layers`. */
    layers: number;
    /** `num_key_value_heads`. */
    kvHeads: number;
    /** `head_dim`, or `hidden_size ÷ num_attention_heads` when it has none. */
    headDim: number;
    /** Layers that attend to a sliding window only (`layer_types`). Default 0. */
    slidingWindowLayers?: number;
    /** `sliding_window`, in tokens; required with `slidingWindowLayers`. */
    slidingWindow?: number;
}

/** One model served behind the gateway. */
export interface ModelConfig {
    /** The name clients send as `model`; vLLM serves the model under exactly this name and the
     * route matches it on `X-Gateway-Model-Name`. */
    name: string;
    /** Hugging Face model ID vLLM loads, `org/name`. Default: `name`, which must then be one. */
    huggingFaceId?: string;
    /** Stable key for the model's Kubernetes names and Pulumi URNs (a DNS label of at most 40
     * characters). Default: derived from `name`, e.g. `llama-3-1-8b-instruct`. Set it to keep
     * names when renaming a model or to resolve a collision. */
    key?: string;
    /** GPUs per replica. */
    gpu?: ModelGpuConfig;
    /** Number of vLLM pods. Default 1. Not with `autoscaling`, whose `minReplicas` is the count
     * the model starts with. */
    replicas?: number;
    /** Scale the model's pods with its own load (a HorizontalPodAutoscaler on a vLLM metric read
     * through the Custom Metrics Stackdriver Adapter). Off unless set. */
    autoscaling?: ModelAutoscalingConfig;
    /** Extra arguments for `vllm serve`, one per element, e.g. `--max-model-len=8192`. Flags the
     * program sets (model, name, port, tensor parallelism, LoRA) or that carry a secret are
     * refused in every spelling vLLM reads (underscores, `=`, abbreviations). */
    vllmArgs?: string[];
    /** Parameter count in billions, for the memory estimate of models not in the known-model
     * table. */
    parameters?: number;
    /** Precision of the weights as loaded, for the memory estimate. Default `bfloat16`. */
    precision?: Precision;
    /** GPU memory in GB, on each GPU, that the plan keeps besides the weights for what vLLM's
     * start-up profiling takes (peak activations of `max_num_batched_tokens` tokens, non-torch
     * memory and, at vLLM v0.20.2, CUDA graphs); the KV cache gets the rest of vLLM's share.
     * Default 2. */
    kvCacheReserveGb?: number;
    /** The context each request may have (vLLM's `--max-model-len`). Default: the model's
     * native context when one request of it fits the KV cache, else the largest that fits. A
     * length that does not fit is refused. Required for a model outside the known-model table. */
    contextLength?: number;
    /** The figures vLLM sizes the KV cache by, from the model's `config.json`; for a model outside
     * the known-model table (or `kvCacheBytesPerToken`). */
    architecture?: ModelArchitectureConfig;
    /** Bytes of KV cache one token takes over all layers (2 × layers × KV heads × head dim × dtype
     * bytes); for a model outside the known-model table instead of `architecture`. */
    kvCacheBytesPerToken?: number;
    /** Minutes `pulumi up` waits for the model's pods to become ready: a GPU node scaling up,
     * the image pull, and the weights download and load. It is also the pod's startup-probe
     * allowance, so a slow first start is not killed. Default 40. */
    readyTimeoutMinutes?: number;
    /** LoRA adapters served on this model's pods; adding or removing one changes a ConfigMap
     * and the route, not the pods. */
    adapters?: LoraAdapterConfig[];
    /** vLLM's LoRA limits. LoRA is on when this is set or `adapters` is not empty. */
    lora?: LoraConfig;
    /** Where the weights are kept between pod restarts. Default: a persistent volume. */
    weightCache?: WeightCacheConfig;
}

/** Minutes to wait for a model's pods: about 10 for a GPU node to join, 5 for the image, and
 * the rest for downloading and loading weights of an 8B model at a few hundred MB/s. */
export const DEFAULT_READY_TIMEOUT_MINUTES = 40;
