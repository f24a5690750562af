import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { agentLog } from "./log.ts";

describe("agent log", () => {
  test("one JSON object per line with component, node and the object keys", () => {
    const lines: string[] = [];
    const log = agentLog("node-1", (l) => lines.push(l));
    log.info("pod started", { pod: "default/web", container: "c" });
    log.error("failed");
    assert.equal(lines.length, 2);
    for (const l of lines) assert.ok(l.endsWith("}\n") && !l.slice(0, -1).includes("\n"), l);
    const a = JSON.parse(lines[0]!) as Record<string, unknown>;
    assert.deepEqual([a.level, a.component, a.node, a.pod, a.container, a.msg], ["info", "node-agent", "node-1", "default/web", "c", "pod started"]);
    assert.equal((JSON.parse(lines[1]!) as { level: string }).level, "error");
  });
});
