/**
 * Every option string `python3 -m vllm.entrypoints.openai.api_server` accepts at the vLLM release
 * the default image pins, so that a config's `vllmArgs` can be read the way vLLM's parser reads
 * them (abbreviations included). Data, extracted once from vllm-project/vllm tag `v0.11.0`
 * (commit b8b302cde434df8c9289a2b465406b47ebab1c2d): the `add_argument` calls of
 * `vllm/engine/arg_utils.py` (`EngineArgs.add_cli_args`, `AsyncEngineArgs.add_cli_args`) and the
 * `FrontendArgs` fields and `make_arg_parser` of `vllm/entrypoints/openai/cli_args.py`; a boolean
 * field is an `argparse.BooleanOptionalAction`, so it also has its `--no-` form.
 */

/** The vLLM release these option strings were read at. */
export const VLLM_FLAGS_SOURCE = { tag: "v0.11.0", commit: "b8b302cde434df8c9289a2b465406b47ebab1c2d" } as const;

/** Long options, `--no-` negations and `--help` included. */
export const VLLM_LONG_OPTIONS: readonly string[] = [
    "--additional-config", "--allow-credentials", "--allowed-headers", "--allowed-local-media-path",
    "--allowed-media-domains", "--allowed-methods", "--allowed-origins", "--api-key", "--api-server-count",
    "--async-scheduling", "--block-size", "--calculate-kv-scales", "--chat-template",
    "--chat-template-content-format", "--code-revision", "--collect-detailed-traces", "--compilation-config",
    "--config", "--config-format", "--convert", "--cpu-offload-gb", "--cuda-graph-sizes",
    "--data-parallel-address", "--data-parallel-backend", "--data-parallel-hybrid-lb", "--data-parallel-rank",
    "--data-parallel-rpc-port", "--data-parallel-size", "--data-parallel-size-local", "--data-parallel-start-rank",
    "--dbo-decode-token-threshold", "--dbo-prefill-token-threshold", "--decode-context-parallel-size",
    "--default-mm-loras", "--disable-cascade-attn", "--disable-chunked-mm-input", "--disable-custom-all-reduce",
    "--disable-fastapi-docs", "--disable-frontend-multiprocessing", "--disable-hybrid-kv-cache-manager",
    "--disable-log-requests", "--disable-log-stats", "--disable-mm-preprocessor-cache", "--disable-sliding-window",
    "--disable-uvicorn-access-log", "--distributed-executor-backend", "--download-dir", "--dtype",
    "--enable-auto-tool-choice", "--enable-chunked-prefill", "--enable-dbo", "--enable-eplb",
    "--enable-expert-parallel", "--enable-force-include-usage", "--enable-log-outputs", "--enable-log-requests",
    "--enable-lora", "--enable-lora-bias", "--enable-multimodal-encoder-data-parallel", "--enable-prefix-caching",
    "--enable-prompt-embeds", "--enable-prompt-tokens-details", "--enable-request-id-headers",
    "--enable-server-load-tracking", "--enable-sleep-mode", "--enable-ssl-refresh",
    "--enable-tokenizer-info-endpoint", "--enforce-eager", "--eplb-config", "--eplb-log-balancedness",
    "--eplb-step-interval", "--eplb-window-size", "--exclude-tools-when-tool-choice-none",
    "--expert-placement-strategy", "--fully-sharded-loras", "--generation-config", "--gpu-memory-utilization",
    "--guided-decoding-backend", "--guided-decoding-disable-additional-properties",
    "--guided-decoding-disable-any-whitespace", "--guided-decoding-disable-fallback", "--h11-max-header-count",
    "--h11-max-incomplete-event-size", "--headless", "--help", "--hf-config-path", "--hf-overrides", "--hf-token",
    "--host", "--ignore-patterns", "--interleave-mm-strings", "--io-processor-plugin", "--kv-cache-dtype",
    "--kv-cache-memory-bytes", "--kv-events-config", "--kv-sharing-fast-prefill", "--kv-transfer-config",
    "--limit-mm-per-prompt", "--load-format", "--log-config-file", "--log-error-stack",
    "--logits-processor-pattern", "--logits-processors", "--logprobs-mode", "--long-prefill-token-threshold",
    "--lora-dtype", "--lora-extra-vocab-size", "--lora-modules", "--mamba-cache-dtype", "--mamba-ssm-cache-dtype",
    "--max-cpu-loras", "--max-log-len", "--max-logprobs", "--max-long-partial-prefills", "--max-lora-rank",
    "--max-loras", "--max-model-len", "--max-num-batched-tokens", "--max-num-partial-prefills", "--max-num-seqs",
    "--max-parallel-loading-workers", "--media-io-kwargs", "--middleware", "--mm-encoder-tp-mode",
    "--mm-processor-cache-gb", "--mm-processor-cache-type", "--mm-processor-kwargs",
    "--mm-shm-cache-max-object-size-mb", "--model", "--model-impl", "--model-loader-extra-config",
    "--no-allow-credentials", "--no-async-scheduling", "--no-calculate-kv-scales", "--no-data-parallel-hybrid-lb",
    "--no-disable-cascade-attn", "--no-disable-chunked-mm-input", "--no-disable-custom-all-reduce",
    "--no-disable-fastapi-docs", "--no-disable-frontend-multiprocessing", "--no-disable-hybrid-kv-cache-manager",
    "--no-disable-log-requests", "--no-disable-sliding-window", "--no-disable-uvicorn-access-log",
    "--no-enable-auto-tool-choice", "--no-enable-chunked-prefill", "--no-enable-dbo", "--no-enable-eplb",
    "--no-enable-expert-parallel", "--no-enable-force-include-usage", "--no-enable-log-outputs",
    "--no-enable-log-requests", "--no-enable-lora", "--no-enable-lora-bias", "--no-enable-prefix-caching",
    "--no-enable-prompt-embeds", "--no-enable-prompt-tokens-details", "--no-enable-request-id-headers",
    "--no-enable-server-load-tracking", "--no-enable-sleep-mode", "--no-enable-ssl-refresh",
    "--no-enable-tokenizer-info-endpoint", "--no-enforce-eager", "--no-eplb-log-balancedness",
    "--no-exclude-tools-when-tool-choice-none", "--no-fully-sharded-loras", "--no-interleave-mm-strings",
    "--no-kv-sharing-fast-prefill", "--no-log-error-stack", "--no-ray-workers-use-nsight",
    "--no-return-tokens-as-token-ids", "--no-skip-mm-profiling", "--no-skip-tokenizer-init",
    "--no-trust-remote-code", "--no-trust-request-chat-template", "--no-use-tqdm-on-load",
    "--num-gpu-blocks-override", "--num-lookahead-slots", "--num-redundant-experts", "--otlp-traces-endpoint",
    "--override-attention-dtype", "--override-generation-config", "--override-pooler-config",
    "--pipeline-parallel-size", "--pooler-config", "--port", "--prefix-caching-hash-algo",
    "--pt-load-map-location", "--quantization", "--ray-workers-use-nsight", "--reasoning-parser",
    "--response-role", "--return-tokens-as-token-ids", "--revision", "--root-path", "--rope-scaling",
    "--rope-theta", "--runner", "--safetensors-load-strategy", "--scheduler-cls", "--scheduling-policy", "--seed",
    "--served-model-name", "--show-hidden-metrics-for-version", "--skip-mm-profiling", "--skip-tokenizer-init",
    "--speculative-config", "--ssl-ca-certs", "--ssl-cert-reqs", "--ssl-certfile", "--ssl-keyfile",
    "--structured-outputs-config", "--swap-space", "--task", "--tensor-parallel-size", "--tokenizer",
    "--tokenizer-mode", "--tokenizer-revision", "--tool-call-parser", "--tool-parser-plugin", "--tool-server",
    "--trust-remote-code", "--trust-request-chat-template", "--uds", "--use-tqdm-on-load", "--uvicorn-log-level",
    "--video-pruning-rate", "--worker-cls", "--worker-extension-cls",
];

/** Short options and the long option each stands for. */
export const VLLM_SHORT_OPTIONS: Readonly<Record<string, string>> = {
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
};
