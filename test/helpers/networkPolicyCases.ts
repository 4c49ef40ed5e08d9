/**
 * Connections and the NetworkPolicies that admit them or not, by Kubernetes' semantics
 * (networking.k8s.io/v1): each case with the answer the consistency check's reading must give,
 * and which cyclonus's matcher (sig-network's conformance tooling, `npm run tools`) gives too.
 */
import type { KubeObject } from "../../tools/consistency/objects";
import type { Destination, Source } from "../../tools/consistency/networkPolicy";

export const policy = (name: string, spec: Record<string, unknown>, namespace = "serving"): KubeObject => ({
    apiVersion: "networking.k8s.io/v1",
    kind: "NetworkPolicy",
    metadata: { name, namespace },
    spec,
});
export const pod = (
    labels: Record<string, string>,
    namespace = "serving",
    namespaceLabels: Record<string, string> = { "kubernetes.io/metadata.name": namespace },
): Source => ({ pod: { labels, namespace, namespaceLabels } });
export const server = (port = 8000, labels: Record<string, string> = { app: "vllm" }): Destination => ({
    labels,
    namespace: "serving",
    port,
    namedPorts: { http: 8000, metrics: 9090 },
});

export const gatewayOnly = policy("vllm", {
    podSelector: { matchLabels: { app: "vllm" } },
    ingress: [{ from: [{ podSelector: { matchLabels: { role: "gateway" } } }], ports: [{ port: 8000 }] }],
});
const monitoring = { "kubernetes.io/metadata.name": "gmp-system" };
const anded = policy("and", {
    podSelector: {},
    ingress: [{ from: [{ namespaceSelector: { matchLabels: monitoring }, podSelector: { matchLabels: { app: "collector" } } }] }],
});
const ored = policy("or", {
    podSelector: {},
    ingress: [{ from: [{ namespaceSelector: { matchLabels: monitoring } }, { podSelector: { matchLabels: { app: "collector" } } }] }],
});
export const byExpression = (operator: string, values?: string[]) =>
    policy(operator, {
        podSelector: {},
        ingress: [{ from: [{ namespaceSelector: { matchExpressions: [{ key: "team", operator, ...(values === undefined ? {} : { values }) }] } }] }],
    });
const fromTeam = (labels: Record<string, string>) => pod({}, "ns", labels);
const blocks = policy("blocks", { podSelector: {}, ingress: [{ from: [{ ipBlock: { cidr: "10.0.0.0/16", except: ["10.0.5.0/24"] } }] }] });
const ports = (entry: Record<string, unknown>) => policy("ports", { podSelector: {}, ingress: [{ ports: [entry] }] });

/** What is asked, of which policies, and whether Kubernetes admits it. */
export const NETWORK_POLICY_CASES: [string, KubeObject[], Destination, Source, boolean][] = [
    ["no policy: default allow", [], server(), pod({}), true],
    ["the admitted pod, on the admitted port", [gatewayOnly], server(), pod({ role: "gateway" }), true],
    [
        "the admitted labels in another namespace (a podSelector alone means the policy's namespace)",
        [gatewayOnly],
        server(),
        pod({ role: "gateway" }, "other"),
        false,
    ],
    ["the admitted pod on another port", [gatewayOnly], server(8001), pod({ role: "gateway" }), false],
    ["a pod without the labels", [gatewayOnly], server(), pod({ role: "client" }), false],
    ["a pod the policy does not select is not isolated", [gatewayOnly], server(8000, { app: "nginx" }), pod({}), true],
    ["an address: no podSelector peer matches it", [gatewayOnly], server(), { ip: "10.0.0.1" }, false],
    ["Egress-only policies do not isolate ingress", [policy("egress", { podSelector: {}, policyTypes: ["Egress"] })], server(), pod({}), true],
    ["empty from and ports: everything", [policy("open", { podSelector: {}, ingress: [{}] })], server(1234), pod({}, "anywhere"), true],
    ["no ingress rules: nothing", [policy("deny", { podSelector: {}, policyTypes: ["Ingress"] })], server(), pod({ role: "gateway" }), false],
    [
        "policies add up: either admits",
        [
            gatewayOnly,
            policy("epp", {
                podSelector: { matchLabels: { app: "vllm" } },
                ingress: [{ from: [{ podSelector: { matchLabels: { inferencepool: "x-epp" } } }] }],
            }),
        ],
        server(),
        pod({ inferencepool: "x-epp" }),
        true,
    ],
    ["a policy in another namespace does not select", [policy("vllm", { podSelector: {}, ingress: [] }, "other")], server(), pod({}), true],
    ["AND: both selectors match", [anded], server(), pod({ app: "collector" }, "gmp-system"), true],
    ["AND: only the namespace", [anded], server(), pod({}, "gmp-system"), false],
    ["AND: only the pod", [anded], server(), pod({ app: "collector" }, "serving"), false],
    ["OR: the namespace", [ored], server(), pod({}, "gmp-system"), true],
    ["OR: the pod in the policy's namespace", [ored], server(), pod({ app: "collector" }, "serving"), true],
    ["OR: the pod in another namespace", [ored], server(), pod({ app: "collector" }, "other"), false],
    ["In, a listed value", [byExpression("In", ["a", "b"])], server(), fromTeam({ team: "a" }), true],
    ["In, another value", [byExpression("In", ["a", "b"])], server(), fromTeam({ team: "c" }), false],
    ["In, no label", [byExpression("In", ["a", "b"])], server(), fromTeam({}), false],
    ["NotIn, another value", [byExpression("NotIn", ["a"])], server(), fromTeam({ team: "b" }), true],
    ["NotIn, no label", [byExpression("NotIn", ["a"])], server(), fromTeam({}), true],
    ["NotIn, the value", [byExpression("NotIn", ["a"])], server(), fromTeam({ team: "a" }), false],
    ["Exists, empty value", [byExpression("Exists")], server(), fromTeam({ team: "" }), true],
    ["Exists, no label", [byExpression("Exists")], server(), fromTeam({}), false],
    ["DoesNotExist, no label", [byExpression("DoesNotExist")], server(), fromTeam({}), true],
    ["DoesNotExist, a label", [byExpression("DoesNotExist")], server(), fromTeam({ team: "a" }), false],
    ["ipBlock: inside", [blocks], server(), { ip: "10.0.1.1" }, true],
    ["ipBlock: in an except", [blocks], server(), { ip: "10.0.5.7" }, false],
    ["ipBlock: outside", [blocks], server(), { ip: "192.0.2.1" }, false],
    ["ipBlock: a pod without an address is no ipBlock source", [blocks], server(), pod({}), false],
    ["a named port", [ports({ port: "http" })], server(8000), pod({}), true],
    ["another port than the name's", [ports({ port: "http" })], server(9090), pod({}), false],
    ["a name the pod does not have", [ports({ port: "grpc" })], server(8000), pod({}), false],
    ["in a port range", [ports({ port: 8000, endPort: 8010 })], server(8005), pod({}), true],
    ["past a port range", [ports({ port: 8000, endPort: 8010 })], server(8011), pod({}), false],
    ["another protocol", [ports({ protocol: "UDP", port: 8000 })], server(8000), pod({}), false],
    ["a protocol alone: every port", [ports({ protocol: "TCP" })], server(4321), pod({}), true],
];
