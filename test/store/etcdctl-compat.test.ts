// etcdctl compatibility: one scenario of etcdctl 3.4 calls (etcdctl-scenario.ts)
// runs against a fresh 3-member skiff cluster and then against a fresh
// 3-member etcd 3.4 cluster; the transcripts, masked where two clusters
// legitimately differ (ids, ports, terms, sizes, times), must be equal.
// SKIFF_COMPAT_DUMP=<dir> writes both transcripts there for inspection.
import assert from "node:assert/strict";
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { test } from "node:test";
import { render, transcript } from "./etcdctl-cluster.ts";
import { type Difference, describeDifferences, sameOutput } from "./etcdctl-mask.ts";
import { scenario } from "./etcdctl-scenario.ts";

test("etcdctl 3.4 gives the same answers from skiff as from etcd 3.4", { timeout: 180_000 }, async (t) => {
  const skiff = await transcript("skiff", scenario);
  const etcd = await transcript("etcd", scenario);
  t.diagnostic(`${skiff.entries.length} steps; skiff ${skiff.ms} ms, etcd ${etcd.ms} ms (cluster start included)`);
  const dump = process.env.SKIFF_COMPAT_DUMP;
  if (dump !== undefined && dump !== "") {
    mkdirSync(dump, { recursive: true });
    writeFileSync(join(dump, "skiff.txt"), render(skiff.entries));
    writeFileSync(join(dump, "etcd.txt"), render(etcd.entries));
  }
  assert.equal(skiff.entries.length, etcd.entries.length);
  const diffs: Difference[] = [];
  skiff.entries.forEach((s, i) => {
    const e = etcd.entries[i]!;
    if (!sameOutput(s.output, e.output)) diffs.push({ index: i, command: s.command, skiff: s.output, etcd: e.output });
  });
  assert.ok(diffs.length === 0, `${diffs.length} of ${skiff.entries.length} steps differ (- etcd, + skiff):\n\n${describeDifferences(diffs)}`);
});
