/**
 * Which connections a set of NetworkPolicies admits, by Kubernetes' semantics
 * (networking.k8s.io/v1 `NetworkPolicySpec`, kubernetes/api `networking/v1/types.go`):
 * - a pod is isolated for ingress once any policy with type Ingress selects it (its
 *   `podSelector`, in its own namespace); a pod no policy selects admits everything;
 * - an isolated pod admits a connection when some ingress rule of some policy selecting it
 *   admits both the source (`from`, any peer; empty: every source) and the port (`ports`, any
 *   entry; empty: every port);
 * - in one peer, `podSelector` and `namespaceSelector` are AND-ed; a `podSelector` alone means
 *   the policy's namespace; `ipBlock` admits addresses in `cidr` but not in any `except`;
 * - a port is a number or a name of the target container's port, with `endPort` for a range,
 *   and protocol TCP unless given; `policyTypes` defaults to Ingress.
 * Pure: the consistency check asks it questions about pods the stack runs. cyclonus's matcher
 * answers the same cases (test/helpers/networkPolicyCases.ts, tools/local/netpol-driver/).
 */
import { formatAddress, parseCidr, rangeSize, rangesOverlap } from "../../components/config/cidr";
import { LabelSelector, selects } from "./labelSelector";
import { KubeObject, namespaceOf } from "./objects";

/** The pod a connection goes to. */
export interface Destination {
    /** Its labels. */
    labels: Record<string, string>;
    /** Its namespace. */
    namespace: string;
    /** The port connected to. */
    port: number;
    /** Protocol; TCP when undefined. */
    protocol?: string;
    /** Its containers' named ports, name → number, for policies that name ports. */
    namedPorts: Record<string, number>;
}

/** Where a connection comes from: a pod (labels, namespace and that namespace's labels), an
 * address outside the cluster, or both. */
export interface Source {
    pod?: { labels: Record<string, string>; namespace: string; namespaceLabels: Record<string, string> };
    /** An IPv4 address. */
    ip?: string;
}

/** The answer, with the policies that decided it. */
export interface Admission {
    admitted: boolean;
    /** The policies that select the destination; empty when none does (everything is admitted). */
    selecting: KubeObject[];
    /** The policies with a rule that admits the connection. */
    admittedBy: KubeObject[];
}

interface Peer {
    podSelector?: LabelSelector;
    namespaceSelector?: LabelSelector;
    ipBlock?: { cidr: string; except?: string[] };
}

interface PolicyPort {
    protocol?: string;
    port?: number | string;
    endPort?: number;
}

function inRange(cidr: string, ip: string): boolean {
    const range = parseCidr(cidr);
    const address = parseCidr(`${ip}/32`);
    if (range === undefined || address === undefined) throw new Error(`${cidr} or ${ip} is not IPv4: IPv6 is not modelled`);
    return rangesOverlap(range, address);
}

function peerAdmits(peer: Peer, policyNamespace: string, source: Source): boolean {
    if (peer.ipBlock !== undefined) {
        const { cidr, except = [] } = peer.ipBlock;
        return source.ip !== undefined && inRange(cidr, source.ip) && !except.some((e) => inRange(e, source.ip as string));
    }
    const pod = source.pod;
    if (pod === undefined) return false;
    if (peer.podSelector === undefined && peer.namespaceSelector === undefined) return false;
    const namespaceMatches = peer.namespaceSelector === undefined ? pod.namespace === policyNamespace : selects(peer.namespaceSelector, pod.namespaceLabels);
    const podMatches = peer.podSelector === undefined || selects(peer.podSelector, pod.labels);
    return namespaceMatches && podMatches;
}

function portAdmits(entry: PolicyPort, destination: Destination): boolean {
    if ((entry.protocol ?? "TCP") !== (destination.protocol ?? "TCP")) return false;
    if (entry.port === undefined) return true;
    const start = typeof entry.port === "number" ? entry.port : destination.namedPorts[entry.port];
    if (start === undefined) return false;
    return destination.port >= start && destination.port <= (entry.endPort ?? start);
}

/** The types a policy has: `policyTypes`, or Ingress (plus Egress with egress rules) by default. */
function hasIngressType(policy: KubeObject): boolean {
    const types = policy["spec"]?.policyTypes as string[] | undefined;
    return types === undefined ? true : types.includes("Ingress");
}

/** Whether `policies` admit a connection from `source` to `destination`. */
export function admits(policies: readonly KubeObject[], destination: Destination, source: Source): Admission {
    const selecting = policies.filter(
        (p) =>
            p.kind === "NetworkPolicy" &&
            hasIngressType(p) &&
            namespaceOf(p) === destination.namespace &&
            selects(p["spec"]?.podSelector ?? {}, destination.labels),
    );
    if (selecting.length === 0) return { admitted: true, selecting, admittedBy: [] };
    const admittedBy = selecting.filter((policy) =>
        ((policy["spec"]?.ingress ?? []) as { from?: Peer[]; ports?: PolicyPort[] }[]).some((rule) => {
            const from = rule.from ?? [];
            const ports = rule.ports ?? [];
            const sourceOk = from.length === 0 || from.some((peer) => peerAdmits(peer, namespaceOf(policy), source));
            const portOk = ports.length === 0 || ports.some((entry) => portAdmits(entry, destination));
            return sourceOk && portOk;
        }),
    );
    return { admitted: admittedBy.length > 0, selecting, admittedBy };
}

/** The first usable address of an IPv4 range, to stand for a source in it. */
export function addressIn(cidr: string): string {
    const range = parseCidr(cidr);
    if (range === undefined) throw new Error(`${cidr} is not an IPv4 range`);
    const size = rangeSize(range);
    return formatAddress(range.start - (range.start % size) + (size > 2 ? 1 : 0));
}
