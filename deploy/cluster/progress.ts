// A step-by-step progress display: each step prints when it starts and how
// long it took, so a slow `skiff up` shows where it is waiting.
export type Write = (text: string) => void;

export async function step<T>(write: Write, label: string, run: () => Promise<T>): Promise<T> {
  const started = Date.now();
  write(`  … ${label}\n`);
  try {
    const result = await run();
    write(`  ✓ ${label} (${((Date.now() - started) / 1000).toFixed(1)} s)\n`);
    return result;
  } catch (err) {
    write(`  ✗ ${label}: ${err instanceof Error ? err.message : String(err)}\n`);
    throw err;
  }
}

/** Polls until check() returns a value other than undefined, or fails after timeoutMs with the last error seen. */
export async function waitUntil<T>(what: string, check: () => Promise<T | undefined>, timeoutMs: number, intervalMs = 500): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last = "";
  for (;;) {
    try {
      const value = await check();
      if (value !== undefined) return value;
    } catch (err) {
      last = err instanceof Error ? err.message : String(err);
    }
    if (Date.now() > deadline) throw new Error(`${what}: not within ${timeoutMs / 1000} s${last === "" ? "" : ` (last error: ${last})`}`);
    await new Promise((r) => setTimeout(r, intervalMs));
  }
}
