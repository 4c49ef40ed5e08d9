/**
 * Turns a recorded program run into the files of an offline render: `resources.json`, one
 * manifest per Kubernetes object the program creates directly, one values file per Helm release,
 * each Cloud Monitoring dashboard's JSON, and a readable summary. Pure: the CLI in render.ts writes what this returns.
 */
import { stringify as toYaml } from "yaml";
import type { CostRange, EndpointPickerCost, NodePoolSummary, ServedModel, curlCommands } from "../components";
import { ProgramRun, RecordedResource, redactSecrets } from "./mockRuntime";

/** One resource as written to `resources.json`: the recorded fields but the options, with the
 * provider as a URN and secrets replaced by "[secret]". */
export type RenderedResource = Omit<RecordedResource, "protect" | "dependencies">;

const HELM_CHART = "kubernetes:helm.sh/v4:Chart";
/** Istio's charts are installed as Helm releases (see components/routing/istioInstallation.ts). */
const HELM_RELEASE = "kubernetes:helm.sh/v3:Release";
const DASHBOARD = "gcp:monitoring/dashboard:Dashboard";

/** True for a Kubernetes object the program creates itself (not a chart, file or provider). */
export function isKubernetesObject(resource: { type: string; custom: boolean }): boolean {
    return resource.custom && resource.type.startsWith("kubernetes:") && !resource.type.startsWith("kubernetes:helm.sh/");
}

/** The resource as written to `resources.json`: secrets redacted, provider as a URN. */
export function renderResource(resource: RecordedResource): RenderedResource {
    return {
        urn: resource.urn,
        type: resource.type,
        name: resource.name,
        parent: resource.parent,
        custom: resource.custom,
        // A provider reference is `<urn>::<id>`; the id is the mock's, so only the URN is kept.
        provider: resource.provider === null ? null : resource.provider.split("::").slice(0, -1).join("::"),
        inputs: redactSecrets(resource.inputs) as Record<string, unknown>,
        options: resource.options,
    };
}

function fileSafe(text: string): string {
    return text.toLowerCase().replace(/[^a-z0-9.-]+/g, "-");
}

/** The manifest file name of a Kubernetes object: kind, namespace and name. */
export function manifestFileName(manifest: Record<string, unknown>): string {
    const metadata = (manifest["metadata"] ?? {}) as { name?: string; namespace?: string };
    const parts = [String(manifest["kind"]), metadata.namespace ?? "cluster", metadata.name ?? "unnamed"];
    return `${parts.map(fileSafe).join("_")}.yaml`;
}

function helmFile(resource: RenderedResource): { file: string; content: string } {
    const inputs = resource.inputs as {
        chart: string;
        version: string;
        name: string;
        namespace: string;
        values?: object;
        repositoryOpts?: { repo?: string };
    };
    const repo = inputs.repositoryOpts?.repo;
    const header = [
        `# Helm release ${inputs.name} in namespace ${inputs.namespace}`,
        `# chart: ${inputs.chart}${repo === undefined ? "" : ` from ${repo}`}`,
        `# version: ${inputs.version}`,
        `# helm template ${inputs.name} ${inputs.chart}${repo === undefined ? "" : ` --repo ${repo}`} --version ${inputs.version} --namespace ${inputs.namespace} -f ${fileSafe(inputs.name)}.yaml`,
    ].join("\n");
    return { file: `helm/${fileSafe(inputs.name)}.yaml`, content: `${header}\n${toYaml(inputs.values ?? {}, { sortMapEntries: true })}` };
}

/** Every file of the render, by path relative to the output directory. */
export function renderFiles(run: ProgramRun): Map<string, string> {
    // Code-unit order, the same in every locale.
    const resources = run.resources.map(renderResource).sort((a, b) => (a.urn < b.urn ? -1 : a.urn > b.urn ? 1 : 0));
    const files = new Map<string, string>();
    files.set("resources.json", `${JSON.stringify(resources, null, 2)}\n`);
    for (const resource of resources) {
        if (isKubernetesObject(resource)) {
            files.set(`manifests/${manifestFileName(resource.inputs)}`, toYaml(resource.inputs, { sortMapEntries: true }));
        } else if (resource.type === HELM_CHART || resource.type === HELM_RELEASE) {
            const { file, content } = helmFile(resource);
            files.set(file, content);
        } else if (resource.type === DASHBOARD) {
            // Pretty-printed so that a plan-diff reviewer can read the charts' queries.
            const json = JSON.parse(String(resource.inputs["dashboardJson"])) as unknown;
            files.set(`dashboards/${fileSafe(resource.name)}.json`, `${JSON.stringify(json, null, 2)}\n`);
        }
    }
    files.set("summary.txt", renderSummary(run.outputs));
    return files;
}

function table(rows: string[][]): string {
    const widths = rows[0].map((_, column) => Math.max(...rows.map((row) => row[column].length)));
    return rows
        .map((row) =>
            row
                .map((cell, column) => cell.padEnd(widths[column]))
                .join("  ")
                .trimEnd(),
        )
        .join("\n");
}

const range = (min: number, max: number, show: (n: number) => string = String) => (min === max ? show(min) : `${show(min)}-${show(max)}`);
const costRange = (min: number, max: number) => range(min, max, (n) => `$${n.toFixed(2)}`);

/** A model's pods: the fixed count, or the autoscaling range with its signal and target. */
function replicasCell(model: ServedModel): string {
    const scaling = model.autoscaling;
    return scaling === undefined ? String(model.replicas) : `${range(scaling.minReplicas, scaling.maxReplicas)} (${scaling.metric} ${scaling.target}/pod)`;
}

