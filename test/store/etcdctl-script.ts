// A small driver for etcdctl transcripts: a scenario is a list of steps
// (etcdctl invocations, background watches, waits), run against one cluster
// and recorded as text, one entry per step, so that the same scenario run
// against skiff and against etcd can be compared after masking
// (etcdctl-mask.ts). Steps name members (m1, m2, ...) rather than addresses
// and refer to ids captured earlier as {name}.
import { type ChildProcess, spawn } from "node:child_process";
import type { Masks } from "./etcdctl-mask.ts";

/** Which endpoints etcdctl is given: one member's client URL, or all. */
export type Target = string;

/** A rewrite of one step's masked output, for output whose order legitimately differs. */
export type Normalize = (text: string) => string;

export interface RunStep {
  kind: "run";
  args: string[];
  stdin?: string | (() => string);
  at?: Target;
  /** Remember a captured group under a name, for {name} in later steps; an id (the default) is masked as <name>. */
  capture?: { name: string; pattern: RegExp; id?: boolean };
  normalize?: Normalize[];
  /** Set for steps that prepare or wait but are not part of the comparison. */
  unrecorded?: boolean;
}

export interface WatchStartStep {
  kind: "watch";
  name: string;
  args: string[];
  at?: Target;
  /** How long to give the watch to be established before the next step (for watches without --rev). */
  settleMs?: number;
  normalize?: Normalize[];
}

export interface WatchEndStep {
  kind: "watchEnd";
  name: string;
}

export interface PollStep {
  kind: "poll";
  args: string[];
  at?: Target;
  until: (stdout: string) => boolean;
  timeoutMs: number;
}

export type Step = RunStep | WatchStartStep | WatchEndStep | PollStep;

export interface Entry {
  /** The command as written in the scenario, e.g. `[m1] get --prefix a`. */
  command: string;
  output: string;
}

export interface ScriptContext {
  /** Member name → "127.0.0.1:port" of its client URL. */
  clients: Map<string, string>;
  /** Captured and prepared values, for {name} in arguments. */
  vars: Map<string, string>;
  masks: Masks;
}

interface Outcome {
  status: number | string;
  stdout: string;
  stderr: string;
}

function substitute(text: string, ctx: ScriptContext): string {
  return text.replace(/\{([\w.]+)\}/g, (whole, name: string) => ctx.vars.get(name) ?? whole);
}

function endpointsOf(target: Target, ctx: ScriptContext): string {
  if (target === "all") return [...ctx.clients.values()].join(",");
  const ep = ctx.clients.get(target);
  if (ep === undefined) throw new Error(`no member ${target} in the script context`);
  return ep;
}

function start(args: string[], target: Target, ctx: ScriptContext): ChildProcess {
  const argv = [`--endpoints=${endpointsOf(target, ctx)}`, "--dial-timeout=2s", "--command-timeout=5s", ...args.map((a) => substitute(a, ctx))];
  return spawn("etcdctl", argv, { env: { ...process.env, ETCDCTL_API: "3" }, stdio: ["pipe", "pipe", "pipe"] });
}

function collect(proc: ChildProcess): { out: () => Outcome; done: Promise<void> } {
  let stdout = "";
  let stderr = "";
  let status: number | string = "running";
  proc.stdout?.on("data", (b: Buffer) => (stdout += b.toString()));
  proc.stderr?.on("data", (b: Buffer) => (stderr += b.toString()));
  const done = new Promise<void>((resolve) =>
    proc.on("close", (code, signal) => {
      status = code ?? `signal ${signal ?? "?"}`;
      resolve();
    }),
  );
  return { out: () => ({ status, stdout, stderr }), done };
}

export async function runEtcdctl(args: string[], target: Target, ctx: ScriptContext, stdin?: string): Promise<Outcome> {
  const proc = start(args, target, ctx);
  const c = collect(proc);
  proc.stdin?.on("error", () => {});
  proc.stdin?.end(stdin ?? "");
  const timer = setTimeout(() => proc.kill("SIGKILL"), 20_000);
  await c.done;
  clearTimeout(timer);
  return c.out();
}

