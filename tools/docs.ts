/**
 * `npm run docs`: regenerates docs/reference.md from the inferred package schema. A test fails
 * when the committed page differs from what this writes.
 */
import * as fs from "fs";
import * as path from "path";
import { PACKAGE_ROOT, inferPackageSchema } from "./packageSchema";
import { REFERENCE_DOCS_PATH, referenceMarkdown } from "./referenceDocs";

/** Full examples shown in the reference, by component class. */
export function referenceExamples(): Record<string, string> {
    return { MultiModelInference: fs.readFileSync(path.join(PACKAGE_ROOT, "examples", "yaml", "Pulumi.yaml"), "utf8") };
}

async function main(): Promise<void> {
    const markdown = referenceMarkdown(await inferPackageSchema(), referenceExamples());
    fs.mkdirSync(path.dirname(path.join(PACKAGE_ROOT, REFERENCE_DOCS_PATH)), { recursive: true });
    fs.writeFileSync(path.join(PACKAGE_ROOT, REFERENCE_DOCS_PATH), markdown);
    console.log(`wrote ${REFERENCE_DOCS_PATH}`);
}

if (require.main === module) {
    main().catch((error) => {
        console.error(error instanceof Error ? error.message : error);
        process.exit(1);
    });
}