/** The readable summary of a run, from the stack's outputs. */
export function renderSummary(outputs: Record<string, unknown>): string {
    const models = outputs["models"] as (ServedModel & { try: ReturnType<typeof curlCommands> })[];
    const pools = outputs["nodePools"] as NodePoolSummary[];
    const total = outputs["estimatedGpuCost"] as CostRange | undefined;
    const modelRows = [
        [
            "MODEL",
            "HUGGING FACE ID",
            "PARAMETERS",
            "CONTEXT",
            "KV CACHE/GPU",
            "FULL-LENGTH REQUESTS",
            "GPU",
            "REPLICAS",
            "POOL",
            "ROUTE",
            "NODE POOL",
            "WEIGHT CACHE",
            "ADAPTERS",
        ],
        ...models.map((m) => [
            m.name,
            m.huggingFaceId,
            // Where the memory estimate's count came from: the known-model table, the ID or config.
            `${m.parameters}B (${m.parametersSource})`,
            String(m.contextLength),
            `${m.kvCacheGiB.toFixed(2)} GiB`,
            String(m.fullLengthRequests),
            `${m.gpu.count} x ${m.gpu.type}`,
            replicasCell(m),
            m.pool,
            m.route,
            m.nodePool,
            m.weightCache,
            m.adapters.join(",") || "-",
        ]),
    ];
    const poolRows = [
        ["NODE POOL", "MACHINE", "GPUS/NODE", "NODES", "ZONES", "ON-DEMAND/H", "SPOT/H", "ON-DEMAND/MONTH", "SPOT/MONTH"],
        ...pools.map((p) => [
            p.name + (p.spot ? " (spot)" : ""),
            p.machineType,
            String(p.gpusPerNode),
            range(p.nodes.minNodes, p.nodes.maxNodes),
            p.zones.join(",") || "cluster's",
            costRange(p.estimatedCost.min.onDemandHourly, p.estimatedCost.max.onDemandHourly),
            costRange(p.estimatedCost.min.spotHourly, p.estimatedCost.max.spotHourly),
            costRange(p.estimatedCost.min.onDemandMonthly, p.estimatedCost.max.onDemandMonthly),
            costRange(p.estimatedCost.min.spotMonthly, p.estimatedCost.max.spotMonthly),
        ]),
    ];
    const replicas = models.reduce((n, m) => n + m.replicas, 0);
    const gpus = models.reduce((n, m) => n + m.replicas * m.gpu.count, 0);
    const record = outputs["certificateDnsRecord"] as { name: string; type: string; data: string } | undefined;
    const epps = outputs["estimatedEndpointPickerCost"] as EndpointPickerCost | undefined;
    const systemPool = outputs["systemPool"] as { machineType: string; nodesPerZone: number } | undefined;
    const provider = outputs["provider"] as { name: string; description: string };
    const line = outputs["releaseLine"] as { inferencePool: string; bodyBasedRouting: string; vllmImage: string };
    return [
        `Provider: ${provider.name}, ${provider.description}`,
        `Release line: inferencepool ${line.inferencePool}, body-based-routing ${line.bodyBasedRouting}, ${line.vllmImage}`,
        `Gateway: ${String(outputs["gatewayUrl"])}`,
        `API keys: ${outputs["apiKeysRequired"] === true ? "required (clients send Authorization: Bearer <api-key>)" : "not required"}`,
        `Models: ${String(outputs["listModels"])}`,
        ...(record === undefined ? [] : [`Certificate: create DNS record ${record.name} ${record.type} ${record.data}`]),
        `Dashboard: ${String(outputs["dashboardUrl"])}`,
        "",
        table(modelRows),
        "",
        table(poolRows),
        "",
        ...(total === undefined
            ? [`Totals: ${models.length} models, ${replicas} replicas using ${gpus} GPUs on the cluster's own GPU nodes (no cost estimated).`]
            : [
                  `Totals: ${models.length} models, ${replicas} replicas using ${gpus} GPUs; ` +
                      `${range(total.min.nodes, total.max.nodes)} GPU nodes with ${range(total.min.gpus, total.max.gpus)} GPUs.`,
                  `Estimated GPU cost: ${costRange(total.min.onDemandHourly, total.max.onDemandHourly)}/h on demand ` +
                      `(${costRange(total.min.onDemandMonthly, total.max.onDemandMonthly)}/month), ` +
                      `${costRange(total.min.spotHourly, total.max.spotHourly)}/h spot (${costRange(total.min.spotMonthly, total.max.spotMonthly)}/month).`,
              ]),
        ...(epps === undefined
            ? []
            : [
                  `Estimated Endpoint Picker cost: ${epps.endpointPickers} EPPs requesting ${epps.cpu} vCPU and ${epps.memoryGiB} GiB in all: ` +
                      `$${epps.onDemandHourly.toFixed(2)}/h on demand ($${epps.onDemandMonthly.toFixed(2)}/month) at ${epps.pricedAs} rates.`,
              ]),
        ...(systemPool === undefined ? [] : [`System pool: ${systemPool.nodesPerZone} x ${systemPool.machineType} per zone.`]),
        "Context and KV cache: vLLM's memory rule at the line's tag, the profiling reserve (kvCacheReserveGb) an estimate; a native context is used " +
            "when one request of it fits 90 % of the KV cache, else the largest that does. A size read from an ID (parameters: id) counts 10 % more.",
        "Prices: GPU list prices only (no VM, disk or load balancer), us-central1; see components/catalogs/gpuCatalog.ts.",
        ...(epps === undefined
            ? []
            : ["EPP prices: what they request at the machine family's list rates, us-central1; see components/cluster/systemCapacity.ts."]),
        "",
        "Requests to try, once the gateway has an address:",
        ...models.flatMap((m) => ["", `${m.name}:`, `  ${m.try.chatCompletions}`, `  ${m.try.completions}`]),
        "",
    ].join("\n");
}
