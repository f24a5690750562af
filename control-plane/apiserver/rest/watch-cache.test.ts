import assert from "node:assert/strict";
import { test } from "node:test";
import { defineKind } from "../registry/kinds/define.ts";
import { type Storage, StorageError, type StorageWatch, type StoredValue, type WatchEvent, type WatchHandlers } from "../storage/storage.ts";
import { WatchCaches } from "./watch-cache.ts";

/** Just enough of a store for watches: puts with revisions, watches that can be broken. */
class FakeStore {
  revision = 10;
  readonly history: WatchEvent[] = [];
  readonly watchers = new Set<{ prefix: string; handlers: WatchHandlers }>();
  opened = 0;

  put(key: string): void {
    const kv: StoredValue = { key, value: new Uint8Array(0), createRevision: ++this.revision, modRevision: this.revision };
    const e: WatchEvent = { type: "put", kv, previous: undefined };
    this.history.push(e);
    for (const w of this.watchers) if (key.startsWith(w.prefix)) w.handlers.onEvents([e]);
  }

  /** Every open store watch fails, as when the member it talks to dies. */
  breakWatches(): void {
    for (const w of [...this.watchers]) {
      this.watchers.delete(w);
      w.handlers.onError(new StorageError("unavailable", "member gone"));
    }
  }

  asStorage(): Storage {
    const unsupported = (): never => {
      throw new Error("not in this fake");
    };
    return {
      get: unsupported,
      list: unsupported,
      create: unsupported,
      update: unsupported,
      delete: unsupported,
      close: () => undefined,
      currentRevision: async () => this.revision,
      watch: (prefix: string, after: number, handlers: WatchHandlers): StorageWatch => {
        this.opened++;
        const w = { prefix, handlers };
        const past = this.history.filter((e) => e.type === "put" && e.kv.modRevision > after && e.kv.key.startsWith(prefix));
        if (past.length > 0) handlers.onEvents(past);
        this.watchers.add(w);
        return { close: () => this.watchers.delete(w) };
      },
    };
  }
}

const configMaps = defineKind({ group: "", versions: ["v1"], resource: "configmaps", kind: "ConfigMap", namespaced: true });
const keys = (events: WatchEvent[]): string[] => events.flatMap((e) => (e.type === "put" ? [e.kv.key] : []));
const collector = (): { events: WatchEvent[]; handlers: WatchHandlers } => {
  const events: WatchEvent[] = [];
  return { events, handlers: { onEvents: (e) => events.push(...e), onError: (e) => assert.fail(e) } };
};

test("a hundred client watches share one store watch; namespaces are filtered", async () => {
  const store = new FakeStore();
  const caches = new WatchCaches(store.asStorage());
  const clients = Array.from({ length: 100 }, () => collector());
  for (const [i, c] of clients.entries()) await caches.watch(configMaps, i % 2 === 0 ? "a" : undefined, store.revision, c.handlers);
  store.put("/registry/configmaps/a/x");
  store.put("/registry/configmaps/b/y");
  assert.equal(store.opened, 1);
  assert.equal(caches.storeWatches, 1);
  assert.deepEqual(keys(clients[0]!.events), ["/registry/configmaps/a/x"]);
  assert.deepEqual(keys(clients[1]!.events), ["/registry/configmaps/a/x", "/registry/configmaps/b/y"]);
  caches.close();
});

test("resuming inside the window replays exactly what came after; before the window goes to the store", async () => {
  const store = new FakeStore();
  const caches = new WatchCaches(store.asStorage(), 3);
  await caches.ready(configMaps);
  for (const n of ["1", "2", "3", "4", "5"]) store.put(`/registry/configmaps/a/${n}`);
  const recent = collector();
  await caches.watch(configMaps, "a", 13, recent.handlers);
  assert.deepEqual(keys(recent.events), ["/registry/configmaps/a/4", "/registry/configmaps/a/5"]);
  const old = collector();
  await caches.watch(configMaps, "a", 11, old.handlers);
  assert.equal(store.opened, 2, "a watch from before the window opens its own store watch");
  assert.deepEqual(keys(old.events), ["/registry/configmaps/a/2", "/registry/configmaps/a/3", "/registry/configmaps/a/4", "/registry/configmaps/a/5"]);
  store.put("/registry/configmaps/a/6");
  assert.deepEqual(keys(recent.events).slice(-1), ["/registry/configmaps/a/6"]);
  assert.equal(keys(old.events).length, 5);
  caches.close();
});

test("when the store watch breaks, the cache resumes it without loss or duplication", async () => {
  const store = new FakeStore();
  const caches = new WatchCaches(store.asStorage());
  const c = collector();
  await caches.watch(configMaps, undefined, store.revision, c.handlers);
  store.put("/registry/configmaps/a/1");
  store.breakWatches();
  store.put("/registry/configmaps/a/2");
  while (store.watchers.size === 0) await new Promise((r) => setTimeout(r, 20));
  store.put("/registry/configmaps/a/3");
  assert.deepEqual(keys(c.events), ["/registry/configmaps/a/1", "/registry/configmaps/a/2", "/registry/configmaps/a/3"]);
  assert.equal(caches.storeWatches, 1);
  caches.close();
});
