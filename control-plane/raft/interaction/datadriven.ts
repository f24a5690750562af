// A small data-driven test format, after cockroachdb/datadriven: each case is
// a command line, a `----` line, and the expected output up to a blank line.
// With REWRITE=1 the expected outputs are replaced by the actual ones.
import { readFileSync, writeFileSync } from "node:fs";

export interface Command {
  name: string;
  /** Positional arguments. */
  args: string[];
  /** key=value arguments; `key=(1,2,3)` gives a list. */
  kv: Map<string, string[]>;
  line: number;
  text: string;
}

interface Case {
  command: Command;
  expected: string;
}

interface ParsedFile {
  cases: Case[];
  /** Lines before each case (comments, blank lines), kept for rewriting. */
  preambles: string[][];
  trailer: string[];
}

export function parseCommand(text: string, line: number): Command {
  const tokens = text.trim().match(/[^\s=()]+=\([^)]*\)|\S+/g) ?? [];
  const [name, ...rest] = tokens;
  if (name === undefined) throw new Error(`line ${line}: empty command`);
  const args: string[] = [];
  const kv = new Map<string, string[]>();
  for (const tok of rest) {
    const eq = tok.indexOf("=");
    if (eq < 0) {
      args.push(tok);
      continue;
    }
    const key = tok.slice(0, eq);
    let value = tok.slice(eq + 1);
    if (value.startsWith("(") && value.endsWith(")")) value = value.slice(1, -1);
    kv.set(key, value.split(",").map((v) => v.trim()).filter((v) => v.length > 0));
  }
  return { name, args, kv, line, text: text.trim() };
}

function parse(content: string): ParsedFile {
  const lines = content.split("\n");
  const cases: Case[] = [];
  const preambles: string[][] = [];
  let pre: string[] = [];
  let i = 0;
  while (i < lines.length) {
    const l = lines[i]!;
    if (l.trim() === "" || l.startsWith("#")) {
      pre.push(l);
      i++;
      continue;
    }
    const command = parseCommand(l, i + 1);
    i++;
    if (lines[i] !== "----") throw new Error(`line ${i + 1}: expected ---- after command "${l}"`);
    i++;
    const out: string[] = [];
    while (i < lines.length && lines[i] !== "") out.push(lines[i++]!);
    cases.push({ command, expected: out.join("\n") });
    preambles.push(pre);
    pre = [];
  }
  return { cases, preambles, trailer: pre };
}

export interface RunResult {
  failures: string[];
  cases: number;
}

/**
 * Runs every case of a file through `run`, comparing outputs. Returns the
 * mismatches as readable diffs (or rewrites the file when REWRITE=1).
 */
export function runFile(path: string, run: (c: Command) => string): RunResult {
  const parsed = parse(readFileSync(path, "utf8"));
  const failures: string[] = [];
  const actuals: string[] = [];
  for (const c of parsed.cases) {
    let actual: string;
    try {
      actual = run(c.command).trimEnd();
    } catch (err) {
      actual = `error: ${err instanceof Error ? err.message : String(err)}`;
    }
    if (actual === "") actual = "ok";
    actuals.push(actual);
    if (actual !== c.expected) {
      failures.push(`${path}:${c.command.line}: ${c.command.text}\nexpected:\n${c.expected}\nactual:\n${actual}`);
    }
  }
  if (process.env.REWRITE === "1") {
    const parts: string[] = [];
    parsed.cases.forEach((c, k) => {
      for (const line of parsed.preambles[k]!) parts.push(`${line}\n`);
      parts.push(`${c.command.text}\n----\n${actuals[k]}\n`);
    });
    // The final newline of the file shows up as one empty trailing line.
    for (const line of parsed.trailer.slice(0, -1)) parts.push(`${line}\n`);
    writeFileSync(path, parts.join(""));
    return { failures: [], cases: parsed.cases.length };
  }
  return { failures, cases: parsed.cases.length };
}
