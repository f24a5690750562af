// The scheduler's cache: nodes and the pods placed on them, both those the
// informers report as bound and those this scheduler has assumed while their
// binding is in flight, so that the next pod sees the resources as taken.
// Scheduling cycles run synchronously on the event loop, so a cycle reads the
// cache directly: no snapshot copy is needed.
import type { LabelSelector, Node, Pod } from "../kube-types.ts";
import { selectorMatches } from "../labels.ts";
import { NodeInfo } from "./node-info.ts";
import type { Labels } from "../labels.ts";
import { newPodInfo, podKey, type PodInfo } from "./pod-info.ts";
import type { AntiAffinityTermRef, ClusterView } from "./types.ts";

interface PlacedPod {
  pi: PodInfo;
  nodeName: string;
  assumed: boolean;
}

export class SchedulerCache implements ClusterView {
  private readonly nodes = new Map<string, NodeInfo>();
  /** Nodes that exist as Node objects, in a stable order (round-robin starts index into it). */
  private list: NodeInfo[] = [];
  private listDirty = false;
  private readonly placed = new Map<string, PlacedPod>();
  private readonly byLabel = new Map<string, Set<PodInfo>>();
  private readonly byNamespace = new Map<string, Set<PodInfo>>();
  private readonly affectingScores = new Set<PodInfo>();
  private readonly antiTermsByLabel = new Map<string, Set<AntiAffinityTermRef>>();
  private readonly antiTermsUnindexed = new Set<AntiAffinityTermRef>();
  private readonly antiTermRefs = new Map<PodInfo, AntiAffinityTermRef[]>();
  private readonly imageNodeCount = new Map<string, number>();
  private readonly ownerCounts = new Map<string, Map<string, number>>();
  /** NodeInfos for names that have pods but no Node object (yet, or any more). */
  private readonly ghosts = new Set<string>();

  // ---- nodes ----

  addNode(node: Node): void {
    const name = node.metadata?.name ?? "";
    const existing = this.nodes.get(name);
    if (existing !== undefined) {
      this.countImages(existing, -1);
      existing.setNode(node);
      this.countImages(existing, 1);
      if (this.ghosts.delete(name)) this.listDirty = true;
      return;
    }
    const info = new NodeInfo(node);
    this.nodes.set(name, info);
    this.countImages(info, 1);
    this.list.push(info);
  }

  updateNode(node: Node): void {
    this.addNode(node);
  }

  /** The Node object as last seen, if it exists. */
  nodeObject(name: string): Node | undefined {
    return this.ghosts.has(name) ? undefined : this.nodes.get(name)?.node;
  }

  /** The Pod object as placed (bound or assumed), if it is. */
  placedPod(key: string): Pod | undefined {
    return this.placed.get(key)?.pi.pod;
  }

  removeNode(name: string): void {
    const info = this.nodes.get(name);
    if (info === undefined || this.ghosts.has(name)) return;
    this.countImages(info, -1);
    info.images.clear();
    if (info.pods.size > 0) this.ghosts.add(name);
    else this.nodes.delete(name);
    this.listDirty = true;
  }

  private countImages(info: NodeInfo, sign: 1 | -1): void {
    for (const image of info.images.keys()) {
      const n = (this.imageNodeCount.get(image) ?? 0) + sign;
      if (n <= 0) this.imageNodeCount.delete(image);
      else this.imageNodeCount.set(image, n);
    }
  }

  // ---- pods ----

  /** An assigned pod reported by the informer (new, or the confirmation of an assumed one). */
  addPod(pod: Pod): void {
    const nodeName = pod.spec?.nodeName;
    if (nodeName === undefined || nodeName === "") return;
    const key = podKey(pod);
    if (this.placed.has(key)) this.unplace(key);
    this.place(newPodInfo(pod), nodeName, false);
  }

  updatePod(pod: Pod): void {
    this.addPod(pod);
  }

  removePod(pod: Pod): void {
    this.unplace(podKey(pod));
  }

  /** Counts the pod on the node before the API server knows; undone by forgetPod. */
  assumePod(pi: PodInfo, nodeName: string): void {
    if (this.placed.has(pi.key)) throw new Error(`pod ${pi.key} is already in the cache`);
    this.place(pi, nodeName, true);
  }

  /** Undoes assumePod after a failed bind; a pod the informer has confirmed stays. */
  forgetPod(key: string): void {
    if (this.placed.get(key)?.assumed === true) this.unplace(key);
  }

  isAssumed(key: string): boolean {
    return this.placed.get(key)?.assumed === true;
  }

  isPlaced(key: string): boolean {
    return this.placed.has(key);
  }

  placedNode(key: string): string | undefined {
    return this.placed.get(key)?.nodeName;
  }

  private place(pi: PodInfo, nodeName: string, assumed: boolean): void {
    let info = this.nodes.get(nodeName);
    if (info === undefined) {
      info = new NodeInfo({ metadata: { name: nodeName } });
      this.nodes.set(nodeName, info);
      this.ghosts.add(nodeName);
    }
    info.addPod(pi);
    this.placed.set(pi.key, { pi, nodeName, assumed });
    this.index(pi, nodeName, 1);
  }

