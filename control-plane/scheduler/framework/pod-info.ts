// What the scheduler precomputes once per pod: its effective requests, its
// affinity terms and the keys it is indexed by.
import type { Container, LabelSelector, Pod, PodAffinityTerm, WeightedPodAffinityTerm } from "../kube-types.ts";
import { labelsOf, type Labels } from "../labels.ts";
import { quantityMilliValue, quantityValue } from "../quantity.ts";

/** Requests in the units the scheduler compares: millicores, bytes, counts. */
export interface Resources {
  milliCpu: number;
  memory: number;
  /** Every other resource (ephemeral-storage, extended resources), in whole units. */
  scalar: Map<string, number>;
}

// kube-scheduler counts a pod that requests nothing as 100m cpu and 200Mi memory when
// it spreads load, so that many empty pods do not pile onto one node.
export const defaultMilliCpuRequest = 100;
export const defaultMemoryRequest = 200 * 1024 * 1024;

export function emptyResources(): Resources {
  return { milliCpu: 0, memory: 0, scalar: new Map() };
}

export interface AffinityTerm {
  /** The namespaces the term looks in; undefined means all namespaces. */
  readonly namespaces: ReadonlySet<string> | undefined;
  readonly selector: LabelSelector;
  readonly topologyKey: string;
}

export interface WeightedAffinityTerm extends AffinityTerm {
  readonly weight: number;
}

export interface PodInfo {
  readonly pod: Pod;
  /** namespace/name */
  readonly key: string;
  readonly namespace: string;
  readonly labels: Labels;
  readonly priority: number;
  readonly requests: Resources;
  readonly nonZeroMilliCpu: number;
  readonly nonZeroMemory: number;
  /** The uid of the controlling owner (ReplicaSet, StatefulSet, ...), for spreading. */
  readonly ownerUid: string | undefined;
  readonly requiredAffinity: readonly AffinityTerm[];
  readonly requiredAntiAffinity: readonly AffinityTerm[];
  readonly preferredAffinity: readonly WeightedAffinityTerm[];
  readonly preferredAntiAffinity: readonly WeightedAffinityTerm[];
  readonly images: readonly string[];
}

export function podKey(pod: Pod): string {
  return `${pod.metadata?.namespace ?? "default"}/${pod.metadata?.name ?? ""}`;
}

type ResourceList = Record<string, string> | undefined;

/** A container's request for one resource; a limit alone stands for the request, as API defaulting makes it. */
function containerRequest(c: Container, resource: string): string | undefined {
  return c.resources?.requests?.[resource] ?? c.resources?.limits?.[resource];
}

function addList(into: Resources, list: Resources): void {
  into.milliCpu += list.milliCpu;
  into.memory += list.memory;
  for (const [name, v] of list.scalar) into.scalar.set(name, (into.scalar.get(name) ?? 0) + v);
}

function maxInto(into: Resources, other: Resources): void {
  into.milliCpu = Math.max(into.milliCpu, other.milliCpu);
  into.memory = Math.max(into.memory, other.memory);
  for (const [name, v] of other.scalar) into.scalar.set(name, Math.max(into.scalar.get(name) ?? 0, v));
}

function parseList(names: Iterable<string>, get: (name: string) => string | undefined): Resources {
  const r = emptyResources();
  for (const name of names) {
    const text = get(name);
    if (text === undefined) continue;
    if (name === "cpu") r.milliCpu = quantityMilliValue(text);
    else if (name === "memory") r.memory = quantityValue(text);
    else r.scalar.set(name, quantityValue(text));
  }
  return r;
}

function containerResources(c: Container): Resources {
  const names = new Set([...Object.keys(c.resources?.requests ?? {}), ...Object.keys(c.resources?.limits ?? {})]);
  return parseList(names, (name) => containerRequest(c, name));
}

function cloneResources(r: Resources): Resources {
  return { milliCpu: r.milliCpu, memory: r.memory, scalar: new Map(r.scalar) };
}

/**
 * Kubernetes' effective request: the larger of the app containers' sum and the
 * largest init container, where sidecars (init containers with restartPolicy
 * Always) keep running and so add to everything started after them; plus the
 * pod's overhead.
 */
