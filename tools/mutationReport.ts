/**
 * After `npm run mutation`: reports/mutation/survivors.md (with Stryker's HTML report there, the
 * mutation workflow's artifact) from Stryker's JSON report
 * (reports/mutation/mutation.json, the mutation-testing-report-schema): the score of each module,
 * grouped as docs/testing.md groups the code (config, planner, builders), and every surviving mutant
 * with its line, the mutator, the code it put in and the line it changed. The triage in docs/testing.md reads from it.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { REPO_ROOT } from "./repoRoot";

/** One mutant of the report, as far as this reads it. */
export interface ReportedMutant {
    mutatorName: string;
    replacement?: string;
    status: "Killed" | "Survived" | "NoCoverage" | "Timeout" | "Ignored" | "CompileError" | "RuntimeError" | "Pending";
    location: { start: { line: number; column: number } };
}

/** The report, as far as this reads it. */
export interface MutationReport {
    files: Record<string, { source?: string; mutants: ReportedMutant[] }>;
}

/** Where the page is written, relative to the repository. */
export const MUTATION_PAGE = path.join("reports", "mutation", "survivors.md");

/** A module's counts. Stryker's score: detected (killed or timed out) over all that count. */
export interface ModuleScore {
    file: string;
    detected: number;
    survived: number;
    noCoverage: number;
    ignored: number;
}

const score = (s: Omit<ModuleScore, "file" | "ignored">) =>
    s.detected + s.survived + s.noCoverage === 0 ? 100 : (100 * s.detected) / (s.detected + s.survived + s.noCoverage);

/** True for a module that declares a component: it makes resources (the layout test keeps the
 * others from importing it, Stryker mutates only its module-level functions). */
export function declaresComponent(source: string): boolean {
    return /extends pulumi\.ComponentResource\b/.test(source);
}

/** The groups of docs/testing.md: what the mutation run covers. The builders are the modules
 * that declare a component (their module-level functions); the planner is every other module. */
export function groupOf(file: string, source: string): "config" | "planner" | "builders" {
    if (file.startsWith("components/config/")) return "config";
    return declaresComponent(source) ? "builders" : "planner";
}

export function moduleScores(report: MutationReport): ModuleScore[] {
    return Object.entries(report.files)
        .map(([file, { mutants }]) => ({
            file,
            detected: mutants.filter((m) => m.status === "Killed" || m.status === "Timeout").length,
            survived: mutants.filter((m) => m.status === "Survived").length,
            noCoverage: mutants.filter((m) => m.status === "NoCoverage").length,
            ignored: mutants.filter((m) => m.status === "Ignored").length,
        }))
        .sort((a, b) => a.file.localeCompare(b.file));
}

function total(file: string, scores: ModuleScore[]): ModuleScore {
    const sum = (key: "detected" | "survived" | "noCoverage" | "ignored") => scores.reduce((n, s) => n + s[key], 0);
    return { file, detected: sum("detected"), survived: sum("survived"), noCoverage: sum("noCoverage"), ignored: sum("ignored") };
}

const row = (s: ModuleScore) => `| ${s.file} | ${s.detected} | ${s.survived} | ${s.noCoverage} | ${s.ignored} | ${score(s).toFixed(1)} % |`;

/** The page: totals per group, per module, then the survivors of each module. */
export function mutationMarkdown(report: MutationReport): string {
    const scores = moduleScores(report);
    const groups = (["config", "planner", "builders"] as const).map((g) =>
        total(
            g,
            scores.filter((s) => groupOf(s.file, report.files[s.file].source ?? "") === g),
        ),
    );
    const header = ["| module | killed | survived | no coverage | ignored (static) | score |", "| --- | ---: | ---: | ---: | ---: | ---: |"];
    const survivors = Object.entries(report.files)
        .sort(([a], [b]) => a.localeCompare(b))
        .flatMap(([file, { source, mutants }]) => {
            const alive = mutants
                .filter((m) => m.status === "Survived" || m.status === "NoCoverage")
                .sort(
                    (a, b) =>
                        a.location.start.line - b.location.start.line ||
                        a.location.start.column - b.location.start.column ||
                        `${a.mutatorName} ${a.replacement}`.localeCompare(`${b.mutatorName} ${b.replacement}`),
                );
            if (alive.length === 0) return [];
            const code = (text: string) => text.trim().replace(/\s+/g, " ").replace(/`/g, "'").slice(0, 80);
            const lines = source?.split("\n") ?? [];
            const where = (m: ReportedMutant) => (lines.length >= m.location.start.line ? ` in \`${code(lines[m.location.start.line - 1])}\`` : "");
            return [
                `### ${file}`,
                "",
                ...alive.map(
                    (m) =>
                        `- ${m.location.start.line}:${m.location.start.column} ${m.mutatorName}${m.status === "NoCoverage" ? " (no test reaches it)" : ""}: \`${code(m.replacement ?? "")}\`${where(m)}`,
                ),
                "",
            ];
        });
    return [
        "# Mutation score",
        "",
        "Written by `npm run mutation` (StrykerJS, `stryker.config.mjs`) from its report; docs/testing.md",
        "(Mutation score) says how to read it and triages the survivors.",
        "",
        ...header,
        ...groups.map(row),
        ...[total("all", scores)].map(row),
        "",
        "## Per module",
        "",
        ...header,
        ...scores.map(row),
        "",
        "## Surviving mutants",
        "",
        ...survivors,
    ].join("\n");
}

if (require.main === module) {
    const report = JSON.parse(fs.readFileSync(path.join(REPO_ROOT, "reports", "mutation", "mutation.json"), "utf8")) as MutationReport;
    fs.writeFileSync(path.join(REPO_ROOT, MUTATION_PAGE), mutationMarkdown(report));
    console.log(`wrote ${MUTATION_PAGE}`);
}
