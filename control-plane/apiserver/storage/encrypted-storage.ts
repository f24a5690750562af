// A Storage that encrypts the values of the configured resources on their
// way to the store and decrypts them on the way back (reads, lists, watch
// events), so nothing above it sees ciphertext and nothing in the store
// holds plaintext of those resources.
import type { ValueTransformer } from "./encryption.ts";
import type { DeleteResult, ListOptions, ListResult, Storage, StorageWatch, StoredValue, WatchEvent, WatchHandlers, WriteResult } from "./storage.ts";

export class EncryptedStorage implements Storage {
  constructor(
    private readonly inner: Storage,
    private readonly transformers: ValueTransformer[],
  ) {}

  private for(key: string): ValueTransformer | undefined {
    return this.transformers.find((t) => t.prefixes.some((p) => key.startsWith(p)));
  }

  private seal(key: string, value: Uint8Array): Uint8Array {
    return this.for(key)?.encrypt(value) ?? value;
  }

  private open(kv: StoredValue): StoredValue;
  private open(kv: StoredValue | undefined): StoredValue | undefined;
  private open(kv: StoredValue | undefined): StoredValue | undefined {
    const t = kv === undefined ? undefined : this.for(kv.key);
    return t === undefined || kv === undefined ? kv : { ...kv, value: t.decrypt(kv.value) };
  }

  private openWrite(r: WriteResult): WriteResult {
    return r.ok ? r : { ok: false, current: this.open(r.current) };
  }

  async get(key: string): Promise<{ value: StoredValue | undefined; revision: number }> {
    const r = await this.inner.get(key);
    return { ...r, value: this.open(r.value) };
  }

  async list(prefix: string, opts?: ListOptions): Promise<ListResult> {
    const r = await this.inner.list(prefix, opts);
    return { ...r, items: r.items.map((kv) => this.open(kv)) };
  }

  async create(key: string, value: Uint8Array): Promise<WriteResult> {
    return this.openWrite(await this.inner.create(key, this.seal(key, value)));
  }

  async update(key: string, value: Uint8Array, modRevision: number): Promise<WriteResult> {
    return this.openWrite(await this.inner.update(key, this.seal(key, value), modRevision));
  }

  async delete(key: string, modRevision?: number): Promise<DeleteResult> {
    const r = await this.inner.delete(key, modRevision);
    return r.ok ? { ...r, previous: this.open(r.previous) } : { ok: false, current: this.open(r.current) };
  }

  watch(prefix: string, afterRevision: number, handlers: WatchHandlers): StorageWatch {
    const opened = (e: WatchEvent): WatchEvent => {
      if (e.type === "put") return { ...e, kv: this.open(e.kv), previous: this.open(e.previous) };
      if (e.type === "delete") return { ...e, previous: this.open(e.previous) };
      return e;
    };
    return this.inner.watch(prefix, afterRevision, { onEvents: (events) => handlers.onEvents(events.map(opened)), onError: (err) => handlers.onError(err) });
  }

  currentRevision(): Promise<number> {
    return this.inner.currentRevision();
  }

  close(): void {
    this.inner.close();
  }
}
