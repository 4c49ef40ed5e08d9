/**
 * Roles, bindings and requests on which the consistency check's RBAC reading is held to
 * Kubernetes' semantics: each case with the answer the API server gives (asked of the real one by
 * a SubjectAccessReview in test/e2e.test.ts). Role and binding share a name.
 */
import type { KubeObject, RenderedStack } from "../../tools/consistency/objects";
import type { Account, Request } from "../../tools/consistency/rbac";

const role = (kind: string, name: string, rules: unknown[], namespace?: string): KubeObject => ({
    apiVersion: "rbac.authorization.k8s.io/v1",
    kind,
    metadata: { name: `rbac-case-${name}`, ...(namespace === undefined ? {} : { namespace }) },
    rules,
});
const binding = (kind: string, name: string, roleKind: string, subjects: unknown[], namespace?: string): KubeObject => ({
    apiVersion: "rbac.authorization.k8s.io/v1",
    kind,
    metadata: { name: `rbac-case-${name}`, ...(namespace === undefined ? {} : { namespace }) },
    roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: roleKind, name: `rbac-case-${name}` },
    subjects,
});
const reader = { kind: "ServiceAccount", name: "reader", namespace: "serving" };
/** The accounts the cases ask as: the reader, and Managed Prometheus' collector. */
const asReader: Account = { namespace: "serving", name: "reader" };
const asCollector: Account = { namespace: "gmp-system", name: "collector" };
/** The roles and bindings (the namespaced ones in `serving`). */
export const RBAC_STACK: RenderedStack = {
    dashboards: [],
    objects: [
        role("ClusterRole", "metrics", [{ nonResourceURLs: ["/metrics", "/debug/*"], verbs: ["get"] }]),
        role("ClusterRole", "configmaps", [{ apiGroups: [""], resources: ["configmaps"], verbs: ["get"] }]),
        binding("RoleBinding", "configmaps", "ClusterRole", [reader], "serving"),
        binding("ClusterRoleBinding", "metrics", "ClusterRole", [reader]),
        role("ClusterRole", "review", [{ apiGroups: ["authentication.k8s.io"], resources: ["tokenreviews"], verbs: ["create"] }]),
        binding("RoleBinding", "review", "ClusterRole", [reader], "serving"),
        role("Role", "token", [{ apiGroups: [""], resources: ["secrets"], resourceNames: ["token"], verbs: ["get"] }], "serving"),
        binding("RoleBinding", "token", "Role", [{ kind: "ServiceAccount", name: "collector", namespace: "gmp-system" }], "serving"),
        role("ClusterRole", "everyone", [{ apiGroups: ["*"], resources: ["pods"], verbs: ["*"] }]),
        binding("ClusterRoleBinding", "everyone", "ClusterRole", [{ kind: "Group", name: "system:serviceaccounts:serving" }]),
    ],
};
/** What is asked, by whom, and whether Kubernetes allows it. */
export const RBAC_CASES: [string, Account, Request, boolean][] = [
    ["a ClusterRoleBinding grants a non-resource URL", asReader, { verb: "get", nonResourceURL: "/metrics" }, true],
    ["a URL under a prefix", asReader, { verb: "get", nonResourceURL: "/debug/pprof" }, true],
    [
        "a RoleBinding grants a ClusterRole's rules in its namespace",
        asReader,
        { verb: "get", apiGroup: "", resource: "configmaps", name: "c", namespace: "serving" },
        true,
    ],
    ["... and nowhere else", asReader, { verb: "get", apiGroup: "", resource: "configmaps", name: "c", namespace: "default" }, false],
    [
        "resourceNames never grant a request without a name (list)",
        asCollector,
        { verb: "list", apiGroup: "", resource: "secrets", namespace: "serving" },
        false,
    ],
    ["another verb is not granted", asReader, { verb: "post", nonResourceURL: "/metrics" }, false],
    ["the same name in another namespace is another account", { namespace: "other", name: "reader" }, { verb: "get", nonResourceURL: "/metrics" }, false],
    ["a RoleBinding never grants a cluster-scoped resource", asReader, { verb: "create", apiGroup: "authentication.k8s.io", resource: "tokenreviews" }, false],
    [
        "a Role grants its resourceNames in its namespace",
        asCollector,
        { verb: "get", apiGroup: "", resource: "secrets", name: "token", namespace: "serving" },
        true,
    ],
    ["not another Secret", asCollector, { verb: "get", apiGroup: "", resource: "secrets", name: "other", namespace: "serving" }, false],
    ["not in another namespace", asCollector, { verb: "get", apiGroup: "", resource: "secrets", name: "token", namespace: "default" }, false],
    ["a group binding and wildcards", { namespace: "serving", name: "anyone" }, { verb: "delete", apiGroup: "apps", resource: "pods", namespace: "x" }, true],
    ["the group of another namespace", { namespace: "default", name: "anyone" }, { verb: "delete", apiGroup: "apps", resource: "pods", namespace: "x" }, false],
];
