import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { fileURLToPath } from "node:url";
import { describe, test } from "node:test";
import { createLogger } from "./logger.ts";

describe("logger", () => {
  test("one JSON object per line with the component, the level, the time and the object keys", () => {
    const lines: string[] = [];
    const log = createLogger("scheduler", { write: (l) => lines.push(l), fields: { identity: "a" } });
    log.info("bound", { pod: "default/web-1", node: "n1" });
    log.with({ namespace: "kube-system" }).warn("slow", { pod: "coredns" });
    log.debug("not shown at the default level");
    const text = lines.join("");
    const rows = text.split("\n").filter((l) => l !== "");
    assert.equal(rows.length, 2, text);
    assert.ok(text.endsWith("\n"));
    const [a, b] = rows.map((r) => JSON.parse(r) as Record<string, unknown>);
    assert.equal(a!.component, "scheduler");
    assert.equal(a!.identity, "a");
    assert.equal(a!.level, "info");
    assert.equal(a!.msg, "bound");
    assert.equal(a!.pod, "default/web-1");
    assert.equal(a!.node, "n1");
    assert.ok(!Number.isNaN(Date.parse(String(a!.ts))), `ts ${String(a!.ts)}`);
    assert.deepEqual([b!.level, b!.component, b!.namespace, b!.pod, b!.msg], ["warn", "scheduler", "kube-system", "coredns", "slow"]);
  });

  test("the debug level shows debug lines", () => {
    const lines: string[] = [];
    createLogger("store", { level: "debug", write: (l) => lines.push(l) }).debug("tick", { term: 3 });
    assert.equal(lines.length, 1);
    assert.deepEqual(JSON.parse(lines[0]!), { ...JSON.parse(lines[0]!), level: "debug", component: "store", term: 3, msg: "tick" });
  });

  test("a key given again (by with() or by the line) appears once, with the last value", () => {
    const lines: string[] = [];
    const log = createLogger("store", { write: (l) => lines.push(l), fields: { name: "a" } }).with({ name: "b", member: "1" });
    log.info("started");
    log.info("membership changed", { member: "2", change: "AddNode" });
    assert.equal(lines[0]!.match(/"name"/g)?.length, 1, lines[0]);
    assert.equal((JSON.parse(lines[0]!) as { name: string }).name, "b");
    assert.equal(lines[1]!.match(/"member"/g)?.length, 1, lines[1]);
    assert.equal((JSON.parse(lines[1]!) as { member: string }).member, "2");
  });

  test("a line written just before process.exit reaches stderr", () => {
    const logger = fileURLToPath(new URL("./logger.ts", import.meta.url));
    const script = `import { createLogger } from ${JSON.stringify(logger)}; const l = createLogger("store"); for (let i = 0; i < 200; i++) l.error("fatal error; stopping", { i }); process.exit(1);`;
    const r = spawnSync(process.execPath, ["--import", "tsx", "--input-type=module", "-e", script], { encoding: "utf8" });
    assert.equal(r.status, 1, r.stderr);
    const rows = r.stderr.split("\n").filter((l) => l.startsWith("{"));
    assert.equal(rows.length, 200, r.stderr.slice(0, 2000));
    assert.equal((JSON.parse(rows[199]!) as { i: number }).i, 199);
  });
});
