// The agent's structured log on pino: one JSON object per line on stderr,
// with the component, the node and the time (the control plane's logger has
// the same shape; node-agent imports nothing from control-plane). Writes are
// synchronous so the last line before an exit is not lost.
import { pino } from "pino";

export interface AgentLog {
  info(msg: string, fields?: Record<string, unknown>): void;
  warn(msg: string, fields?: Record<string, unknown>): void;
  error(msg: string, fields?: Record<string, unknown>): void;
}

export function agentLog(node: string, write?: (line: string) => void): AgentLog {
  const p = pino(
    {
      // Merged into each line's fields (below) so a key given again appears once.
      base: null,
      messageKey: "msg",
      timestamp: () => `,"ts":"${new Date().toISOString()}"`,
      formatters: { level: (label) => ({ level: label }) },
    },
    write === undefined ? pino.destination({ dest: 2, sync: true }) : { write },
  );
  const base = { component: "node-agent", node };
  const emit = (level: "info" | "warn" | "error", msg: string, fields?: Record<string, unknown>): void => {
    p[level](fields === undefined ? base : { ...base, ...fields }, msg);
  };
  return {
    info: (m, f) => emit("info", m, f),
    warn: (m, f) => emit("warn", m, f),
    error: (m, f) => emit("error", m, f),
  };
}

export const silentLog: AgentLog = { info() {}, warn() {}, error() {} };

export function errorText(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