  private unplace(key: string): void {
    const p = this.placed.get(key);
    if (p === undefined) return;
    this.placed.delete(key);
    const info = this.nodes.get(p.nodeName);
    info?.removePod(key);
    this.index(p.pi, p.nodeName, -1);
    if (info !== undefined && info.pods.size === 0 && this.ghosts.has(p.nodeName)) {
      this.ghosts.delete(p.nodeName);
      this.nodes.delete(p.nodeName);
    }
  }

  private index(pi: PodInfo, nodeName: string, sign: 1 | -1): void {
    const update = (map: Map<string, Set<PodInfo>>, k: string): void => {
      let set = map.get(k);
      if (sign > 0) {
        if (set === undefined) map.set(k, (set = new Set()));
        set.add(pi);
      } else if (set !== undefined) {
        set.delete(pi);
        if (set.size === 0) map.delete(k);
      }
    };
    update(this.byNamespace, pi.namespace);
    for (const [k, v] of Object.entries(pi.labels)) update(this.byLabel, labelKey(pi.namespace, k, v));
    if (pi.requiredAffinity.length + pi.preferredAffinity.length + pi.preferredAntiAffinity.length > 0) {
      if (sign > 0) this.affectingScores.add(pi);
      else this.affectingScores.delete(pi);
    }
    if (pi.requiredAntiAffinity.length > 0) this.indexAntiAffinity(pi, sign);
    if (pi.ownerUid !== undefined) {
      let perNode = this.ownerCounts.get(pi.ownerUid);
      if (perNode === undefined) this.ownerCounts.set(pi.ownerUid, (perNode = new Map()));
      const n = (perNode.get(nodeName) ?? 0) + sign;
      if (n > 0) perNode.set(nodeName, n);
      else perNode.delete(nodeName);
      if (perNode.size === 0) this.ownerCounts.delete(pi.ownerUid);
    }
  }

  private indexAntiAffinity(pi: PodInfo, sign: 1 | -1): void {
    if (sign > 0) {
      const refs = pi.requiredAntiAffinity.map((term) => ({ pi, term }));
      this.antiTermRefs.set(pi, refs);
      for (const ref of refs) {
        const first = Object.entries(ref.term.selector.matchLabels ?? {})[0];
        if (first === undefined) {
          this.antiTermsUnindexed.add(ref);
          continue;
        }
        const k = `${first[0]}\u0000${first[1]}`;
        let set = this.antiTermsByLabel.get(k);
        if (set === undefined) this.antiTermsByLabel.set(k, (set = new Set()));
        set.add(ref);
      }
      return;
    }
    for (const ref of this.antiTermRefs.get(pi) ?? []) {
      this.antiTermsUnindexed.delete(ref);
      const first = Object.entries(ref.term.selector.matchLabels ?? {})[0];
      if (first === undefined) continue;
      const k = `${first[0]}\u0000${first[1]}`;
      const set = this.antiTermsByLabel.get(k);
      set?.delete(ref);
      if (set?.size === 0) this.antiTermsByLabel.delete(k);
    }
    this.antiTermRefs.delete(pi);
  }

  // ---- ClusterView ----

  nodeInfos(): readonly NodeInfo[] {
    if (this.listDirty) {
      this.list = [...this.nodes.values()].filter((n) => !this.ghosts.has(n.name));
      this.listDirty = false;
    }
    return this.list;
  }

  nodeInfo(name: string): NodeInfo | undefined {
    return this.ghosts.has(name) ? undefined : this.nodes.get(name);
  }

  nodeOfPod(pi: PodInfo): NodeInfo | undefined {
    const p = this.placed.get(pi.key);
    return p === undefined ? undefined : this.nodes.get(p.nodeName);
  }

  *podsMatching(namespaces: ReadonlySet<string> | undefined, selector: LabelSelector): Iterable<PodInfo> {
    const nsList = namespaces ?? new Set(this.byNamespace.keys());
    const first = Object.entries(selector.matchLabels ?? {})[0];
    for (const ns of nsList) {
      // A matchLabels pair narrows the candidates through the label index.
      const candidates = first === undefined ? this.byNamespace.get(ns) : this.byLabel.get(labelKey(ns, first[0], first[1]));
      if (candidates === undefined) continue;
      for (const pi of candidates) if (selectorMatches(selector, pi.labels)) yield pi;
    }
  }

  podsAffectingScores(): Iterable<PodInfo> {
    return this.affectingScores;
  }

  *antiAffinityTermsFor(labels: Labels): Iterable<AntiAffinityTermRef> {
    for (const [k, v] of Object.entries(labels)) {
      const set = this.antiTermsByLabel.get(`${k}\u0000${v}`);
      if (set !== undefined) yield* set;
    }
    yield* this.antiTermsUnindexed;
  }

  nodesWithImage(image: string): number {
    return this.imageNodeCount.get(image) ?? 0;
  }

  ownerPodsOnNode(ownerUid: string, nodeName: string): number {
    return this.ownerCounts.get(ownerUid)?.get(nodeName) ?? 0;
  }
}

function labelKey(namespace: string, key: string, value: string): string {
  return `${namespace}\u0000${key}\u0000${value}`;
}
