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
  const root = pino(
    {
      level: levelFrom(opts.level),
      base: { component, ...opts.fields },
      messageKey: "msg",
      timestamp: () => `,"ts":"${new Date().toISOString()}"`,
      formatters: { level: (label) => ({ level: label }) },
    },
    destination,
  );
  // with() builds a logger on the merged fields (not a pino child) so a key
  // given again replaces the old value instead of appearing twice in a line.
  return wrap(root, (fields) => createLogger(component, { ...opts, fields: { ...opts.fields, ...fields } }));
}

function wrap(p: PinoLogger, withFields: (fields: Record<string, unknown>) => Logger): Logger {
  const emit = (level: LogLevel, msg: string, fields?: Record<string, unknown>): void => {
    if (fields === undefined) p[level](msg);
    else p[level](fields, msg);
  };
  return {
    debug: (m, f) => emit("debug", m, f),
    info: (m, f) => emit("info", m, f),
    warn: (m, f) => emit("warn", m, f),
    error: (m, f) => emit("error", m, f),
    with: withFields,
  };
}

export const silentLogger: Logger = {
  debug() {},
  info() {},
  warn() {},
  error() {},
  with: () => silentLogger,
};
