import assert from "node:assert/strict";
import { test } from "node:test";
import { FlagError, parseStoreFlags } from "./flags.ts";
import { clusterId, memberId } from "./member-id.ts";

const three = [
  "--name", "s1",
  "--initial-advertise-peer-urls", "http://127.0.0.1:12380",
  "--listen-peer-urls=http://127.0.0.1:12380",
  "--listen-client-urls", "http://127.0.0.1:12379",
  "--advertise-client-urls", "http://127.0.0.1:12379",
  "--initial-cluster", "s1=http://127.0.0.1:12380,s2=http://127.0.0.1:22380,s3=http://127.0.0.1:32380",
  "--initial-cluster-state", "new",
  "--data-dir", "/tmp/s1",
];

test("etcd's flags are accepted in both --flag=value and --flag value forms", () => {
  const f = parseStoreFlags(three);
  assert.equal(f.name, "s1");
  assert.equal(f.dataDir, "/tmp/s1");
  assert.deepEqual([...f.initialCluster.keys()], ["s1", "s2", "s3"]);
  assert.equal(f.listenPeerUrls[0]!.port, "12380");
  assert.equal(f.initialClusterState, "new");
  assert.equal(f.heartbeatIntervalMs, 100);
  assert.equal(f.electionTimeoutMs, 1000);
  assert.equal(f.snapshotCount, 100000);
});

test("defaults follow etcd's", () => {
  const f = parseStoreFlags([]);
  assert.equal(f.name, "default");
  assert.equal(f.dataDir, "default.etcd");
  assert.equal(f.listenClientUrls[0]!.href, "http://localhost:2379/");
});

test("bad flags get clear errors", () => {
  const cases: [string[], RegExp][] = [
    [["--nmae", "x"], /unknown flag --nmae/],
    [["--name"], /flag needs an argument: --name/],
    [[...three.slice(0, 2), "--initial-cluster", "s2=http://127.0.0.1:22380"], /couldn't find local name "s1" in the initial cluster/],
    [["--initial-cluster-state", "maybe"], /must be "new" or "existing"/],
    [["--heartbeat-interval", "500"], /at least as 5 times as --heartbeat-interval/],
    [["--snapshot-count", "-3"], /--snapshot-count must be a positive integer/],
    [["--listen-client-urls", "localhost:2379"], /URL scheme must be http or https|not a valid URL/],
    [["--listen-client-urls", "http://127.0.0.1"], /has no port/],
    [["--initial-cluster", "default"], /is not of the form name=peerURL/],
    [["--initial-advertise-peer-urls", "http://127.0.0.1:9999"], /--initial-cluster has default=.* but --initial-advertise-peer-urls is/],
  ];
  for (const [argv, pattern] of cases) {
    assert.throws(() => parseStoreFlags(argv), (err: unknown) => err instanceof FlagError && pattern.test(err.message), argv.join(" "));
  }
});

test("member and cluster ids are stable, distinct and exact numbers", () => {
  const a = memberId([new URL("http://127.0.0.1:12380")], "tok");
  const b = memberId([new URL("http://127.0.0.1:22380")], "tok");
  assert.equal(a, memberId([new URL("http://127.0.0.1:12380")], "tok"));
  assert.notEqual(a, b);
  assert.notEqual(a, memberId([new URL("http://127.0.0.1:12380")], "other-token"));
  for (const id of [a, b, clusterId([a, b])]) assert.ok(Number.isSafeInteger(id) && id > 0);
  assert.equal(clusterId([a, b]), clusterId([b, a]));
});

test("--listen-metrics-urls: none by default, etcd's URL list otherwise", () => {
  assert.deepEqual(parseStoreFlags([]).listenMetricsUrls, []);
  const f = parseStoreFlags(["--listen-metrics-urls=http://127.0.0.1:2381,http://10.0.0.1:2381"]);
  assert.deepEqual(f.listenMetricsUrls.map((u) => u.host), ["127.0.0.1:2381", "10.0.0.1:2381"]);
  assert.throws(() => parseStoreFlags(["--listen-metrics-urls=http://127.0.0.1"]), /has no port/);
});
