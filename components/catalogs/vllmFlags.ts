/**
 * Every option string `python3 -m vllm.entrypoints.openai.api_server` accepts at each vLLM release
 * the release lines pin (see `vllmReleases.ts`), so that a config's `vllmArgs` can be read the way
 * vLLM's parser reads them (abbreviations included) and the program's own flags checked against
 * the release it runs. Data, extracted once from vllm-project/vllm at each tag (the fork snapshot
 * eigen-hub/vllm carries the upstream tags): the `add_argument` calls of `vllm/engine/arg_utils.py`
 * (`EngineArgs.add_cli_args`, `AsyncEngineArgs.add_cli_args`), the `FrontendArgs` fields and
 * `make_arg_parser` of `vllm/entrypoints/openai/cli_args.py` and, at v0.20.2, the serve command's
 * own options (`vllm/entrypoints/cli/serve.py`); a boolean field is an
 * `argparse.BooleanOptionalAction`, so it also has its `--no-` form.
 */

/** The option strings of one vLLM release. */
export interface VllmOptions {
    /** The tag they were read at. */
    tag: string;
    /** The commit of the tag. */
    commit: string;
    /** Long options, `--no-` negations and `--help` included. */
    long: readonly string[];
    /** Short options and the long option each stands for. */
    short: Readonly<Record<string, string>>;
}

