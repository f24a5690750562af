// The agent's structured log: one JSON object per line on stderr, with the
// component, the node and the time (the control plane's logger has the same
// shape; node-agent imports nothing from control-plane).
export interface AgentLog {
  info(msg: string, fields?: Record<string, unknown>): void;
  warn(msg: string, fields?: Record<string, unknown>): void;
  error(msg: string, fields?: Record<string, unknown>): void;
}

export function agentLog(node: string, write: (line: string) => void = (l) => process.stderr.write(l)): AgentLog {
  const emit = (level: string, msg: string, fields?: Record<string, unknown>): void =>
    write(`${JSON.stringify({ ts: new Date().toISOString(), level, component: "node-agent", node, msg, ...fields })}\n`);
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
