// The controller-revision-hash label that DaemonSet and StatefulSet pods
// carry: a hash of the pod template (without that label), so a controller
// tells pods of the current template from older ones. kube hashes the
// ControllerRevision's data; skiff keeps no ControllerRevision objects and
// hashes the template itself (the deployment's pod-template-hash function).
import type { V1PodTemplateSpec } from "@kubernetes/client-node";
import { templateHash } from "./deployment/template-hash.ts";

export const revisionHashLabel = "controller-revision-hash";

export function revisionHash(template: V1PodTemplateSpec | undefined): string {
  const t = structuredClone(template ?? {});
  if (t.metadata?.labels !== undefined) delete t.metadata.labels[revisionHashLabel];
  return templateHash(t);
}

const nameAlphabet = "bcdfghjklmnpqrstvwxz2456789";

/** Five characters of kube's generateName alphabet. */
export function nameSuffix(random: () => number): string {
  let suffix = "";
  for (let i = 0; i < 5; i++) suffix += nameAlphabet[Math.floor(random() * nameAlphabet.length)];
  return suffix;
}
