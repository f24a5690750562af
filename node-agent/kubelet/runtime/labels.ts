// Labels on every Docker object the agent creates. They are the agent's
// only memory across restarts: listing by `skiff.node` finds what it owns.
export const nodeLabel = "skiff.node";
export const podUidLabel = "skiff.pod-uid";
export const podNameLabel = "skiff.pod-name";
export const podNamespaceLabel = "skiff.pod-namespace";
export const containerNameLabel = "skiff.container";
export const containerKindLabel = "skiff.container-kind";
export const attemptLabel = "skiff.attempt";
export const podIpLabel = "skiff.pod-ip";

export type ContainerKind = "infra" | "init" | "app";

// The infra container's name in the container label, as kubelet's "POD".
export const infraContainerName = "POD";
