// A fault hook for tests: when SKIFF_STORE_FAULTS names a JSON file, the
// member re-reads it whenever its mtime changes and cuts itself off from the
// peers it lists, as a network partition would. Off by default: without the
// variable nothing is polled.
//
// File format: {"blocked": ["<member id in hex>" | "<peer URL>", ...]}; a
// missing or empty file blocks nothing.
import { readFileSync, statSync } from "node:fs";

export const faultFileEnv = "SKIFF_STORE_FAULTS";

export interface FaultSpec {
  /** Member ids (hex) or peer URLs (their origin is compared). */
  blocked: string[];
}

export function parseFaultSpec(text: string): FaultSpec {
  if (text.trim() === "") return { blocked: [] };
  const raw = JSON.parse(text) as { blocked?: unknown };
  const blocked = Array.isArray(raw.blocked) ? raw.blocked.filter((x): x is string => typeof x === "string") : [];
  return { blocked };
}

/** Whether `spec` cuts off the peer with this id and these peer URLs. */
export function isBlockedBy(spec: FaultSpec, id: number, urls: readonly URL[]): boolean {
  const origins = new Set(urls.map((u) => u.origin));
  return spec.blocked.some((entry) => {
    if (entry.includes("://")) {
      try {
        return origins.has(new URL(entry).origin);
      } catch {
        return false;
      }
    }
    return entry.toLowerCase() === id.toString(16);
  });
}

/** Polls `path` every `intervalMs` and calls `onChange` with the new spec when its mtime changes. */
export class FaultFile {
  private mtimeMs = -1;
  private readonly timer: NodeJS.Timeout;

  constructor(
    private readonly path: string,
    private readonly onChange: (spec: FaultSpec) => void,
    private readonly log: (event: Record<string, unknown>) => void,
    intervalMs = 100,
  ) {
    this.poll();
    this.timer = setInterval(() => this.poll(), intervalMs);
    this.timer.unref();
  }

  private poll(): void {
    let mtimeMs: number;
    try {
      mtimeMs = statSync(this.path).mtimeMs;
    } catch {
      mtimeMs = 0;
    }
    if (mtimeMs === this.mtimeMs) return;
    this.mtimeMs = mtimeMs;
    let spec: FaultSpec = { blocked: [] };
    if (mtimeMs !== 0) {
      try {
        spec = parseFaultSpec(readFileSync(this.path, "utf8"));
      } catch (err) {
        // Half-written file: read it again on the next poll.
        this.mtimeMs = -1;
        this.log({ msg: "unreadable fault file", path: this.path, error: err instanceof Error ? err.message : String(err) });
        return;
      }
    }
    this.log({ msg: "fault file loaded", path: this.path, blocked: spec.blocked });
    this.onChange(spec);
  }

  close(): void {
    clearInterval(this.timer);
  }
}
