// Structured logs on pino: one JSON object per line on stderr, with the
// component, the time and the object keys a caller passes, so `docker logs`
// and jq read them alike. Writes are synchronous (pino's sync destination):
// the line of a fatal error is on stderr before the process exits.
import { pino, type DestinationStream, type Logger as PinoLogger } from "pino";

export type LogLevel = "debug" | "info" | "warn" | "error";

export interface Logger {
  debug(msg: string, fields?: Record<string, unknown>): void;
  info(msg: string, fields?: Record<string, unknown>): void;
  warn(msg: string, fields?: Record<string, unknown>): void;
  error(msg: string, fields?: Record<string, unknown>): void;
  with(fields: Record<string, unknown>): Logger;
}

const levels = new Set<string>(["debug", "info", "warn", "error"]);

let stderr: DestinationStream | undefined;
// One destination for every logger of the process, opened on first use.
function stderrDestination(): DestinationStream {
  stderr ??= pino.destination({ dest: 2, sync: true });
  return stderr;
}

function levelFrom(opt: LogLevel | undefined): LogLevel {
  const env = process.env.SKIFF_LOG_LEVEL;
  return opt ?? (env !== undefined && levels.has(env) ? (env as LogLevel) : "info");
}

export function createLogger(
  component: string,
  opts: { level?: LogLevel; write?: (line: string) => void; fields?: Record<string, unknown> } = {},
): Logger {
  const write = opts.write;
  const destination: DestinationStream = write === undefined ? stderrDestination() : { write: (line: string) => write(line) };
  const p = pino(
    {
      level: levelFrom(opts.level),
      // The component and bound fields go with each line's own fields (below), not in pino's
      // bindings, so that a key given twice appears once, with the last value.
      base: null,
      messageKey: "msg",
      timestamp: () => `,"ts":"${new Date().toISOString()}"`,
      formatters: { level: (label) => ({ level: label }) },
    },
    destination,
  );
  return bound(p, { component, ...opts.fields });
}

function bound(p: PinoLogger, base: Record<string, unknown>): Logger {
  const emit = (level: LogLevel, msg: string, fields?: Record<string, unknown>): void => {
    if (p.isLevelEnabled(level)) p[level](fields === undefined ? base : { ...base, ...fields }, msg);
  };
  return {
    debug: (m, f) => emit("debug", m, f),
    info: (m, f) => emit("info", m, f),
    warn: (m, f) => emit("warn", m, f),
    error: (m, f) => emit("error", m, f),
    with: (fields) => bound(p, { ...base, ...fields }),
  };
}

export const silentLogger: Logger = {
  debug() {},
  info() {},
  warn() {},
  error() {},
  with: () => silentLogger,
};
