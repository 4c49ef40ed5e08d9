/**
 * The HorizontalPodAutoscaler of an autoscaled model: it scales the model's vLLM Deployment on a
 * per-pod vLLM gauge that Managed Prometheus collects and the Custom Metrics Stackdriver Adapter
 * serves to the custom metrics API.
 */
import type * as k8s from "@pulumi/kubernetes";
import type { PlannedModel } from "./servingPlan";
import { AUTOSCALING_SIGNALS, adapterMetricName } from "./servingMetrics";

/** Seconds the metric must stay high before pods are added: one burst of long prompts should not
 * buy a GPU node. */
const SCALE_UP_STABILIZATION_SECONDS = 60;
/** A new pod needs minutes (node, image, weights) before it takes traffic; adding at most this
 * many per period keeps one spike from asking for every GPU at once. */
const SCALE_UP_PERIOD_SECONDS = 120;
/** Pods are removed one at a time, each after this long, so a falling load is followed gently. */
const SCALE_DOWN_PERIOD_SECONDS = 300;

/** A number as a Kubernetes quantity: whole numbers as they are, fractions in milli-units. */
export function toQuantity(value: number): string {
    return Number.isInteger(value) ? String(value) : `${Math.round(value * 1000)}m`;
}

/** The autoscaling/v2 HorizontalPodAutoscaler of an autoscaled model, or undefined for a model
 * with a fixed replica count. */
export function vllmPodAutoscaler(
    model: PlannedModel,
    namespace: string,
): k8s.types.input.autoscaling.v2.HorizontalPodAutoscaler | undefined {
    const scaling = model.autoscaling;
    if (scaling === undefined) return undefined;
    return {
        apiVersion: "autoscaling/v2",
        kind: "HorizontalPodAutoscaler",
        metadata: { name: model.names.deployment, namespace, labels: model.podLabels },
        spec: {
            scaleTargetRef: { apiVersion: "apps/v1", kind: "Deployment", name: model.names.deployment },
            minReplicas: scaling.minReplicas,
            maxReplicas: scaling.maxReplicas,
            metrics: [
                {
                    type: "Pods",
                    pods: {
                        metric: { name: adapterMetricName(AUTOSCALING_SIGNALS[scaling.metric]) },
                        target: { type: "AverageValue", averageValue: toQuantity(scaling.target) },
                    },
                },
            ],
            behavior: {
                scaleUp: {
                    stabilizationWindowSeconds: SCALE_UP_STABILIZATION_SECONDS,
                    selectPolicy: "Max",
                    policies: [
                        { type: "Pods", value: 1, periodSeconds: SCALE_UP_PERIOD_SECONDS },
                        { type: "Percent", value: 100, periodSeconds: SCALE_UP_PERIOD_SECONDS },
                    ],
                },
                scaleDown: {
                    stabilizationWindowSeconds: scaling.scaleDownStabilizationSeconds,
                    selectPolicy: "Min",
                    policies: [{ type: "Pods", value: 1, periodSeconds: SCALE_DOWN_PERIOD_SECONDS }],
                },
            },
        },
    };
}
