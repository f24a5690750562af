// volumeClaimTemplates: each pod <set>-<i> gets a claim <template>-<set>-<i>
// per template, created before the pod and kept after it (kube's Retain
// retention policy), mounted under the template's name. The scheduler's
// VolumeBinding filter places a pod whose claim is bound to a node-local
// volume back on that volume's node.
import type { V1PersistentVolumeClaim, V1Pod, V1StatefulSet } from "@kubernetes/client-node";

export function claimName(set: V1StatefulSet, template: string, ordinal: number): string {
  return `${template}-${set.metadata?.name ?? ""}-${ordinal}`;
}

export function claimsFor(set: V1StatefulSet, ordinal: number): V1PersistentVolumeClaim[] {
  return (set.spec?.volumeClaimTemplates ?? []).map((t) => ({
    apiVersion: "v1",
    kind: "PersistentVolumeClaim",
    metadata: {
      name: claimName(set, t.metadata?.name ?? "", ordinal),
      namespace: set.metadata?.namespace,
      labels: { ...set.spec?.selector?.matchLabels, ...t.metadata?.labels },
      ...(t.metadata?.annotations === undefined ? {} : { annotations: { ...t.metadata.annotations } }),
    },
    spec: structuredClone(t.spec) ?? {},
  }));
}

/** The pod with a persistentVolumeClaim volume per claim template (replacing a template volume of that name). */
export function withClaims(pod: V1Pod, set: V1StatefulSet, ordinal: number): V1Pod {
  const templates = set.spec?.volumeClaimTemplates ?? [];
  if (templates.length === 0) return pod;
  const spec = pod.spec!;
  const names = new Set(templates.map((t) => t.metadata?.name ?? ""));
  spec.volumes = [
    ...(spec.volumes ?? []).filter((v) => !names.has(v.name)),
    ...templates.map((t) => ({ name: t.metadata?.name ?? "", persistentVolumeClaim: { claimName: claimName(set, t.metadata?.name ?? "", ordinal) } })),
  ];
  return pod;
}