/** The option strings of each release, by tag (data: kept a line of options each). */
// prettier-ignore
export const VLLM_OPTIONS: Readonly<Record<string, VllmOptions>> = {
    "v0.11.0": {
        tag: "v0.11.0",
        commit: "b8b302cde434df8c9289a2b465406b47ebab1c2d",
        long: [
            "--additional-config", "--allow-credentials", "--allowed-headers", "--allowed-local-media-path",
            "--allowed-media-domains", "--allowed-methods", "--allowed-origins", "--api-key", "--api-server-count",
            "--async-scheduling", "--block-size", "--calculate-kv-scales", "--chat-template",
            "--chat-template-content-format", "--code-revision", "--collect-detailed-traces", "--compilation-config",
            "--config", "--config-format", "--convert", "--cpu-offload-gb", "--cuda-graph-sizes",
            "--data-parallel-address", "--data-parallel-backend", "--data-parallel-hybrid-lb", "--data-parallel-rank",
            "--data-parallel-rpc-port", "--data-parallel-size", "--data-parallel-size-local",
            "--data-parallel-start-rank", "--dbo-decode-token-threshold", "--dbo-prefill-token-threshold",
            "--decode-context-parallel-size", "--default-mm-loras", "--disable-cascade-attn",
            "--disable-chunked-mm-input", "--disable-custom-all-reduce", "--disable-fastapi-docs",
            "--disable-frontend-multiprocessing", "--disable-hybrid-kv-cache-manager", "--disable-log-requests",
            "--disable-log-stats", "--disable-mm-preprocessor-cache", "--disable-sliding-window",
            "--disable-uvicorn-access-log", "--distributed-executor-backend", "--download-dir", "--dtype",
            "--enable-auto-tool-choice", "--enable-chunked-prefill", "--enable-dbo", "--enable-eplb",
            "--enable-expert-parallel", "--enable-force-include-usage", "--enable-log-outputs",
            "--enable-log-requests", "--enable-lora", "--enable-lora-bias",
            "--enable-multimodal-encoder-data-parallel", "--enable-prefix-caching", "--enable-prompt-embeds",
            "--enable-prompt-tokens-details", "--enable-request-id-headers", "--enable-server-load-tracking",
            "--enable-sleep-mode", "--enable-ssl-refresh", "--enable-tokenizer-info-endpoint", "--enforce-eager",
            "--eplb-config", "--eplb-log-balancedness", "--eplb-step-interval", "--eplb-window-size",
            "--exclude-tools-when-tool-choice-none", "--expert-placement-strategy", "--fully-sharded-loras",
            "--generation-config", "--gpu-memory-utilization", "--guided-decoding-backend",
            "--guided-decoding-disable-additional-properties", "--guided-decoding-disable-any-whitespace",
            "--guided-decoding-disable-fallback", "--h11-max-header-count", "--h11-max-incomplete-event-size",
            "--headless", "--help", "--hf-config-path", "--hf-overrides", "--hf-token", "--host", "--ignore-patterns",
            "--interleave-mm-strings", "--io-processor-plugin", "--kv-cache-dtype", "--kv-cache-memory-bytes",
            "--kv-events-config", "--kv-sharing-fast-prefill", "--kv-transfer-config", "--limit-mm-per-prompt",
            "--load-format", "--log-config-file", "--log-error-stack", "--logits-processor-pattern",
            "--logits-processors", "--logprobs-mode", "--long-prefill-token-threshold", "--lora-dtype",
            "--lora-extra-vocab-size", "--lora-modules", "--mamba-cache-dtype", "--mamba-ssm-cache-dtype",
            "--max-cpu-loras", "--max-log-len", "--max-logprobs", "--max-long-partial-prefills", "--max-lora-rank",
            "--max-loras", "--max-model-len", "--max-num-batched-tokens", "--max-num-partial-prefills",
            "--max-num-seqs", "--max-parallel-loading-workers", "--media-io-kwargs", "--middleware",
            "--mm-encoder-tp-mode", "--mm-processor-cache-gb", "--mm-processor-cache-type", "--mm-processor-kwargs",
            "--mm-shm-cache-max-object-size-mb", "--model", "--model-impl", "--model-loader-extra-config",
            "--no-allow-credentials", "--no-async-scheduling", "--no-calculate-kv-scales",
            "--no-data-parallel-hybrid-lb", "--no-disable-cascade-attn", "--no-disable-chunked-mm-input",
            "--no-disable-custom-all-reduce", "--no-disable-fastapi-docs", "--no-disable-frontend-multiprocessing",
            "--no-disable-hybrid-kv-cache-manager", "--no-disable-log-requests", "--no-disable-sliding-window",
            "--no-disable-uvicorn-access-log", "--no-enable-auto-tool-choice", "--no-enable-chunked-prefill",
            "--no-enable-dbo", "--no-enable-eplb", "--no-enable-expert-parallel", "--no-enable-force-include-usage",
            "--no-enable-log-outputs", "--no-enable-log-requests", "--no-enable-lora", "--no-enable-lora-bias",
            "--no-enable-prefix-caching", "--no-enable-prompt-embeds", "--no-enable-prompt-tokens-details",
            "--no-enable-request-id-headers", "--no-enable-server-load-tracking", "--no-enable-sleep-mode",
            "--no-enable-ssl-refresh", "--no-enable-tokenizer-info-endpoint", "--no-enforce-eager",
            "--no-eplb-log-balancedness", "--no-exclude-tools-when-tool-choice-none", "--no-fully-sharded-loras",
            "--no-interleave-mm-strings", "--no-kv-sharing-fast-prefill", "--no-log-error-stack",
            "--no-ray-workers-use-nsight", "--no-return-tokens-as-token-ids", "--no-skip-mm-profiling",
            "--no-skip-tokenizer-init", "--no-trust-remote-code", "--no-trust-request-chat-template",
            "--no-use-tqdm-on-load", "--num-gpu-blocks-override", "--num-lookahead-slots", "--num-redundant-experts",
            "--otlp-traces-endpoint", "--override-attention-dtype", "--override-generation-config",
            "--override-pooler-config", "--pipeline-parallel-size", "--pooler-config", "--port",
            "--prefix-caching-hash-algo", "--pt-load-map-location", "--quantization", "--ray-workers-use-nsight",
            "--reasoning-parser", "--response-role", "--return-tokens-as-token-ids", "--revision", "--root-path",
            "--rope-scaling", "--rope-theta", "--runner", "--safetensors-load-strategy", "--scheduler-cls",
            "--scheduling-policy", "--seed", "--served-model-name", "--show-hidden-metrics-for-version",
            "--skip-mm-profiling", "--skip-tokenizer-init", "--speculative-config", "--ssl-ca-certs",
            "--ssl-cert-reqs", "--ssl-certfile", "--ssl-keyfile", "--structured-outputs-config", "--swap-space",
            "--task", "--tensor-parallel-size", "--tokenizer", "--tokenizer-mode", "--tokenizer-revision",
            "--tool-call-parser", "--tool-parser-plugin", "--tool-server", "--trust-remote-code",
            "--trust-request-chat-template", "--uds", "--use-tqdm-on-load", "--uvicorn-log-level",
            "--video-pruning-rate", "--worker-cls", "--worker-extension-cls",
        ],
        // `-O` is a registered alias of `--compilation-config` (arg_utils.py).
        short: {
            "-O": "--compilation-config",
            "-asc": "--api-server-count",
            "-dcp": "--decode-context-parallel-size",
            "-dp": "--data-parallel-size",
            "-dpa": "--data-parallel-address",
            "-dpb": "--data-parallel-backend",
            "-dpl": "--data-parallel-size-local",
            "-dpn": "--data-parallel-rank",
            "-dpp": "--data-parallel-rpc-port",
            "-dpr": "--data-parallel-start-rank",
            "-h": "--help",
            "-pp": "--pipeline-parallel-size",
            "-q": "--quantization",
            "-tp": "--tensor-parallel-size",
        },
    },
    "v0.20.2": {
        tag: "v0.20.2",
        commit: "bc150f50299199599673614f80d12a196f377655",
        long: [
            "--additional-config", "--aggregate-engine-logging", "--all2all-backend", "--allow-credentials",
            "--allow-deprecated-quantization", "--allowed-headers", "--allowed-local-media-path",
            "--allowed-media-domains", "--allowed-methods", "--allowed-origins", "--api-key", "--api-server-count",
            "--async-scheduling", "--attention-backend", "--attention-config", "--block-size",
            "--calculate-kv-scales", "--chat-template", "--chat-template-content-format", "--code-revision",
            "--collect-detailed-traces", "--compilation-config", "--config", "--config-format", "--convert",
            "--cp-kv-cache-interleave-size", "--cpu-offload-gb", "--cpu-offload-params", "--cudagraph-capture-sizes",
            "--cudagraph-metrics", "--data-parallel-address", "--data-parallel-backend",
            "--data-parallel-external-lb", "--data-parallel-hybrid-lb", "--data-parallel-rank",
            "--data-parallel-rpc-port", "--data-parallel-size", "--data-parallel-size-local",
            "--data-parallel-start-rank", "--dbo-decode-token-threshold", "--dbo-prefill-token-threshold",
            "--dcp-comm-backend", "--dcp-kv-cache-interleave-size", "--decode-context-parallel-size",
            "--default-chat-template-kwargs", "--default-mm-loras", "--disable-access-log-for-endpoints",
            "--disable-cascade-attn", "--disable-chunked-mm-input", "--disable-custom-all-reduce",
            "--disable-fastapi-docs", "--disable-hybrid-kv-cache-manager", "--disable-log-stats",
            "--disable-nccl-for-dp-synchronization", "--disable-sliding-window", "--disable-uvicorn-access-log",
            "--distributed-executor-backend", "--distributed-timeout-seconds", "--download-dir", "--dtype",
            "--ec-transfer-config", "--enable-auto-tool-choice", "--enable-chunked-prefill", "--enable-dbo",
            "--enable-elastic-ep", "--enable-ep-weight-filter", "--enable-eplb", "--enable-expert-parallel",
            "--enable-flash-late-interaction", "--enable-flashinfer-autotune", "--enable-force-include-usage",
            "--enable-layerwise-nvtx-tracing", "--enable-log-deltas", "--enable-log-outputs", "--enable-log-requests",
            "--enable-logging-iteration-details", "--enable-lora", "--enable-mamba-cache-stochastic-rounding",
            "--enable-mfu-metrics", "--enable-mm-embeds", "--enable-offline-docs", "--enable-prefix-caching",
            "--enable-prompt-embeds", "--enable-prompt-tokens-details", "--enable-request-id-headers",
            "--enable-return-routed-experts", "--enable-server-load-tracking", "--enable-sleep-mode",
            "--enable-ssl-refresh", "--enable-tokenizer-info-endpoint", "--enable-tower-connector-lora",
            "--enforce-eager", "--eplb-config", "--exclude-tools-when-tool-choice-none",
            "--expert-placement-strategy", "--fail-on-environ-validation", "--fully-sharded-loras",
            "--gdn-prefill-backend", "--generation-config", "--gpu-memory-utilization", "--grpc",
            "--h11-max-header-count", "--h11-max-incomplete-event-size", "--headless", "--help", "--hf-config-path",
            "--hf-overrides", "--hf-token", "--host", "--ignore-patterns", "--interleave-mm-strings",
            "--io-processor-plugin", "--ir-op-priority", "--kernel-config", "--kv-cache-dtype",
            "--kv-cache-dtype-skip-layers", "--kv-cache-memory-bytes", "--kv-cache-metrics",
            "--kv-cache-metrics-sample", "--kv-events-config", "--kv-offloading-backend", "--kv-offloading-size",
            "--kv-sharing-fast-prefill", "--kv-transfer-config", "--language-model-only", "--limit-mm-per-prompt",
            "--load-format", "--log-config-file", "--log-error-stack", "--logits-processors", "--logprobs-mode",
            "--long-prefill-token-threshold", "--lora-dtype", "--lora-modules", "--lora-target-modules",
            "--mamba-backend", "--mamba-block-size", "--mamba-cache-dtype", "--mamba-cache-mode",
            "--mamba-cache-philox-rounds", "--mamba-ssm-cache-dtype", "--master-addr", "--master-port",
            "--max-cpu-loras", "--max-cudagraph-capture-size", "--max-log-len", "--max-logprobs",
            "--max-long-partial-prefills", "--max-lora-rank", "--max-loras", "--max-model-len",
            "--max-num-batched-tokens", "--max-num-partial-prefills", "--max-num-seqs",
            "--max-parallel-loading-workers", "--media-io-kwargs", "--middleware", "--mm-encoder-attn-backend",
            "--mm-encoder-only", "--mm-encoder-tp-mode", "--mm-processor-cache-gb", "--mm-processor-cache-type",
            "--mm-processor-kwargs", "--mm-shm-cache-max-object-size-mb", "--mm-tensor-ipc", "--model",
            "--model-impl", "--model-loader-extra-config", "--moe-backend", "--nnodes", "--no-allow-credentials",
            "--no-allow-deprecated-quantization", "--no-async-scheduling", "--no-calculate-kv-scales",
            "--no-cudagraph-metrics", "--no-data-parallel-external-lb", "--no-data-parallel-hybrid-lb",
            "--no-disable-cascade-attn", "--no-disable-chunked-mm-input", "--no-disable-custom-all-reduce",
            "--no-disable-fastapi-docs", "--no-disable-hybrid-kv-cache-manager",
            "--no-disable-nccl-for-dp-synchronization", "--no-disable-sliding-window",
            "--no-disable-uvicorn-access-log", "--no-enable-auto-tool-choice", "--no-enable-chunked-prefill",
            "--no-enable-dbo", "--no-enable-elastic-ep", "--no-enable-ep-weight-filter", "--no-enable-eplb",
            "--no-enable-expert-parallel", "--no-enable-flash-late-interaction", "--no-enable-flashinfer-autotune",
            "--no-enable-force-include-usage", "--no-enable-layerwise-nvtx-tracing", "--no-enable-log-deltas",
            "--no-enable-log-outputs", "--no-enable-log-requests", "--no-enable-logging-iteration-details",
            "--no-enable-lora", "--no-enable-mamba-cache-stochastic-rounding", "--no-enable-mfu-metrics",
            "--no-enable-mm-embeds", "--no-enable-offline-docs", "--no-enable-prefix-caching",
            "--no-enable-prompt-embeds", "--no-enable-prompt-tokens-details", "--no-enable-request-id-headers",
            "--no-enable-return-routed-experts", "--no-enable-server-load-tracking", "--no-enable-sleep-mode",
            "--no-enable-ssl-refresh", "--no-enable-tokenizer-info-endpoint", "--no-enable-tower-connector-lora",
            "--no-enforce-eager", "--no-exclude-tools-when-tool-choice-none", "--no-fail-on-environ-validation",
            "--no-fully-sharded-loras", "--no-interleave-mm-strings", "--no-kv-cache-metrics",
            "--no-kv-sharing-fast-prefill", "--no-language-model-only", "--no-log-error-stack",
            "--no-mm-encoder-only", "--no-numa-bind", "--no-ray-workers-use-nsight",
            "--no-return-tokens-as-token-ids", "--no-scheduler-reserve-full-isl", "--no-skip-mm-profiling",
            "--no-skip-tokenizer-init", "--no-specialize-active-lora", "--no-tokens-only", "--no-trust-remote-code",
            "--no-trust-request-chat-template", "--no-use-tqdm-on-load", "--node-rank", "--num-gpu-blocks-override",
            "--numa-bind", "--numa-bind-cpus", "--numa-bind-nodes", "--offload-backend", "--offload-group-size",
            "--offload-num-in-group", "--offload-params", "--offload-prefetch-step", "--optimization-level",
            "--otlp-traces-endpoint", "--override-attention-dtype", "--override-generation-config",
            "--performance-mode", "--pipeline-parallel-size", "--pooler-config", "--port",
            "--prefill-context-parallel-size", "--prefix-caching-hash-algo", "--profiler-config",
            "--pt-load-map-location", "--quantization", "--ray-workers-use-nsight", "--reasoning-config",
            "--reasoning-parser", "--reasoning-parser-plugin", "--renderer-num-workers", "--response-role",
            "--return-tokens-as-token-ids", "--revision", "--root-path", "--runner", "--safetensors-load-strategy",
            "--scheduler-cls", "--scheduler-reserve-full-isl", "--scheduling-policy", "--seed", "--served-model-name",
            "--show-hidden-metrics-for-version", "--shutdown-timeout", "--skip-mm-profiling", "--skip-tokenizer-init",
            "--specialize-active-lora", "--speculative-config", "--ssl-ca-certs", "--ssl-cert-reqs", "--ssl-certfile",
            "--ssl-ciphers", "--ssl-keyfile", "--stream-interval", "--structured-outputs-config",
            "--tensor-parallel-size", "--tokenizer", "--tokenizer-mode", "--tokenizer-revision", "--tokens-only",
            "--tool-call-parser", "--tool-parser-plugin", "--tool-server", "--trust-remote-code",
            "--trust-request-chat-template", "--ubatch-size", "--uds", "--use-tqdm-on-load", "--uvicorn-log-level",
            "--video-pruning-rate", "--weight-transfer-config", "--worker-cls", "--worker-extension-cls",
        ],
        // `-O<n>`, `-O <n>` and `-O=<n>` are rewritten to `--optimization-level <n>` by
        // `FlexibleArgumentParser.parse_args` (`vllm/utils/argparse_utils.py`), not registered.
        short: {
            "-O": "--optimization-level",
            "-ac": "--attention-config",
            "-asc": "--api-server-count",
            "-cc": "--compilation-config",
            "-dcp": "--decode-context-parallel-size",
            "-dp": "--data-parallel-size",
            "-dpa": "--data-parallel-address",
            "-dpb": "--data-parallel-backend",
            "-dpe": "--data-parallel-external-lb",
            "-dph": "--data-parallel-hybrid-lb",
            "-dpl": "--data-parallel-size-local",
            "-dpn": "--data-parallel-rank",
            "-dpp": "--data-parallel-rpc-port",
            "-dpr": "--data-parallel-start-rank",
            "-ep": "--enable-expert-parallel",
            "-h": "--help",
            "-n": "--nnodes",
            "-pcp": "--prefill-context-parallel-size",
            "-pp": "--pipeline-parallel-size",
            "-q": "--quantization",
            "-r": "--node-rank",
            "-sc": "--speculative-config",
            "-tp": "--tensor-parallel-size",
        },
    },
};

