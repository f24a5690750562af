// completionMode Indexed: each pod carries a completion index in
// 0..completions-1 (annotation and label batch.kubernetes.io/job-completion-index,
// env JOB_COMPLETION_INDEX, hostname <job>-<index>); the Job is complete
// when every index has a succeeded pod, and status.completedIndexes lists
// them as kube does ("0-2,5").
import type { V1Job, V1Pod } from "@kubernetes/client-node";

export const completionIndexKey = "batch.kubernetes.io/job-completion-index";

export function isIndexed(job: V1Job): boolean {
  return job.spec?.completionMode === "Indexed";
}

export function indexOf(pod: V1Pod): number | undefined {
  const text = pod.metadata?.annotations?.[completionIndexKey] ?? pod.metadata?.labels?.[completionIndexKey];
  if (text === undefined || !/^\d+$/.test(text)) return undefined;
  return Number(text);
}

export function parseIndexes(text: string | undefined): Set<number> {
  const out = new Set<number>();
  for (const part of (text ?? "").split(",")) {
    const m = /^(\d+)(?:-(\d+))?$/.exec(part.trim());
    if (m === null) continue;
    const lo = Number(m[1]);
    const hi = m[2] === undefined ? lo : Number(m[2]);
    for (let i = lo; i <= hi; i++) out.add(i);
  }
  return out;
}

export function formatIndexes(indexes: Set<number>): string {
  const sorted = [...indexes].sort((a, b) => a - b);
  const parts: string[] = [];
  for (let i = 0; i < sorted.length; ) {
    let j = i;
    while (j + 1 < sorted.length && sorted[j + 1] === sorted[j]! + 1) j++;
    parts.push(j === i ? String(sorted[i]) : `${sorted[i]}-${sorted[j]}`);
    i = j + 1;
  }
  return parts.join(",");
}

/** Indexes with a succeeded pod, with those already in status (pods may be gone). */
export function completedIndexes(job: V1Job, pods: V1Pod[]): Set<number> {
  const completions = job.spec?.completions ?? 0;
  const done = parseIndexes(job.status?.completedIndexes);
  for (const p of pods) {
    const i = indexOf(p);
    if (p.status?.phase === "Succeeded" && i !== undefined && i < completions) done.add(i);
  }
  return done;
}

/** The lowest n indexes neither completed nor held by an active pod. */
export function indexesToCreate(job: V1Job, done: Set<number>, active: V1Pod[], n: number): number[] {
  const busy = new Set(active.map(indexOf));
  const out: number[] = [];
  for (let i = 0; i < (job.spec?.completions ?? 0) && out.length < n; i++) if (!done.has(i) && !busy.has(i)) out.push(i);
  return out;
}

/** Puts the index on a pod made from the template. */
export function withIndex(pod: V1Pod, jobName: string, index: number, suffix: string): V1Pod {
  const value = String(index);
  pod.metadata!.name = `${jobName}-${value}-${suffix}`;
  pod.metadata!.annotations = { ...pod.metadata!.annotations, [completionIndexKey]: value };
  pod.metadata!.labels = { ...pod.metadata!.labels, [completionIndexKey]: value };
  const spec = pod.spec!;
  spec.hostname ??= `${jobName}-${value}`;
  for (const c of [...(spec.initContainers ?? []), ...spec.containers]) {
    c.env = [...(c.env ?? []).filter((e) => e.name !== "JOB_COMPLETION_INDEX"), { name: "JOB_COMPLETION_INDEX", value }];
  }
  return pod;
}
