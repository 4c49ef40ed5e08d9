/** One benchmark sample, in its own process: renders a config and prints the time the program
 * run and render took and the process's peak memory, as JSON. */
import { performance } from "node:perf_hooks";
import { runProgram } from "./mockRuntime";
import { renderFiles } from "./renderFiles";
import { printError } from "./typeScriptStack";

async function main(configFile: string): Promise<void> {
    const start = performance.now();
    const run = await runProgram("bench", configFile);
    const files = renderFiles(run);
    const renderMs = performance.now() - start;
    const sample = { renderMs, peakRssMb: process.resourceUsage().maxRSS / 1024, resources: run.resources.length, files: files.size };
    process.stdout.write(`${JSON.stringify(sample)}\n`);
}

main(process.argv[2]).catch((error: unknown) => {
    printError(error);
    process.exit(1);
});
