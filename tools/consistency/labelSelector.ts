/**
 * Kubernetes label selectors (apimachinery `metav1.LabelSelector`): `matchLabels` and
 * `matchExpressions` are AND-ed; an expression is `In`, `NotIn`, `Exists` or `DoesNotExist`; an
 * empty selector selects everything; a missing one (where the API allows it) selects nothing
 * unless the caller says otherwise. `NotIn` and `DoesNotExist` match objects without the key.
 */

/** A label selector as written in a manifest. */
export interface LabelSelector {
    matchLabels?: Record<string, string>;
    matchExpressions?: { key: string; operator: string; values?: string[] }[];
}

/** Whether `selector` selects an object with `labels`. An unknown operator throws: the
 * API server would refuse the object, so the check must not guess. */
export function selects(selector: LabelSelector, labels: Record<string, string>): boolean {
    const byLabels = Object.entries(selector.matchLabels ?? {}).every(([key, value]) => labels[key] === value);
    return (
        byLabels &&
        (selector.matchExpressions ?? []).every((expression) => {
            const has = Object.hasOwn(labels, expression.key);
            const values = expression.values ?? [];
            switch (expression.operator) {
                case "In":
                    return has && values.includes(labels[expression.key]);
                case "NotIn":
                    return !has || !values.includes(labels[expression.key]);
                case "Exists":
                    return has;
                case "DoesNotExist":
                    return !has;
                default:
                    throw new Error(`label selector operator ${expression.operator} does not exist`);
            }
        })
    );
}

/** Whether a map selector (a Service's or an InferencePool's `selector`, plain labels) selects
 * `labels`; an empty map selects nothing here, as a Service without a selector has no endpoints. */
export function mapSelects(selector: Record<string, string> | undefined, labels: Record<string, string>): boolean {
    const entries = Object.entries(selector ?? {});
    return entries.length > 0 && entries.every(([key, value]) => labels[key] === value);
}
