/**
 * The front door's responder run under Node: its njs handler loaded from the files its ConfigMap
 * holds, and the directives of its nginx.conf that pick what answers a request (the longest
 * `location` prefix, `=` first; `js_content`, `js_set`, `if ($var)` and `return`), so that a test
 * asks what a request gets rather than reading the configuration's text.
 */
import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import { pathToFileURL } from "node:url";

/** A request as njs hands it to the handler, and what the handler answered. */
export class FakeRequest {
    status?: number;
    body?: string;
    readonly headersOut: Record<string, string> = {};
    constructor(
        readonly method: string,
        readonly uri: string,
        readonly headersIn: Record<string, string>,
        readonly variables: Record<string, string>,
    ) {}
    return(status: number, body: string): void {
        this.status = status;
        this.body = body;
    }
}

/** The handler's exports, by name. */
export type Handler = Record<string, (r: FakeRequest) => string | void>;

/** Node's own `import()`: this file compiles to CommonJS, where TypeScript would turn `import()`
 * into `require()`, which cannot load an ES module. */
const importModule = new Function("specifier", "return import(specifier)") as (specifier: string) => Promise<unknown>;

/** Writes the ConfigMap's files (and the digests file, if given) into `dir` as the pod mounts
 * them and loads the handler (an ES module in the subset njs and Node share). */
export async function loadResponder(
    dir: string,
    files: Record<string, string>,
    digests?: string,
): Promise<{ handler: Handler; variables: Record<string, string> }> {
    for (const [file, text] of Object.entries(files)) fs.writeFileSync(path.join(dir, file), text);
    if (digests !== undefined) fs.writeFileSync(path.join(dir, "sha256"), digests);
    fs.writeFileSync(path.join(dir, "catalog.mjs"), files["catalog.js"]);
    const handler = ((await importModule(pathToFileURL(path.join(dir, "catalog.mjs")).href)) as { default: Handler }).default;
    return { handler, variables: { model_list: path.join(dir, "models.json"), api_key_digests: digests === undefined ? "" : path.join(dir, "sha256") } };
}

/** The body of the `location` block that nginx picks for `uri`. */
function locationFor(conf: string, uri: string): string {
    const blocks = [...conf.matchAll(/^ {8}location (= )?(\S+) \{\n([\s\S]*?)^ {8}\}$/gm)].map((m) => ({
        exact: m[1] !== undefined,
        prefix: m[2],
        body: m[3],
    }));
    const exact = blocks.find((b) => b.exact && b.prefix === uri);
    const prefixes = blocks.filter((b) => !b.exact && uri.startsWith(b.prefix)).sort((a, b) => b.prefix.length - a.prefix.length);
    const chosen = exact ?? prefixes[0];
    assert.ok(chosen, `no location for ${uri}`);
    return chosen.body;
}

/** What the responder answers: status and parsed JSON body. */
export function respond(
    conf: string,
    handler: Handler,
    variables: Record<string, string>,
    request: { method: string; uri: string; headers?: Record<string, string> },
): { status: number; json: any } {
    const r = new FakeRequest(request.method, request.uri, request.headers ?? {}, variables);
    const setters = Object.fromEntries([...conf.matchAll(/js_set \$(\w+) catalog\.(\w+);/g)].map((m) => [m[1], m[2]]));
    const value = (name: string): string => {
        assert.ok(setters[name] !== undefined && typeof handler[setters[name]] === "function", `$${name} is set by no handler function`);
        return String(handler[setters[name]](r));
    };
    const body = locationFor(conf, request.uri);
    const content = /js_content catalog\.(\w+);/.exec(body);
    if (content !== null) {
        assert.equal(typeof handler[content[1]], "function", `the handler exports no ${content[1]}`);
        handler[content[1]](r);
        assert.equal(r.headersOut["Content-Type"], "application/json");
        return { status: r.status as number, json: JSON.parse(r.body ?? "null") };
    }
    // `if ($var) { return CODE $text; }` then `return CODE $text;`, in order.
    for (const statement of body.matchAll(/(?:if \(\$(\w+)\) \{\s*)?return (\d+) (?:\$(\w+)|'([^']*)');/g)) {
        const [, condition, status, variable, literal] = statement;
        if (condition !== undefined && value(condition) === "") continue;
        const text = variable === undefined ? literal.replace(/\\n$/, "\n") : value(variable);
        return { status: Number(status), json: JSON.parse(text) };
    }
    assert.fail(`the location for ${request.uri} answers nothing`);
}
