// Shorthands for the store's tests: text keys and values, readable kvs.
import { isStoreError, type StoreErrorCode } from "./errors.ts";
import { keyBytes } from "./keys.ts";
import type { MvccStore } from "./store.ts";
import type { Event, KeyValue } from "./types.ts";

/** Bytes of a latin1 string. */
export const b = keyBytes;

export function text(bytes: Uint8Array): string {
  return String.fromCharCode(...bytes);
}

/** A kv as plain text and numbers: [key, value, create, mod, version, lease]. */
export type KvRow = [string, string, number, number, number, number];

export function row(kv: KeyValue): KvRow {
  return [text(kv.key), text(kv.value), kv.createRevision, kv.modRevision, kv.version, kv.lease];
}

export function rows(kvs: readonly KeyValue[]): KvRow[] {
  return kvs.map(row);
}

/** An event as text: "PUT foo=bar @5 v2" or "DELETE foo @6"; prev kv appended as " (prev baz@4)". */
export function describeEvent(e: Event): string {
  const head = e.type === 0 ? `PUT ${text(e.kv.key)}=${text(e.kv.value)} @${e.kv.modRevision} v${e.kv.version}` : `DELETE ${text(e.kv.key)} @${e.kv.modRevision}`;
  return e.prevKv === undefined ? head : `${head} (prev ${text(e.prevKv.value)}@${e.prevKv.modRevision})`;
}

export function put(store: MvccStore, key: string, value: string, lease = 0): number {
  return store.put({ key: b(key), value: b(value), lease }).header.revision;
}

export function del(store: MvccStore, key: string, rangeEnd?: string): { deleted: number; revision: number } {
  const resp = store.deleteRange({ key: b(key), rangeEnd: rangeEnd === undefined ? undefined : b(rangeEnd) });
  return { deleted: resp.deleted, revision: resp.header.revision };
}

export function get(store: MvccStore, key: string, revision = 0): KvRow | undefined {
  const kv = store.range({ key: b(key), revision }).kvs[0];
  return kv === undefined ? undefined : row(kv);
}

/** For assert.throws: a StoreError with that code. */
export function storeErr(code: StoreErrorCode): (err: unknown) => boolean {
  return (err: unknown) => isStoreError(err, code);
}
