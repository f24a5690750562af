// Polls a probe until it answers, for tests that wait on observable state
// (never on time): a probe that throws counts as "not yet", and when the
// time runs out the last error and the caller's diagnostics are reported.
export interface UntilOptions {
  timeoutMs?: number;
  intervalMs?: number;
  /** What to print on a timeout (cluster state, logs). */
  diagnostics?: () => Promise<string | undefined> | string | undefined;
}

export async function pollUntil<T>(what: string, probe: () => Promise<T | undefined>, opts: UntilOptions = {}): Promise<T> {
  const deadline = Date.now() + (opts.timeoutMs ?? 120_000);
  let last: unknown;
  for (;;) {
    try {
      const v = await probe();
      if (v !== undefined) return v;
    } catch (err) {
      last = err;
    }
    if (Date.now() > deadline) {
      const more = (await opts.diagnostics?.()) ?? "";
      throw new Error(`timed out waiting for ${what}${last === undefined ? "" : ` (${String(last)})`}\n${more}`);
    }
    await new Promise((r) => setTimeout(r, opts.intervalMs ?? 500));
  }
}
