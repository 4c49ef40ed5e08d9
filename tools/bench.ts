/**
 * `npm run bench`: renders generated configs of 2, 16 and 64 models (the gke stack's defaults,
 * models repeated) and prints wall time and peak memory, with the ratios of 16 and 64 to 2. Each
 * sample is a fresh process, as a render is; the median of three samples is reported.
 */
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { performance } from "node:perf_hooks";
import { parse as parseYaml, stringify as toYaml } from "yaml";
import { REPO_ROOT } from "./mockRuntime";

const SIZES = [2, 16, 64];
const SAMPLES = 3;

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

function sample(configFile: string): Sample {
    const start = performance.now();
    const child = spawnSync(process.execPath, ["--require", "ts-node/register/transpile-only", path.join(__dirname, "benchRun.ts"), configFile], {
        cwd: REPO_ROOT,
        encoding: "utf8",
    });
    const wallMs = performance.now() - start;
    if (child.status !== 0) throw new Error(`render failed:\n${child.stderr}`);
    return { wallMs, ...(JSON.parse(child.stdout) as Omit<Sample, "wallMs">) };
}

const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];

function main(): void {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "bench-"));
    try {
        const rows = SIZES.map((models) => {
            const file = path.join(dir, `models-${models}.yaml`);
            fs.writeFileSync(file, benchConfig(models));
            const samples = Array.from({ length: SAMPLES }, () => sample(file));
            return {
                models,
                resources: samples[0].resources,
                wallMs: median(samples.map((s) => s.wallMs)),
                renderMs: median(samples.map((s) => s.renderMs)),
                peakRssMb: median(samples.map((s) => s.peakRssMb)),
            };
        });
        const base = rows[0];
        console.log(`Node ${process.version}, ${os.cpus().length} × ${os.cpus()[0]?.model ?? "cpu"}, ${Math.round(os.totalmem() / 2 ** 30)} GiB; median of ${SAMPLES} runs`);
        console.log("| models | resources | wall time (ms) | program + render (ms) | peak RSS (MB) | wall / 2 models | render / 2 models |");
        console.log("| ---: | ---: | ---: | ---: | ---: | ---: | ---: |");
        for (const r of rows) {
            console.log(
                `| ${r.models} | ${r.resources} | ${r.wallMs.toFixed(0)} | ${r.renderMs.toFixed(0)} | ${r.peakRssMb.toFixed(0)} | ` +
                    `${(r.wallMs / base.wallMs).toFixed(2)} | ${(r.renderMs / base.renderMs).toFixed(2)} |`,
            );
        }
    } finally {
        fs.rmSync(dir, { recursive: true, force: true });
    }
}

main();
