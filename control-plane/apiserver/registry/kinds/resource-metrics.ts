// metrics.k8s.io/v1beta1 NodeMetrics and PodMetrics: read-only, never
// stored; rest/resource-metrics.ts answers them from the node agents'
// Summary API, as metrics-server does, so `kubectl top` works.
import { defineKind } from "./define.ts";

// No model: these kinds are only read, so no field validation applies.
export const nodeMetrics = defineKind({ group: "metrics.k8s.io", versions: ["v1beta1"], resource: "nodes", kind: "NodeMetrics", namespaced: false, model: "", verbs: ["get", "list"] });
export const podMetrics = defineKind({ group: "metrics.k8s.io", versions: ["v1beta1"], resource: "pods", kind: "PodMetrics", namespaced: true, model: "", verbs: ["get", "list"] });
