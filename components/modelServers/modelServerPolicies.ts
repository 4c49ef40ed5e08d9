/**
 * The objects that guard a model server's pods: a PodDisruptionBudget, so that node drains and
 * pool rolls keep a replica serving, and a NetworkPolicy, so that only the gateway, the model's
 * Endpoint Picker and the metrics collectors reach vLLM, whose API key check covers only `/v1`.
 */
import type * as k8s from "@pulumi/kubernetes";
import type { PlannedNetworkPolicy } from "../routing/gatewayPlan";
import type { PlannedModel } from "./modelPlan";
import { VLLM_PORT } from "./modelPlan";

/** The labels the inferencepool chart puts on a model's Endpoint Picker pods
 * (`inferencepool: <release>-epp`); its NetworkPolicy peer and its PodMonitoring select them. */
export function endpointPickerPodLabels(model: PlannedModel): Record<string, string> {
    return { inferencepool: model.names.endpointPicker };
}

/** An environment variable read from a Secret's key: how every container here gets a token or key,
 * so that none is ever in the pod spec itself. */
export function secretEnv(name: string, secret: { name: string; key: string }): k8s.types.input.core.v1.EnvVar {
    return { name, valueFrom: { secretKeyRef: { name: secret.name, key: secret.key } } };
}

/** Every container of a model server pod: no privilege escalation, no capabilities, a read-only
 * root file system (writable paths are volumes). */
export const RESTRICTED_CONTAINER_SECURITY_CONTEXT = {
    allowPrivilegeEscalation: false,
    privileged: false,
    capabilities: { drop: ["ALL"] },
    readOnlyRootFilesystem: true,
};

/** A budget of one voluntarily disrupted pod at a time, for a model with several replicas. */
export function podDisruptionBudget(model: PlannedModel, namespace: string): k8s.types.input.policy.v1.PodDisruptionBudget {
    return {
        apiVersion: "policy/v1",
        kind: "PodDisruptionBudget",
        metadata: { name: model.names.deployment, namespace, labels: model.podLabels },
        spec: { maxUnavailable: 1, selector: { matchLabels: model.matchLabels } },
    };
}

/** The gateway's proxies and health checks as NetworkPolicy peers: its pods, when the provider
 * runs them in the namespace, and its source ranges. */
export function gatewayPeers(policy: PlannedNetworkPolicy): k8s.types.input.networking.v1.NetworkPolicyPeer[] {
    return [
        ...(policy.gatewayPodLabels === undefined ? [] : [{ podSelector: { matchLabels: policy.gatewayPodLabels } }]),
        ...policy.sourceRanges.map((cidr) => ({ ipBlock: { cidr } })),
    ];
}

/** Admits to the vLLM port only the gateway's proxies, the model's own Endpoint Picker (which
 * also scrapes vLLM's metrics) and the metrics collector; everything else is denied. */
export function modelNetworkPolicy(model: PlannedModel, namespace: string, policy: PlannedNetworkPolicy): k8s.types.input.networking.v1.NetworkPolicy {
    const peers: k8s.types.input.networking.v1.NetworkPolicyPeer[] = [
        { podSelector: { matchLabels: endpointPickerPodLabels(model) } },
        ...(policy.collectorNamespaces.length === 0
            ? []
            : [{ namespaceSelector: { matchExpressions: [{ key: "kubernetes.io/metadata.name", operator: "In", values: [...policy.collectorNamespaces] }] } }]),
        ...gatewayPeers(policy),
    ];
    return {
        apiVersion: "networking.k8s.io/v1",
        kind: "NetworkPolicy",
        metadata: { name: model.names.deployment, namespace, labels: model.podLabels },
        spec: {
            podSelector: { matchLabels: model.matchLabels },
            policyTypes: ["Ingress"],
            ingress: [{ from: peers, ports: [{ protocol: "TCP", port: VLLM_PORT }] }],
        },
    };
}
