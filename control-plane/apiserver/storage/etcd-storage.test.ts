// The storage interface against a 3-member skiff store and a 3-member etcd 3.4:
// the same checks on both.
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { StoreCluster, type StoreKind } from "../../../test/support/store-cluster.ts";
import { EtcdStorage } from "./etcd-storage.ts";
import type { StorageError, WatchEvent } from "./storage.ts";

const enc = new TextEncoder();
const dec = new TextDecoder();

function nextEvents(collected: WatchEvent[], n: number, errors: StorageError[]): Promise<void> {
  return new Promise((resolve, reject) => {
    const check = (): void => {
      if (errors.length > 0) reject(errors[0]);
      else if (collected.filter((e) => e.type !== "progress").length >= n) resolve();
      else setTimeout(check, 20);
    };
    check();
  });
}

for (const kind of ["skiff", "etcd"] as StoreKind[]) {
  describe(`storage on ${kind}`, () => {
    let cluster: StoreCluster;
    let storage: EtcdStorage;
    before(async () => {
      cluster = await StoreCluster.start({ kind });
      storage = new EtcdStorage(cluster.endpoints().split(","));
    });
    after(async () => {
      storage?.close();
      await cluster?.stop();
    });

    test("create is create-if-absent", async () => {
      const a = await storage.create("/t/create/a", enc.encode("1"));
      assert.equal(a.ok, true);
      const again = await storage.create("/t/create/a", enc.encode("2"));
      assert.equal(again.ok, false);
      assert.equal(again.ok ? "" : dec.decode(again.current!.value), "1");
      const got = await storage.get("/t/create/a");
      assert.equal(dec.decode(got.value!.value), "1");
      assert.equal(got.value!.modRevision, a.ok ? a.revision : -1);
      assert.equal((await storage.get("/t/create/none")).value, undefined);
    });

    test("update is compare-and-swap on the mod revision", async () => {
      const c = await storage.create("/t/cas/x", enc.encode("v1"));
      assert.ok(c.ok);
      const u = await storage.update("/t/cas/x", enc.encode("v2"), c.revision);
      assert.ok(u.ok);
      const stale = await storage.update("/t/cas/x", enc.encode("v3"), c.revision);
      assert.equal(stale.ok, false);
      assert.equal(stale.ok ? 0 : stale.current!.modRevision, u.revision);
      const gone = await storage.update("/t/cas/missing", enc.encode("v"), 5);
      assert.deepEqual(gone, { ok: false, current: undefined });
    });

    test("delete, conditional and not", async () => {
      const c = await storage.create("/t/del/x", enc.encode("v"));
      assert.ok(c.ok);
      const wrong = await storage.delete("/t/del/x", c.revision - 1);
      assert.equal(wrong.ok, false);
      const d = await storage.delete("/t/del/x", c.revision);
      assert.ok(d.ok);
      assert.equal(dec.decode(d.previous.value), "v");
      assert.deepEqual(await storage.delete("/t/del/x"), { ok: false, current: undefined });
    });

    test("list by prefix, at a revision, with limit and start key", async () => {
      for (const n of ["a", "b", "c", "d"]) assert.ok((await storage.create(`/t/list/${n}`, enc.encode(n))).ok);
      await storage.create("/t/listx", enc.encode("outside"));
      const all = await storage.list("/t/list/");
      assert.deepEqual(all.items.map((i) => i.key), ["/t/list/a", "/t/list/b", "/t/list/c", "/t/list/d"]);
      const page1 = await storage.list("/t/list/", { limit: 2 });
      assert.equal(page1.more, true);
      assert.equal(page1.remaining, 2);
      const page2 = await storage.list("/t/list/", { limit: 2, startKey: "/t/list/b\u0000", revision: page1.revision });
      assert.deepEqual(page2.items.map((i) => i.key), ["/t/list/c", "/t/list/d"]);
      assert.equal(page2.more, false);
      await storage.delete("/t/list/a");
      const old = await storage.list("/t/list/", { revision: page1.revision });
      assert.equal(old.items.length, 4);
      assert.equal((await storage.list("/t/list/")).items.length, 3);
    });

    test("watch from a revision sees puts and deletes in order, then compaction ends it", async () => {
      const start = await storage.currentRevision();
      await storage.create("/t/w/a", enc.encode("1"));
      const events: WatchEvent[] = [];
      const errors: StorageError[] = [];
      const w = storage.watch("/t/w/", start, { onEvents: (e) => events.push(...e), onError: (e) => errors.push(e) });
      const got = await storage.get("/t/w/a");
      await storage.update("/t/w/a", enc.encode("2"), got.value!.modRevision);
      await storage.delete("/t/w/a");
      await storage.create("/t/other", enc.encode("x"));
      await nextEvents(events, 3, errors);
      w.close();
      const real = events.filter((e) => e.type !== "progress");
      assert.deepEqual(real.map((e) => e.type), ["put", "put", "delete"]);
      assert.equal(real[1]!.type === "put" ? dec.decode(real[1]!.previous!.value) : "", "1");

      const now = await storage.currentRevision();
      await storage.compact(now);
      const lateErrors: StorageError[] = [];
      const w2 = storage.watch("/t/w/", start, { onEvents: () => undefined, onError: (e) => lateErrors.push(e) });
      await new Promise<void>((resolve) => {
        const check = (): void => (lateErrors.length > 0 ? resolve() : void setTimeout(check, 20));
        check();
      });
      w2.close();
      assert.equal(lateErrors[0]!.code, "compacted");
      await assert.rejects(storage.list("/t/w/", { revision: start }), (e: StorageError) => e.code === "compacted");
    });
  });
}
