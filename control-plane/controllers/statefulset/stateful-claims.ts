// volumeClaimTemplates: each pod <set>-<i> gets a claim <template>-<set>-<i>
// per template, created before the pod and kept after it (kube's Retain
// retention policy), mounted under the template's name. A pod whose claim
// is bound to a node-local volume gets a required node affinity on that
// node, so the scheduler places it back where its data is.
import type { V1PersistentVolumeClaim, V1Pod, V1StatefulSet } from "@kubernetes/client-node";
import { hostnameLabel } from "../volume/local-volumes.ts";

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

/** The pod with a persistentVolumeClaim volume per claim template (replacing a template volume of that name) and pinned to node if given. */
export function withClaims(pod: V1Pod, set: V1StatefulSet, ordinal: number, node: string | undefined): V1Pod {
  const templates = set.spec?.volumeClaimTemplates ?? [];
  const spec = pod.spec!;
  if (templates.length > 0) {
    const names = new Set(templates.map((t) => t.metadata?.name ?? ""));
    spec.volumes = [
      ...(spec.volumes ?? []).filter((v) => !names.has(v.name)),
      ...templates.map((t) => ({ name: t.metadata?.name ?? "", persistentVolumeClaim: { claimName: claimName(set, t.metadata?.name ?? "", ordinal) } })),
    ];
  }
  if (node !== undefined) {
    const expression = { key: hostnameLabel, operator: "In", values: [node] };
    const affinity = (spec.affinity ??= {});
    const nodeAffinity = (affinity.nodeAffinity ??= {});
    const required = nodeAffinity.requiredDuringSchedulingIgnoredDuringExecution;
    const terms = required?.nodeSelectorTerms ?? [];
    nodeAffinity.requiredDuringSchedulingIgnoredDuringExecution = {
      nodeSelectorTerms: terms.length === 0 ? [{ matchExpressions: [expression] }] : terms.map((t) => ({ ...t, matchExpressions: [...(t.matchExpressions ?? []), expression] })),
    };
  }
  return pod;
}