/** One argument that names options, as vLLM resolves it. */
export interface ResolvedVllmOption {
    /** The long options it may name: one, or several when it is an ambiguous abbreviation. */
    options: string[];
    /** The value given in the same argument (`--flag=value`, `-qfp8`). */
    attachedValue?: string;
}

/** The options `arg` names as the vLLM release of `vllm` reads it, or undefined for a value or
 * positional. */
export function resolveVllmOption(arg: string, vllm: VllmOptions): ResolvedVllmOption | undefined {
    if (!arg.startsWith("-") || arg.length < 2) return undefined;
    const options = new Set([...vllm.long, ...Object.keys(vllm.short)]);
    const longForm = (option: string) => vllm.short[option] ?? option;
    const equals = arg.indexOf("=");
    let key = equals < 0 ? arg : arg.slice(0, equals);
    const attachedValue = equals < 0 ? undefined : arg.slice(equals + 1);
    if (key.startsWith("--")) key = key.split(".")[0].replace(/_/g, "-");
    if (options.has(key)) return { options: [longForm(key)], attachedValue };
    const prefixed = [...options].filter((option) => option.startsWith(key));
    if (prefixed.length > 0) return { options: [...new Set(prefixed.map(longForm))], attachedValue };
    // A one-letter short option with its value attached.
    const short = key.slice(0, 2);
    if (!key.startsWith("--") && options.has(short)) return { options: [longForm(short)], attachedValue: arg.slice(2) };
    return undefined;
}
