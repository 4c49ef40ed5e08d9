/**
 * `npm run bench`: renders generated configs of 2, 16 and 64 models (the gke stack's defaults,
 * models repeated) and prints wall time and peak memory, with the ratios to 2 models. Each sample
 * is a fresh process, as a render is; the median of three samples is reported. The same renders
 * run as the scripts run them (compiled, from build/) and, for comparison, through ts-node as
 * they ran before (`--require ts-node/register/transpile-only` on the TypeScript source).
 */
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { performance } from "node:perf_hooks";
import { parse as parseYaml, stringify as toYaml } from "yaml";
import { CODE_ROOT, REPO_ROOT } from "./repoRoot";

const SAMPLES = 3;

/** How a sample runs the renderer: its node arguments before the config file. */
const LOADERS = {
    compiled: [path.join(CODE_ROOT, "tools", "benchRun.js")],
    "ts-node": ["--require", "ts-node/register/transpile-only", path.join(REPO_ROOT, "tools", "benchRun.ts")],
};
type Loader = keyof typeof LOADERS;

/** The rows measured: every size compiled, the smallest and largest through ts-node. */
const ROWS: { loader: Loader; models: number }[] = [
    { loader: "compiled", models: 2 },
    { loader: "compiled", models: 16 },
    { loader: "compiled", models: 64 },
    { loader: "ts-node", models: 2 },
    { loader: "ts-node", models: 64 },
];

/** The targets: 64 models within 1.5× the wall time of 2, and compiled at least twice as fast as ts-node. */
const MAX_WALL_64_OVER_2 = 1.5;
const MIN_SPEEDUP_OVER_TS_NODE = 2;

/** The gke stack with `count` models, alternating its two models' settings under new names. */
export function benchConfig(count: number): string {
    const stack = parseYaml(fs.readFileSync(path.join(REPO_ROOT, "Pulumi.gke.yaml"), "utf8")) as { config: Record<string, unknown> };
    const defaults = stack.config["multi-model-inference:models"] as { name: string }[];
    stack.config["multi-model-inference:models"] = Array.from({ length: count }, (_, i) => {
        const base = defaults[i % defaults.length];
        return { ...base, name: `${base.name}-${i}`, huggingFaceId: base.name };
    });
    return toYaml(stack);
}

interface Sample {
    wallMs: number;
    renderMs: number;
    peakRssMb: number;
    resources: number;
}

function sample(loader: Loader, configFile: string): Sample {
    const start = performance.now();
    const child = spawnSync(process.execPath, [...LOADERS[loader], configFile], { cwd: REPO_ROOT, encoding: "utf8" });
    const wallMs = performance.now() - start;
    if (child.status !== 0) throw new Error(`render failed:\n${child.stderr}`);
    return { wallMs, ...(JSON.parse(child.stdout) as Omit<Sample, "wallMs">) };
}

const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];
const seconds = (ms: number) => `${(ms / 1000).toFixed(2)} s`;

function main(): void {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "bench-"));
    try {
        const rows = ROWS.map(({ loader, models }) => {
            const file = path.join(dir, `models-${models}.yaml`);
            if (!fs.existsSync(file)) fs.writeFileSync(file, benchConfig(models));
            const samples = Array.from({ length: SAMPLES }, () => sample(loader, file));
            return {
                loader,
                models,
                resources: samples[0].resources,
                wallMs: median(samples.map((s) => s.wallMs)),
                renderMs: median(samples.map((s) => s.renderMs)),
                peakRssMb: median(samples.map((s) => s.peakRssMb)),
            };
        });
        const row = (loader: Loader, models: number) => rows.find((r) => r.loader === loader && r.models === models)!;
        const cpus = os.cpus();
        console.log(
            `Node ${process.version}, ${cpus.length} × ${cpus[0]?.model.trim() ?? "cpu"}, ${Math.round(os.totalmem() / 2 ** 30)} GiB; median of ${SAMPLES} fresh processes`,
        );
        console.log("");
        console.log("| loader | models | resources | wall time | program + render | peak RSS | wall / 2 models | render / 2 models |");
        console.log("| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |");
        for (const r of rows) {
            const base = row(r.loader, 2);
            console.log(
                `| ${r.loader} | ${r.models} | ${r.resources} | ${seconds(r.wallMs)} | ${seconds(r.renderMs)} | ${r.peakRssMb.toFixed(0)} MB | ` +
                    `${(r.wallMs / base.wallMs).toFixed(2)} | ${(r.renderMs / base.renderMs).toFixed(2)} |`,
            );
        }
        const scaling = row("compiled", 64).wallMs / row("compiled", 2).wallMs;
        const speedup = row("ts-node", 2).wallMs / row("compiled", 2).wallMs;
        const verdict = (met: boolean) => (met ? "met" : "NOT met");
        console.log("");
        console.log(
            `64 models take ${scaling.toFixed(2)}× the wall time of 2 (target at most ${MAX_WALL_64_OVER_2}×: ${verdict(scaling <= MAX_WALL_64_OVER_2)})`,
        );
        console.log(
            `2 models render ${speedup.toFixed(2)}× faster compiled than with ts-node (target at least ${MIN_SPEEDUP_OVER_TS_NODE}×: ${verdict(speedup >= MIN_SPEEDUP_OVER_TS_NODE)})`,
        );
    } finally {
        fs.rmSync(dir, { recursive: true, force: true });
    }
}

if (require.main === module) main();