export function effectiveRequests(pod: Pod): Resources {
  const spec = pod.spec;
  const apps = emptyResources();
  for (const c of spec?.containers ?? []) addList(apps, containerResources(c));
  const sidecars = emptyResources();
  const initPeak = emptyResources();
  for (const c of spec?.initContainers ?? []) {
    const own = containerResources(c);
    if (c.restartPolicy === "Always") {
      addList(sidecars, own);
      maxInto(initPeak, sidecars);
    } else {
      const withSidecars = cloneResources(own);
      addList(withSidecars, sidecars);
      maxInto(initPeak, withSidecars);
    }
  }
  addList(apps, sidecars);
  maxInto(apps, initPeak);
  const overhead: ResourceList = spec?.overhead;
  if (overhead !== undefined) addList(apps, parseList(Object.keys(overhead), (n) => overhead[n]));
  return apps;
}

/**
 * Requests for scoring: each container that asks for no cpu or memory counts
 * at the default size (kube's GetNonzeroRequests), then the same effective rule.
 */
function nonZeroRequests(pod: Pod): { milliCpu: number; memory: number } {
  const nonZero = (c: Container) => {
    const r = containerResources(c);
    return { milliCpu: r.milliCpu || defaultMilliCpuRequest, memory: r.memory || defaultMemoryRequest, scalar: new Map<string, number>() };
  };
  const apps = emptyResources();
  for (const c of pod.spec?.containers ?? []) addList(apps, nonZero(c));
  const sidecars = emptyResources();
  const initPeak = emptyResources();
  for (const c of pod.spec?.initContainers ?? []) {
    const own = nonZero(c);
    if (c.restartPolicy === "Always") {
      addList(sidecars, own);
      maxInto(initPeak, sidecars);
    } else {
      addList(own, sidecars);
      maxInto(initPeak, own);
    }
  }
  addList(apps, sidecars);
  maxInto(apps, initPeak);
  return { milliCpu: apps.milliCpu, memory: apps.memory };
}

function termNamespaces(pod: Pod, term: PodAffinityTerm): ReadonlySet<string> | undefined {
  const own = pod.metadata?.namespace ?? "default";
  const listed = term.namespaces ?? [];
  const nsSelector = term.namespaceSelector;
  // An empty namespaceSelector selects every namespace. A non-empty one needs
  // namespace labels, which this core does not see yet: only the listed names count.
  if (nsSelector !== undefined && nsSelector !== null) {
    const empty = Object.keys(nsSelector.matchLabels ?? {}).length === 0 && (nsSelector.matchExpressions ?? []).length === 0;
    if (empty) return undefined;
    return new Set(listed);
  }
  return new Set(listed.length > 0 ? listed : [own]);
}

function toTerm(pod: Pod, term: PodAffinityTerm): AffinityTerm {
  return { namespaces: termNamespaces(pod, term), selector: term.labelSelector ?? {}, topologyKey: term.topologyKey };
}

function toWeighted(pod: Pod, w: WeightedPodAffinityTerm): WeightedAffinityTerm {
  return { ...toTerm(pod, w.podAffinityTerm), weight: w.weight };
}

/** Image names as node.status.images lists them: an untagged name means ":latest". */
export function normalizedImageName(image: string): string {
  if (image.includes("@")) return image;
  const lastSlash = image.lastIndexOf("/");
  return image.indexOf(":", lastSlash + 1) >= 0 ? image : `${image}:latest`;
}

export function newPodInfo(pod: Pod): PodInfo {
  const requests = effectiveRequests(pod);
  const nonZero = nonZeroRequests(pod);
  const affinity = pod.spec?.affinity;
  const controller = (pod.metadata?.ownerReferences ?? []).find((o) => o.controller === true);
  return {
    pod,
    key: podKey(pod),
    namespace: pod.metadata?.namespace ?? "default",
    labels: labelsOf(pod),
    priority: pod.spec?.priority ?? 0,
    requests,
    nonZeroMilliCpu: nonZero.milliCpu,
    nonZeroMemory: nonZero.memory,
    ownerUid: controller?.uid,
    requiredAffinity: (affinity?.podAffinity?.requiredDuringSchedulingIgnoredDuringExecution ?? []).map((t) => toTerm(pod, t)),
    requiredAntiAffinity: (affinity?.podAntiAffinity?.requiredDuringSchedulingIgnoredDuringExecution ?? []).map((t) => toTerm(pod, t)),
    preferredAffinity: (affinity?.podAffinity?.preferredDuringSchedulingIgnoredDuringExecution ?? []).map((w) => toWeighted(pod, w)),
    preferredAntiAffinity: (affinity?.podAntiAffinity?.preferredDuringSchedulingIgnoredDuringExecution ?? []).map((w) => toWeighted(pod, w)),
    images: (pod.spec?.containers ?? []).map((c) => normalizedImageName(c.image ?? "")),
  };
}
