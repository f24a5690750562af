// The Kubernetes object types the scheduler works on: the models of
// @kubernetes/client-node, imported as types only (objects arrive as plain JSON).
export type {
  V1Affinity as Affinity,
  V1Container as Container,
  V1LabelSelector as LabelSelector,
  V1LabelSelectorRequirement as LabelSelectorRequirement,
  V1Node as Node,
  V1NodeSelector as NodeSelector,
  V1NodeSelectorRequirement as NodeSelectorRequirement,
  V1NodeSelectorTerm as NodeSelectorTerm,
  V1Pod as Pod,
  V1PodAffinityTerm as PodAffinityTerm,
  V1Taint as Taint,
  V1Toleration as Toleration,
  V1WeightedPodAffinityTerm as WeightedPodAffinityTerm,
} from "@kubernetes/client-node";
