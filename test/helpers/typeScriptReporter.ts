/**
 * `npm test`'s reporter: Node's spec reporter, with each failure's position and stack pointed back
 * at the TypeScript lines (the tests run compiled from build/; see tools/typeScriptStack.ts).
 */
import { Readable } from "node:stream";
import { spec } from "node:test/reporters";
import { typeScriptPosition, withTypeScriptPositions } from "../../tools/typeScriptStack";

/** A test runner event; of a failure, its position and error are read. */
interface TestEvent {
    type: string;
    data?: { file?: string; line?: number; column?: number; details?: { error?: unknown } };
}

function mapStack(error: unknown): void {
    if (!(error instanceof Error)) return;
    // Redefined, not assigned: Node 24 hands reporters errors whose stack is read-only.
    const stack = Object.getOwnPropertyDescriptor(error, "stack");
    if (typeof stack?.value === "string" && stack.configurable === true) {
        Object.defineProperty(error, "stack", { ...stack, value: withTypeScriptPositions(stack.value) });
    }
    mapStack(error.cause);
}

async function* withTypeScriptFailures(source: AsyncIterable<TestEvent>): AsyncGenerator<TestEvent> {
    for await (const event of source) {
        const data = event.data;
        if (event.type !== "test:fail" || data === undefined) {
            yield event;
            continue;
        }
        mapStack(data.details?.error);
        const { file, line, column } = data;
        const position = file !== undefined && line !== undefined && column !== undefined ? typeScriptPosition({ file, line, column }) : undefined;
        yield { ...event, data: { ...data, ...position } };
    }
}

/** Test events in, the spec reporter's lines out. */
async function* typeScriptReporter(source: AsyncIterable<TestEvent>): AsyncGenerator<string> {
    for await (const line of Readable.from(withTypeScriptFailures(source)).pipe(new spec())) yield String(line);
}

// The runner imports a reporter and calls its default export: CommonJS `module.exports`.
export = typeScriptReporter;
