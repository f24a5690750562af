// A StatefulSet pod's identity: the name <set>-<ordinal>, hostname = name,
// subdomain = serviceName (so the headless Service's DNS answers
// <pod>.<service>.<ns>.svc.cluster.local), and the pod-name and pod-index
// labels; its revision is the controller-revision-hash label, <set>-<hash>.
import type { V1Pod, V1PodTemplateSpec, V1StatefulSet } from "@kubernetes/client-node";
import { ownerRefTo } from "../owners.ts";
import { isReady } from "../replicaset/pod-state.ts";
import { revisionHash, revisionHashLabel } from "../revision-hash.ts";

export const podNameLabel = "statefulset.kubernetes.io/pod-name";
export const podIndexLabel = "apps.kubernetes.io/pod-index";

/** The ordinal of a pod named <set>-<n>, or undefined for any other name. */
export function ordinalOf(set: V1StatefulSet, pod: V1Pod): number | undefined {
  const prefix = `${set.metadata?.name ?? ""}-`;
  const name = pod.metadata?.name ?? "";
  if (!name.startsWith(prefix)) return undefined;
  const rest = name.slice(prefix.length);
  return /^(0|[1-9]\d*)$/.test(rest) ? Number(rest) : undefined;
}

export function updateRevisionOf(set: V1StatefulSet): string {
  return `${set.metadata?.name ?? ""}-${revisionHash(set.spec?.template)}`;
}

export function revisionOf(pod: V1Pod): string {
  return pod.metadata?.labels?.[revisionHashLabel] ?? "";
}

export const isTerminating = (p: V1Pod): boolean => p.metadata?.deletionTimestamp !== undefined;
export const isRunningAndReady = (p: V1Pod): boolean => p.status?.phase === "Running" && isReady(p);
export const isFailed = (p: V1Pod): boolean => p.status?.phase === "Failed";

/**
 * The template a revision's pods are made from. Without ControllerRevision
 * objects, an older revision's template is read back from one of its pods
 * still alive (as spec and labels, minus what the pod got on binding);
 * when none is left, the pod is made at the update revision.
 */
export function templateFor(set: V1StatefulSet, revision: string, pods: V1Pod[]): { template: V1PodTemplateSpec | undefined; revision: string } {
  const update = updateRevisionOf(set);
  if (revision === update) return { template: set.spec?.template, revision: update };
  const model = pods.find((p) => revisionOf(p) === revision);
  if (model === undefined) return { template: set.spec?.template, revision: update };
  const labels = { ...model.metadata?.labels };
  delete labels[podNameLabel];
  delete labels[podIndexLabel];
  delete labels[revisionHashLabel];
  const spec = structuredClone(model.spec) ?? { containers: [] };
  delete spec.nodeName;
  return { template: { metadata: { labels, ...(model.metadata?.annotations === undefined ? {} : { annotations: { ...model.metadata.annotations } }) }, spec }, revision };
}

export function newStatefulPod(set: V1StatefulSet, ordinal: number, template: V1PodTemplateSpec | undefined, revision: string): V1Pod {
  const name = `${set.metadata?.name ?? ""}-${ordinal}`;
  const spec = structuredClone(template?.spec) ?? { containers: [] };
  spec.hostname = name;
  if ((set.spec?.serviceName ?? "") !== "") spec.subdomain = set.spec!.serviceName;
  return {
    apiVersion: "v1",
    kind: "Pod",
    metadata: {
      name,
      namespace: set.metadata?.namespace,
      labels: { ...template?.metadata?.labels, [podNameLabel]: name, [podIndexLabel]: String(ordinal), [revisionHashLabel]: revision },
      ...(template?.metadata?.annotations === undefined ? {} : { annotations: { ...template.metadata.annotations } }),
      ownerReferences: [ownerRefTo(set, "StatefulSet", "apps/v1")],
    },
    spec,
  };
}
