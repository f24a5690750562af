// The replicated state machine of the simulation: a small key-value map.
// Commands carry the client and its sequence number so that an entry applied
// twice (a duplicated or retried proposal) takes effect only once.
export type KvWrite =
  | { op: "put"; key: string; value: string }
  | { op: "delete"; key: string }
  | { op: "cas"; key: string; expected: string | null; value: string };

export interface KvCommand {
  client: number;
  seq: number;
  write: KvWrite;
}

/** What applying a write returned: cas reports success; put and delete always succeed. */
export interface KvResult {
  ok: boolean;
}

const encoder = new TextEncoder();
const decoder = new TextDecoder();

export function encodeCommand(c: KvCommand): Uint8Array {
  return encoder.encode(JSON.stringify(c));
}

export function decodeCommand(data: Uint8Array): KvCommand | undefined {
  if (data.byteLength === 0) return undefined;
  const text = decoder.decode(data);
  // Liveness probes and other markers are not KV commands.
  if (!text.startsWith("{")) return undefined;
  return JSON.parse(text) as KvCommand;
}

export class KvStateMachine {
  private data = new Map<string, string>();
  /** Highest sequence number applied per client (the session table). */
  private sessions = new Map<number, number>();
  appliedIndex = 0;

  get(key: string): string | null {
    return this.data.get(key) ?? null;
  }

  /** Applies a command; returns undefined when it is a duplicate that must not take effect. */
  apply(c: KvCommand): KvResult | undefined {
    const last = this.sessions.get(c.client) ?? -1;
    if (c.seq <= last) return undefined;
    this.sessions.set(c.client, c.seq);
    const w = c.write;
    switch (w.op) {
      case "put":
        this.data.set(w.key, w.value);
        return { ok: true };
      case "delete":
        this.data.delete(w.key);
        return { ok: true };
      case "cas": {
        const current = this.data.get(w.key) ?? null;
        if (current !== w.expected) return { ok: false };
        this.data.set(w.key, w.value);
        return { ok: true };
      }
    }
  }

  snapshot(): Uint8Array {
    return encoder.encode(JSON.stringify({ data: [...this.data], sessions: [...this.sessions], applied: this.appliedIndex }));
  }

  restore(bytes: Uint8Array): void {
    if (bytes.byteLength === 0) {
      this.data = new Map();
      this.sessions = new Map();
      return;
    }
    const s = JSON.parse(decoder.decode(bytes)) as { data: [string, string][]; sessions: [number, number][]; applied: number };
    this.data = new Map(s.data);
    this.sessions = new Map(s.sessions);
    this.appliedIndex = s.applied;
  }
}
