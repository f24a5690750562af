// The ReplicaSets a Deployment makes: name, labels and selector carry the
// template hash; annotations carry the revision and the replica bounds.
import type { V1Deployment, V1ReplicaSet } from "@kubernetes/client-node";
import { ownerRefTo } from "../owners.ts";
import { desiredReplicas, fencepostsOf } from "./rollout-math.ts";
import { templateHash, templateHashLabel } from "./template-hash.ts";

const revision = "deployment.kubernetes.io/revision";
const notCopied = new Set([revision, "deployment.kubernetes.io/revision-history", "deployment.kubernetes.io/desired-replicas", "deployment.kubernetes.io/max-replicas", "kubectl.kubernetes.io/last-applied-configuration"]);

export function revisionOf(rs: V1ReplicaSet): number {
  const n = Number(rs.metadata?.annotations?.[revision] ?? "0");
  return Number.isFinite(n) ? n : 0;
}

function copiedAnnotations(d: V1Deployment): Record<string, string> {
  return Object.fromEntries(Object.entries(d.metadata?.annotations ?? {}).filter(([k]) => !notCopied.has(k)));
}

/** The ReplicaSet with the Deployment's annotations and a revision no lower than given (kube's SetNewReplicaSetAnnotations). */
export function withRevision(rs: V1ReplicaSet, d: V1Deployment, newRevision: number): V1ReplicaSet {
  const next = structuredClone(rs);
  const current = revisionOf(rs);
  next.metadata!.annotations = { ...next.metadata!.annotations, ...copiedAnnotations(d) };
  if (current < newRevision) next.metadata!.annotations[revision] = String(newRevision);
  return next;
}

export function newReplicaSetFor(d: V1Deployment, rev: number, replicas: number): V1ReplicaSet {
  const hash = templateHash(d.spec?.template, d.status?.collisionCount);
  const template = structuredClone(d.spec?.template ?? {});
  template.metadata = { ...template.metadata, labels: { ...template.metadata?.labels, [templateHashLabel]: hash } };
  const selector = structuredClone(d.spec?.selector ?? {});
  selector.matchLabels = { ...selector.matchLabels, [templateHashLabel]: hash };
  return {
    apiVersion: "apps/v1",
    kind: "ReplicaSet",
    metadata: {
      name: `${d.metadata?.name ?? ""}-${hash}`,
      namespace: d.metadata?.namespace,
      labels: { ...template.metadata.labels },
      annotations: {
        ...copiedAnnotations(d),
        [revision]: String(rev),
        "deployment.kubernetes.io/desired-replicas": String(desiredReplicas(d)),
        "deployment.kubernetes.io/max-replicas": String(desiredReplicas(d) + fencepostsOf(d).maxSurge),
      },
      ownerReferences: [ownerRefTo(d, "Deployment", "apps/v1")],
    },
    spec: { replicas, minReadySeconds: d.spec?.minReadySeconds, selector, template },
  };
}
