/**
 * GitHub Actions expressions, evaluated as the runner does for the subset our workflows use
 * (docs.github.com "Evaluate expressions in workflows and actions"): literals (`'string'` with
 * `''` for a quote, numbers, `true`, `false`, `null`), context properties (`github.event.x`,
 * `vars.NAME`, `a['b']`; a missing one is `null`), `!`, `==`, `!=`, `&&`, `||` and parentheses.
 * `==` is loose: strings compare ignoring case, and values of different types compare as numbers
 * (`null` is 0, booleans 1 and 0, a string its numeric value or NaN). `&&` and `||` return an
 * operand, not a boolean. Anything else (a function call, `<`) throws: a workflow that needs more
 * must extend this evaluator rather than be judged wrongly.
 */

/** A value an expression yields. */
export type ExpressionValue = string | number | boolean | null | object;

type Token = { kind: "string" | "number" | "word" | "op"; text: string };

function tokenize(source: string): Token[] {
    const tokens: Token[] = [];
    let i = 0;
    while (i < source.length) {
        const rest = source.slice(i);
        const space = /^\s+/.exec(rest);
        if (space !== null) {
            i += space[0].length;
            continue;
        }
        const string = /^'((?:[^']|'')*)'/.exec(rest);
        if (string !== null) {
            tokens.push({ kind: "string", text: string[1].replace(/''/g, "'") });
            i += string[0].length;
            continue;
        }
        const number = /^(0x[0-9a-fA-F]+|-?\d+(\.\d+)?([eE][-+]?\d+)?)/.exec(rest);
        if (number !== null) {
            tokens.push({ kind: "number", text: number[0] });
            i += number[0].length;
            continue;
        }
        const word = /^[A-Za-z_][A-Za-z0-9_-]*/.exec(rest);
        if (word !== null) {
            tokens.push({ kind: "word", text: word[0] });
            i += word[0].length;
            continue;
        }
        const op = /^(==|!=|&&|\|\||!|\(|\)|\.|\[|\])/.exec(rest);
        if (op === null) throw new Error(`expression ${JSON.stringify(source)}: ${JSON.stringify(rest[0])} at ${i} is not modelled`);
        tokens.push({ kind: "op", text: op[0] });
        i += op[0].length;
    }
    return tokens;
}

/** Whether a value counts as true: everything but `false`, `0`, `-0`, `""`, `null` and NaN. */
export function truthy(value: ExpressionValue): boolean {
    return !(value === false || value === null || value === "" || (typeof value === "number" && (value === 0 || Number.isNaN(value))));
}

function toNumber(value: ExpressionValue): number {
    if (value === null) return 0;
    if (typeof value === "boolean") return value ? 1 : 0;
    if (typeof value === "number") return value;
    if (typeof value === "string") return value.trim() === "" ? 0 : Number(value);
    return NaN;
}

/** GitHub's loose equality. */
export function looselyEqual(a: ExpressionValue, b: ExpressionValue): boolean {
    if (typeof a === "string" && typeof b === "string") return a.toLowerCase() === b.toLowerCase();
    if (typeof a === typeof b && (typeof a === "object" || typeof a === "boolean")) return a === b;
    return toNumber(a) === toNumber(b);
}

/** Evaluates one expression (the text inside `${{ }}`) against `context` (`github`, `vars`, ...). */
export function evaluate(source: string, context: Record<string, unknown>): ExpressionValue {
    const tokens = tokenize(source);
    let at = 0;
    const peek = () => tokens[at]?.text;
    const expect = (text: string) => {
        if (tokens[at]?.text !== text) throw new Error(`expression ${JSON.stringify(source)}: expected ${text} at token ${at}`);
        at++;
    };
    const member = (value: unknown, key: string): ExpressionValue => {
        if (typeof value !== "object" || value === null) return null;
        const found = Object.entries(value).find(([k]) => k.toLowerCase() === key.toLowerCase());
        return found === undefined ? null : (found[1] as ExpressionValue);
    };
    const primary = (): ExpressionValue => {
        const token = tokens[at++];
        if (token === undefined) throw new Error(`expression ${JSON.stringify(source)} ends early`);
        if (token.kind === "string") return token.text;
        if (token.kind === "number") return Number(token.text);
        if (token.text === "(") {
            const value = or();
            expect(")");
            return value;
        }
        if (token.kind !== "word") throw new Error(`expression ${JSON.stringify(source)}: unexpected ${token.text}`);
        if (token.text === "true" || token.text === "false") return token.text === "true";
        if (token.text === "null") return null;
        if (peek() === "(") throw new Error(`expression ${JSON.stringify(source)}: function ${token.text}() is not modelled`);
        let value: ExpressionValue = member(context, token.text);
        for (;;) {
            if (peek() === ".") {
                at++;
                const key = tokens[at++];
                if (key?.kind !== "word") throw new Error(`expression ${JSON.stringify(source)}: a property name must follow .`);
                value = member(value, key.text);
            } else if (peek() === "[") {
                at++;
                const key = or();
                expect("]");
                value = member(value, String(key));
            } else return value;
        }
    };
    const unary = (): ExpressionValue => {
        if (peek() === "!") {
            at++;
            return !truthy(unary());
        }
        return primary();
    };
    const equality = (): ExpressionValue => {
        let left = unary();
        while (peek() === "==" || peek() === "!=") {
            const op = tokens[at++].text;
            const right = unary();
            left = op === "==" ? looselyEqual(left, right) : !looselyEqual(left, right);
        }
        return left;
    };
    /** A left-associative chain of `op`, each step combining the value so far with the next operand. */
    const chain =
        (next: () => ExpressionValue, op: string, combine: (left: ExpressionValue, right: ExpressionValue) => ExpressionValue) => (): ExpressionValue => {
            let left = next();
            while (peek() === op) {
                at++;
                left = combine(left, next());
            }
            return left;
        };
    const and = chain(equality, "&&", (left, right) => (truthy(left) ? right : left));
    const orChain = chain(and, "||", (left, right) => (truthy(left) ? left : right));
    function or(): ExpressionValue {
        return orChain();
    }
    const value = or();
    if (at !== tokens.length) throw new Error(`expression ${JSON.stringify(source)}: unexpected ${tokens[at].text}`);
    return value;
}

/**
 * What an `if:` (or `continue-on-error:`) value comes to: a YAML boolean as itself; a string that
 * is one `${{ }}` as its expression; a string without `${{` as an expression (GitHub evaluates a
 * bare `if:` as one); a string with `${{ }}` among other text is that text, interpolated, and so
 * a non-empty, true string.
 */
export function evaluateField(field: unknown, context: Record<string, unknown>): ExpressionValue {
    if (typeof field === "boolean" || typeof field === "number") return field;
    const text = String(field).trim();
    const whole = /^\$\{\{([\s\S]*)\}\}$/.exec(text);
    if (whole !== null && !whole[1].includes("}}")) return evaluate(whole[1], context);
    if (!text.includes("${{")) return evaluate(text, context);
    return text.replace(/\$\{\{([\s\S]*?)\}\}/g, (_, inner: string) => String(evaluate(inner, context)));
}
