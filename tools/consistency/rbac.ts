/**
 * What RBAC lets a service account do, by Kubernetes' semantics (rbac.authorization.k8s.io/v1,
 * Kubernetes docs "Using RBAC Authorization"): a ClusterRoleBinding grants its ClusterRole's rules
 * everywhere; a RoleBinding grants its Role's (or a ClusterRole's) rules in its own namespace only,
 * and never non-resource URLs or cluster-scoped resources. A subject is the account itself
 * (`ServiceAccount` with its namespace) or one of its groups (`system:serviceaccounts`,
 * `system:serviceaccounts:<namespace>`, `system:authenticated`). `*` matches anything. Only the
 * stack's own roles and bindings are known: the cluster's defaults are not assumed. The real API
 * server answers the same cases (test/helpers/rbacCases.ts, asked in test/e2e.test.ts).
 */
import { KubeObject, RenderedStack, find, namespaceOf, ofKind } from "./objects";

/** What is asked: a verb on a resource (in a namespace, or cluster-wide when `namespace` is
 * undefined), optionally by name, or on a non-resource URL. */
export type Request = { verb: string; apiGroup: string; resource: string; name?: string; namespace?: string } | { verb: string; nonResourceURL: string };

/** A service account. */
export interface Account {
    namespace: string;
    name: string;
}

interface Rule {
    apiGroups?: string[];
    resources?: string[];
    resourceNames?: string[];
    nonResourceURLs?: string[];
    verbs?: string[];
}

const matches = (list: string[] | undefined, value: string) => (list ?? []).some((item) => item === "*" || item === value);

function ruleAllows(rule: Rule, request: Request): boolean {
    if (!matches(rule.verbs, request.verb)) return false;
    if ("nonResourceURL" in request) {
        return (rule.nonResourceURLs ?? []).some(
            (url) => url === request.nonResourceURL || (url.endsWith("*") && request.nonResourceURL.startsWith(url.slice(0, -1))),
        );
    }
    const named =
        rule.resourceNames === undefined || rule.resourceNames.length === 0 || (request.name !== undefined && rule.resourceNames.includes(request.name));
    return matches(rule.apiGroups, request.apiGroup) && matches(rule.resources, request.resource) && named;
}

function bindsAccount(binding: KubeObject, account: Account): boolean {
    return ((binding["subjects"] ?? []) as { kind: string; name: string; namespace?: string }[]).some((subject) => {
        if (subject.kind === "ServiceAccount") return subject.name === account.name && (subject.namespace ?? namespaceOf(binding)) === account.namespace;
        if (subject.kind === "Group")
            return ["system:serviceaccounts", `system:serviceaccounts:${account.namespace}`, "system:authenticated"].includes(subject.name);
        return false;
    });
}

/** The bindings that grant `account` the request, each with its role. */
function grantsOf(stack: RenderedStack, account: Account, request: Request): { binding: KubeObject; role: KubeObject }[] {
    const clusterWide = "nonResourceURL" in request || request.namespace === undefined;
    const bindings = [
        ...ofKind(stack, "ClusterRoleBinding"),
        ...(clusterWide ? [] : ofKind(stack, "RoleBinding", (request as { namespace: string }).namespace)),
    ];
    return bindings.flatMap((binding) => {
        if (!bindsAccount(binding, account)) return [];
        const ref = binding["roleRef"] ?? {};
        // A ClusterRoleBinding may name only a ClusterRole; a RoleBinding a Role of its namespace or a ClusterRole.
        const role =
            ref.kind === "ClusterRole"
                ? stack.objects.find((o) => o.kind === "ClusterRole" && o.metadata.name === ref.name)
                : binding.kind === "RoleBinding"
                  ? find(stack, "Role", namespaceOf(binding), ref.name)
                  : undefined;
        if (role === undefined) return [];
        return ((role["rules"] ?? []) as Rule[]).some((rule) => ruleAllows(rule, request)) ? [{ binding, role }] : [];
    });
}

/** Whether the stack's RBAC lets `account` make the request. */
export function allows(stack: RenderedStack, account: Account, request: Request): boolean {
    return grantsOf(stack, account, request).length > 0;
}
