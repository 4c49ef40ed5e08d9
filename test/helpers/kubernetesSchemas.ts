/**
 * Validates Kubernetes objects against their published JSON schemas (kubernetes-models and the
 * @kubernetes-models packages), and custom resources no package models against our schemas of
 * their CRDs (`crdSchema.ts`). An object of a kind with no schema here fails, so a new kind
 * cannot slip through unvalidated.
 */
import { HTTPRoute, Gateway } from "@kubernetes-models/gateway-api/gateway.networking.k8s.io/v1";
import { DestinationRule } from "@kubernetes-models/istio/networking.istio.io/v1beta1";
import { Deployment } from "kubernetes-models/apps/v1";
import { HorizontalPodAutoscaler } from "kubernetes-models/autoscaling/v2";
import { NetworkPolicy } from "kubernetes-models/networking.k8s.io/v1";
import { PodDisruptionBudget } from "kubernetes-models/policy/v1";
import { ClusterRole, ClusterRoleBinding, Role, RoleBinding } from "kubernetes-models/rbac.authorization.k8s.io/v1";
import { ConfigMap, PersistentVolumeClaim, Secret, Service, ServiceAccount } from "kubernetes-models/v1";
import { CRD_VALIDATORS } from "./crdSchema";

type Model = new (data: never) => { validate(): void };

const MODELS: Record<string, Model> = {
    "apps/v1/Deployment": Deployment as unknown as Model,
    "v1/Secret": Secret as unknown as Model,
    "networking.k8s.io/v1/NetworkPolicy": NetworkPolicy as unknown as Model,
    "policy/v1/PodDisruptionBudget": PodDisruptionBudget as unknown as Model,
    "v1/ConfigMap": ConfigMap as unknown as Model,
    "v1/PersistentVolumeClaim": PersistentVolumeClaim as unknown as Model,
    "v1/ServiceAccount": ServiceAccount as unknown as Model,
    "v1/Service": Service as unknown as Model,
    "autoscaling/v2/HorizontalPodAutoscaler": HorizontalPodAutoscaler as unknown as Model,
    "rbac.authorization.k8s.io/v1/ClusterRole": ClusterRole as unknown as Model,
    "rbac.authorization.k8s.io/v1/ClusterRoleBinding": ClusterRoleBinding as unknown as Model,
    "rbac.authorization.k8s.io/v1/Role": Role as unknown as Model,
    "rbac.authorization.k8s.io/v1/RoleBinding": RoleBinding as unknown as Model,
    "gateway.networking.k8s.io/v1/Gateway": Gateway as unknown as Model,
    "gateway.networking.k8s.io/v1/HTTPRoute": HTTPRoute as unknown as Model,
    "networking.istio.io/v1beta1/DestinationRule": DestinationRule as unknown as Model,
};

/** Throws with the schema's message when `object` does not validate, or when its kind has no
 * published schema here. */
export function validateKubernetesObject(object: Record<string, unknown>): void {
    const key = `${String(object["apiVersion"])}/${String(object["kind"])}`;
    const crdValidator = CRD_VALIDATORS[key];
    if (crdValidator !== undefined) return crdValidator(object);
    const model = MODELS[key];
    if (model === undefined) throw new Error(`no published schema registered for ${key}`);
    new model(object as never).validate();
}