function render(o: Outcome, stdin: string | undefined): string {
  const lines: string[] = [];
  if (stdin !== undefined) lines.push(`stdin: ${stdin.length > 200 ? `${stdin.length} bytes` : JSON.stringify(stdin)}`);
  lines.push(`exit: ${o.status}`);
  for (const l of o.stdout.replace(/\n$/, "").split("\n")) if (o.stdout !== "") lines.push(`out| ${l}`);
  for (const l of o.stderr.replace(/\n$/, "").split("\n")) if (o.stderr !== "") lines.push(`err| ${l}`);
  return lines.join("\n");
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** Waits until a background process has printed nothing new for `quietMs`, at most `maxMs`. */
async function quiet(read: () => string, quietMs: number, maxMs: number): Promise<void> {
  const deadline = Date.now() + maxMs;
  let last = read();
  let since = Date.now();
  while (Date.now() < deadline) {
    await sleep(50);
    const now = read();
    if (now !== last) {
      last = now;
      since = Date.now();
    } else if (Date.now() - since >= quietMs) return;
  }
}

function label(args: string[], target: Target | undefined): string {
  return `[${target ?? "m1"}] etcdctl ${args.map((a) => (/^[\w./=:{}-]+$/.test(a) ? a : JSON.stringify(a))).join(" ")}`;
}

/** Runs the steps in order and returns the recorded transcript, already masked. */
export async function runScript(steps: readonly Step[], ctx: ScriptContext): Promise<Entry[]> {
  const entries: Entry[] = [];
  const watches = new Map<string, { proc: ChildProcess; out: () => Outcome; done: Promise<void>; command: string; normalize: Normalize[] }>();
  try {
    for (const step of steps) {
      if (step.kind === "run") {
        const raw = typeof step.stdin === "function" ? step.stdin() : step.stdin;
        const stdin = raw === undefined ? undefined : substitute(raw, ctx);
        const o = await runEtcdctl(step.args, step.at ?? "m1", ctx, stdin);
        if (step.capture !== undefined) {
          const m = step.capture.pattern.exec(o.stdout);
          if (m?.[1] === undefined) throw new Error(`${label(step.args, step.at)}: no ${step.capture.name} in output\n${render(o, stdin)}`);
          ctx.vars.set(step.capture.name, m[1]);
          if (step.capture.id !== false) ctx.masks.addId(m[1], step.capture.name);
        }
        if (step.unrecorded === true) continue;
        let output = ctx.masks.apply(render(o, stdin));
        for (const n of step.normalize ?? []) output = n(output);
        entries.push({ command: label(step.args, step.at), output });
      } else if (step.kind === "watch") {
        const proc = start(step.args, step.at ?? "m1", ctx);
        proc.stdin?.end();
        watches.set(step.name, { proc, ...collect(proc), command: `${label(step.args, step.at)} (background)`, normalize: step.normalize ?? [] });
        await sleep(step.settleMs ?? 300);
      } else if (step.kind === "watchEnd") {
        const w = watches.get(step.name);
        if (w === undefined) throw new Error(`no watch ${step.name}`);
        watches.delete(step.name);
        await quiet(() => w.out().stdout + w.out().stderr, 400, 3000);
        // A watch still running is stopped here; one the server ended has exited by itself.
        const running = w.out().status === "running";
        if (running) w.proc.kill("SIGTERM");
        await w.done;
        const o = { ...w.out(), status: running ? "still watching (stopped)" : w.out().status };
        let output = ctx.masks.apply(render(o, undefined));
        for (const n of w.normalize) output = n(output);
        entries.push({ command: w.command, output });
      } else {
        const deadline = Date.now() + step.timeoutMs;
        for (;;) {
          const o = await runEtcdctl(step.args, step.at ?? "m1", ctx);
          if (step.until(o.stdout)) break;
          if (Date.now() > deadline) throw new Error(`${label(step.args, step.at)}: condition not met within ${step.timeoutMs} ms\n${render(o, undefined)}`);
          await sleep(200);
        }
      }
    }
  } finally {
    for (const w of watches.values()) w.proc.kill("SIGKILL");
  }
  return entries;
}
