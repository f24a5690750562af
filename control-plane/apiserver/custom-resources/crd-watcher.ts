// Every apiserver serves what the CRDs in the store define: it lists them,
// then watches for changes (so a CRD created through another apiserver is
// served here too). Names are first come, first served within a group (by
// creation revision, so every apiserver decides alike): a CRD whose plural,
// singular, short names or kind another CRD already holds is not served
// and gets NamesAccepted=False. The others get NamesAccepted and
// Established. When a CRD is deleted its resource is no longer served and
// its objects are deleted.
import { ApiError } from "../errors.ts";
import { setCustomResourceTypes } from "../registry/index.ts";
import { type Condition, type CrdNames, conditionsOf, crdSpec, customResourceDefinitions, setCondition } from "../registry/kinds/custom-resource-definition.ts";
import type { KubeObject, ResourceType } from "../registry/types.ts";
import { decodeObject } from "../rest/codec.ts";
import { resourcePrefix } from "../rest/keys.ts";
import type { ObjectStore } from "../rest/objects.ts";
import type { StorageWatch, StoredValue, WatchEvent } from "../storage/storage.ts";
import { typesOfCrd } from "./resource-type.ts";

type Log = (entry: Record<string, unknown>) => void;

interface Known {
  crd: KubeObject;
  createRevision: number;
}

type Verdict = { accepted: true; types: ResourceType[] } | { accepted: false; reason: string; message: string };

function namesOf(n: CrdNames): { resources: string[]; kind: string } {
  return { resources: [n.plural, n.singular ?? n.kind.toLowerCase(), ...(n.shortNames ?? [])], kind: n.kind };
}

export class CrdWatcher {
  private readonly known = new Map<string, Known>();
  /** The CRDs served now: only their deletion deletes objects (a refused CRD may share a plural with a served one). */
  private accepted = new Set<string>();
  private watch: StorageWatch | undefined;
  private closed = false;
  private readonly prefix = resourcePrefix(customResourceDefinitions);

  constructor(
    private readonly objects: ObjectStore,
    private readonly log: Log,
  ) {}

  /** Resolves once the CRDs in the store are served. */
  async start(): Promise<void> {
    const page = await this.objects.storage.list(this.prefix);
    this.known.clear();
    for (const kv of page.items) this.remember(kv);
    this.publish();
    this.watch = this.objects.storage.watch(this.prefix, page.revision, {
      onEvents: (events) => this.apply(events),
      onError: (err) => {
        if (this.closed) return;
        this.log({ level: "warn", msg: "CRD watch ended, starting over", error: err.message });
        // A relist catches up with whatever the broken watch missed.
        setTimeout(() => void this.start().catch((e: unknown) => this.log({ level: "error", msg: "CRD relist failed", error: String(e) })), 1000).unref();
      },
    });
  }

  close(): void {
    this.closed = true;
    this.watch?.close();
  }

  private remember(kv: StoredValue): void {
    const crd = decodeObject(customResourceDefinitions, "v1", kv);
    this.known.set(crd.metadata.name!, { crd, createRevision: kv.createRevision });
  }

  private apply(events: WatchEvent[]): void {
    for (const e of events) {
      if (e.type === "put") this.remember(e.kv);
      else if (e.type === "delete" && e.previous !== undefined) {
        const crd = decodeObject(customResourceDefinitions, "v1", e.previous);
        this.known.delete(crd.metadata.name!);
        const type = this.typesOf(crd)[0];
        if (type !== undefined && this.accepted.has(crd.metadata.name!)) void this.deleteObjects(type);
      }
    }
    this.publish();
  }

  private typesOf(crd: KubeObject): ResourceType[] {
    try {
      return typesOfCrd(crd);
    } catch (err) {
      this.log({ level: "error", msg: "cannot serve CRD", crd: crd.metadata.name, error: err instanceof Error ? err.message : String(err) });
      return [];
    }
  }

  /** Decides every CRD's names, oldest first, serves the accepted ones and brings their conditions up to date. */
  private publish(): void {
    const taken = new Map<string, { resources: Map<string, string>; kinds: Map<string, string> }>();
    const served: ResourceType[] = [];
    const accepted = new Set<string>();
    for (const { crd } of [...this.known.values()].sort((a, b) => a.createRevision - b.createRevision)) {
      const spec = crdSpec(crd);
      let group = taken.get(spec.group);
      if (group === undefined) taken.set(spec.group, (group = { resources: new Map(), kinds: new Map() }));
      const names = namesOf(spec.names);
      const resourceClash = names.resources.find((n) => group.resources.has(n));
      const kindClash = group.kinds.get(names.kind);
      let verdict: Verdict;
      if (resourceClash !== undefined) verdict = { accepted: false, reason: "PluralConflict", message: `"${resourceClash}" is already in use` };
      else if (kindClash !== undefined) verdict = { accepted: false, reason: "KindConflict", message: `"${names.kind}" is already in use` };
      else {
        for (const n of names.resources) group.resources.set(n, crd.metadata.name!);
        group.kinds.set(names.kind, crd.metadata.name!);
        verdict = { accepted: true, types: this.typesOf(crd) };
        accepted.add(crd.metadata.name!);
        served.push(...verdict.types);
      }
      if (this.needsStatus(crd, verdict)) void this.writeStatus(crd.metadata.name!, verdict);
    }
    this.accepted = accepted;
    setCustomResourceTypes(served);
  }

  private conditionsFor(verdict: Verdict): Omit<Condition, "lastTransitionTime">[] {
    if (verdict.accepted) {
      return [
        { type: "NamesAccepted", status: "True", reason: "NoConflicts", message: "no conflicts found" },
        { type: "Established", status: "True", reason: "InitialNamesAccepted", message: "the initial names have been accepted" },
      ];
    }
    return [
      { type: "NamesAccepted", status: "False", reason: verdict.reason, message: verdict.message },
      { type: "Established", status: "False", reason: "NotAccepted", message: "not all names are accepted" },
    ];
  }

  private needsStatus(crd: KubeObject, verdict: Verdict): boolean {
    const have = conditionsOf(crd);
    const accepted = (crd.status as { acceptedNames?: unknown } | undefined)?.acceptedNames;
    if (verdict.accepted && JSON.stringify(accepted) !== JSON.stringify(crdSpec(crd).names)) return true;
    return this.conditionsFor(verdict).some((c) => !have.some((h) => h.type === c.type && h.status === c.status && h.reason === c.reason));
  }

  private async writeStatus(name: string, verdict: Verdict): Promise<void> {
    try {
      await this.objects.modify(customResourceDefinitions, "v1", undefined, name, "status", (crd: KubeObject) => {
        for (const c of this.conditionsFor(verdict)) setCondition(crd, c);
        if (verdict.accepted) (crd.status as Record<string, unknown>).acceptedNames = structuredClone(crdSpec(crd).names);
        return crd;
      });
    } catch (err) {
      // Another apiserver got there first, or the CRD is gone already.
      if (!(err instanceof ApiError && (err.code === 404 || err.code === 409))) this.log({ level: "warn", msg: "cannot write CRD status", crd: name, error: String(err) });
    }
  }

  /** Every apiserver does this; deleting a key twice is harmless. */
  private async deleteObjects(type: ResourceType): Promise<void> {
    const storage = this.objects.storage;
    try {
      const page = await storage.list(resourcePrefix(type));
      for (const kv of page.items) await storage.delete(kv.key);
    } catch (err) {
      this.log({ level: "warn", msg: "cannot delete custom resources", resource: `${type.resource}.${type.group}`, error: String(err) });
    }
  }
}
