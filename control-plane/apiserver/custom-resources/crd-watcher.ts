// Every apiserver serves what the CRDs in the store define: it lists them,
// then watches for changes (so a CRD created through another apiserver is
// served here too), marks each CRD Established once it serves it, and when a
// CRD is deleted stops serving its resource and deletes its objects.
import { ApiError } from "../errors.ts";
import { setCustomResourceTypes } from "../registry/index.ts";
import { conditionsOf, customResourceDefinitions, setCondition } from "../registry/kinds/custom-resource-definition.ts";
import type { KubeObject, ResourceType } from "../registry/types.ts";
import { decodeObject } from "../rest/codec.ts";
import { resourcePrefix } from "../rest/keys.ts";
import type { ObjectStore } from "../rest/objects.ts";
import type { StorageWatch, StoredValue, WatchEvent } from "../storage/storage.ts";
import { typesOfCrd } from "./resource-type.ts";

type Log = (entry: Record<string, unknown>) => void;

export class CrdWatcher {
  private readonly served = new Map<string, ResourceType[]>();
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
    const names = new Set<string>();
    for (const kv of page.items) names.add(this.install(kv));
    for (const name of [...this.served.keys()]) if (!names.has(name)) this.served.delete(name);
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

  private apply(events: WatchEvent[]): void {
    for (const e of events) {
      if (e.type === "put") this.install(e.kv);
      else if (e.type === "delete" && e.previous !== undefined) this.uninstall(e.previous);
    }
    this.publish();
  }

  private publish(): void {
    setCustomResourceTypes([...this.served.values()].flat());
  }

  private install(kv: StoredValue): string {
    const crd = decodeObject(customResourceDefinitions, "v1", kv);
    const name = crd.metadata.name!;
    try {
      this.served.set(name, typesOfCrd(crd));
    } catch (err) {
      this.log({ level: "error", msg: "cannot serve CRD", crd: name, error: err instanceof Error ? err.message : String(err) });
      return name;
    }
    if (!conditionsOf(crd).some((c) => c.type === "Established" && c.status === "True")) void this.establish(name);
    return name;
  }

  private async establish(name: string): Promise<void> {
    try {
      await this.objects.modify(customResourceDefinitions, "v1", undefined, name, "status", (crd: KubeObject) => {
        setCondition(crd, { type: "Established", status: "True", reason: "InitialNamesAccepted", message: "the initial names have been accepted" });
        return crd;
      });
    } catch (err) {
      // Another apiserver got there first, or the CRD is gone already.
      if (!(err instanceof ApiError && (err.code === 404 || err.code === 409))) this.log({ level: "warn", msg: "cannot mark CRD Established", crd: name, error: String(err) });
    }
  }

  private uninstall(previous: StoredValue): void {
    const crd = decodeObject(customResourceDefinitions, "v1", previous);
    const types = this.served.get(crd.metadata.name!) ?? [];
    this.served.delete(crd.metadata.name!);
    if (types[0] !== undefined) void this.deleteObjects(types[0]);
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
