// The etcdctl compatibility scenario: every step runs against a fresh
// 3-member cluster (skiff or etcd) whose leader is m1 at the start. Revisions
// are deterministic (the cluster starts at revision 1), so they are compared
// as they are; ids, ports, terms and times are masked (etcdctl-mask.ts).
import { maskStatusRows, sortInitialCluster, sortLeaseKeys, sortJsonArray, sortOutLines, sortTableRows } from "./etcdctl-mask.ts";
import type { Normalize, RunStep, Step } from "./etcdctl-script.ts";

type RunOptions = Omit<RunStep, "kind" | "args">;

/** An etcdctl call; a string is split on spaces, an array is taken as it is (for empty or spaced arguments). */
function run(args: string | string[], opts: RunOptions = {}): RunStep {
  return { kind: "run", args: typeof args === "string" ? args.split(" ") : args, ...opts };
}

/** A command left running (watch, elect) while the next steps run; `endWatch` stops it and records its output. */
function background(name: string, args: string, settleMs?: number, at?: string, normalize?: Normalize[]): Step {
  return { kind: "watch", name, args: args.split(" "), ...(settleMs === undefined ? {} : { settleMs }), ...(at === undefined ? {} : { at }), ...(normalize === undefined ? {} : { normalize }) };
}

function watch(name: string, args: string, settleMs?: number, at?: string): Step {
  return background(name, `watch ${args}`, settleMs, at);
}

function endWatch(name: string): Step {
  return { kind: "watchEnd", name };
}

/** The txn stdin form: compares, blank line, success ops, blank line, failure ops, blank line. */
function txn(compares: string[], success: string[], failure: string[]): string {
  return [compares, success, failure].map((lines) => `${lines.map((l) => `${l}\n`).join("")}\n`).join("");
}

/** Captures the revision of a write made with -w json, for {name} in later steps (revisions are compared, not masked). */
function revision(name: string): RunOptions {
  return { capture: { name, pattern: /"revision":(\d+)/, id: false } };
}

const members = { normalize: [sortOutLines] };
const membersTable = { normalize: [sortTableRows] };
const membersJson = { normalize: [sortJsonArray("members")] };
const status = { normalize: [maskStatusRows, sortTableRows] };
const leaseKeys = { normalize: [sortLeaseKeys] };

const kv: Step[] = [
  run("compaction 0"),
  run("get a --rev=1"),
  run("put a 1"),
  run("put a/b 2"),
  run("put a/c 3"),
  run("put b 4"),
  run("put a 11 --prev-kv"),
  run("put a/c 33 --prev-kv -w json"),
  run("get a"),
  run("get a -w json"),
  run("get a --rev=2"),
  run("get a/c --rev=3"),
  run("get a/c --rev=4 -w json"),
  run("get --prefix a"),
  run("get --prefix a --limit=2"),
  run("get --prefix a --limit=2 -w json"),
  run("get --prefix a --sort-by=MODIFY --order=DESCEND"),
  run("get --prefix a --sort-by=VALUE --order=ASCEND --keys-only"),
  run("get --prefix a --sort-by=CREATE --order=DESCEND --print-value-only"),
  run("get --prefix a --sort-by=VERSION --order=DESCEND -w json"),
  run("get --prefix a --keys-only"),
  run("get --prefix a --print-value-only"),
  run("get a a/c"),
  run("get --from-key a/b"),
  run(["get", "--from-key", ""]),
  run("get a --consistency=s"),
  run("get a/b -w fields"),
  run("get --prefix a --rev=5"),
  run("get a/b a/d"),
  run("get --prefix a/ --sort-by=KEY --order=DESCEND --limit=1"),
  run("get --from-key a --limit=2 --keys-only"),
  run("get --prefix a --rev=6 --limit=1 -w json"),
  run(["put", "sp ace", "va lue"]),
  run("put ü ✓"),
  run(["get", "sp ace"]),
  run("get ü -w json"),
  run("del --from-key sp"),
  run("del a/b a/c"),
  run("put a/b 2 --prev-kv"),
  run("get missing"),
  run("get missing -w json"),
  run("get a --rev=100"),
  run("put a --ignore-value"),
  run("get a -w json"),
  run("put c"),
  run("del b"),
  run("del missing"),
  run("del --prefix a --prev-kv"),
  run("del c --prev-kv -w json"),
  run("get --prefix a"),
];

const watches: Step[] = [
  watch("prefix", "--prefix w --prev-kv", 700),
  watch("history", "--prefix w --rev=1 -w json"),
  watch("follower", "w/x --prev-kv -w json", 500),
  watch("range", "w/a w/y", 500, "m2"),
  run("put w/x 1"),
  run("put w/y 2"),
  run("put w/x 3 -w json", revision("wrev")),
  run("del w/y"),
  run("txn", { stdin: txn([], ["put w/x 4", "put w/z 5"], []) }),
  run("del --prefix w"),
  endWatch("prefix"),
  endWatch("history"),
  endWatch("follower"),
  endWatch("range"),
  watch("from-rev", "w/x --rev={wrev} --prev-kv"),
  endWatch("from-rev"),
];

const txns: Step[] = [
  run("put t/k v1"),
  run("txn", { stdin: txn(['value("t/k") = "v1"'], ["put t/k v2", "get t/k"], ["get t/k"]) }),
  run("txn", { stdin: txn(['value("t/k") = "v1"'], ["put t/k v3"], ["put t/other x", "get t/k"]) }),
  run("txn -w json", { stdin: txn(['version("t/k") = "2"', 'create("t/missing") = "0"'], ["del t/k", "put t/n 1"], []) }),
  run("txn --interactive", { stdin: txn(['mod("t/n") > "0"'], ["get --prefix t"], ["put t/n 2"]) }),
  run("txn", { stdin: txn(['mod("t/n") < "5"', 'value("t/n") != "1"'], ["put t/n 3"], ["del --prefix t --prev-kv"]) }),
  run("txn -w json", { stdin: txn(['value("t/n") = "nope"'], [], ["get --prefix t", "get t/missing", "del t/missing"]) }),
  run("txn", { stdin: txn(['value("t/none") = ""'], ["put t/r 1"], ["put t/r 0"]) }),
  run("txn", { stdin: txn(['version("t/none") = "0"', 'mod("t/none") < "5"', 'create("t/none") = "0"'], ["get t/r"], []) }),
  run("txn", { stdin: txn([], [], []) }),
  run("txn", { stdin: txn([], Array.from({ length: 129 }, (_, i) => `put t/many${i} x`), []) }),
  run("txn", { stdin: txn([], ["put t/dup 1", "put t/dup 2"], []) }),
  run("txn", { stdin: txn(['value("") = "x"'], [], []) }),
  run("get --prefix t"),
];

const leases: Step[] = [
  run("lease grant 60", { capture: { name: "lease1", pattern: /^lease ([0-9a-f]+) granted/ } }),
  run("put l/k1 v --lease={lease1}"),
  run("put l/k2 v --lease={lease1}"),
  run("lease timetolive {lease1}"),
  run("lease timetolive {lease1} --keys", leaseKeys),
  run("lease timetolive {lease1} --keys -w json", leaseKeys),
  run("lease keep-alive --once {lease1}"),
  run("lease keep-alive --once {lease1}", { at: "m3" }),
  run("lease keep-alive --once {lease1} -w json", { at: "m3" }),
  run("lease timetolive {lease1} -w json", { at: "m2" }),
  run("get --prefix l -w json"),
  run("txn", { stdin: txn(['version("l/k1") = "1"'], ["put l/k1 x --prev-kv"], []) }),
  run("put l/k1 w --ignore-lease"),
  run("lease timetolive {lease1} --keys", { at: "m2", ...leaseKeys }),
  run("lease timetolive 1234"),
  run("lease grant 9000000001"),
  run("put l/k3 v --lease=1234abcd"),
  run("lease grant 30", { capture: { name: "lease2", pattern: /^lease ([0-9a-f]+) granted/ } }),
  run("lease list", { normalize: [sortOutLines] }),
  run("lease revoke {lease1}"),
  run("get --prefix l"),
  run("lease timetolive {lease1}"),
  run("lease revoke {lease1}"),
  run("lease keep-alive --once {lease1}"),
  // A keep-alive running while its lease is revoked (it learns of it only at its next renewal).
  background("keepalive", "lease keep-alive {lease2}", 700),
  run("lease revoke {lease2}", { at: "m2" }),
  endWatch("keepalive"),
  run("lease grant 0", { capture: { name: "lease4", pattern: /^lease ([0-9a-f]+) granted/ } }),
  run("lease revoke {lease4}", { at: "m3" }),
  // The shortest lease is etcd's minimum TTL; its keys go when it expires.
  run("lease grant 1", { capture: { name: "lease3", pattern: /^lease ([0-9a-f]+) granted/ } }),
  run("put l/short v --lease={lease3}"),
  { kind: "poll", args: ["get", "l/short"], until: (out) => out === "", timeoutMs: 8000 },
  run("get l/short -w json"),
  run("lease timetolive {lease3}"),
];

const compaction: Step[] = [
  run("put k 1 -w json", revision("krev1")),
  run("put k 2 -w json", revision("krev2")),
  run("put k 3 -w json", revision("krev3")),
  run("get k --rev=1000"),
  run("compaction {krev2}"),
  run("get k --rev={krev1}"),
  run("get k --rev={krev2}"),
  run("get k --rev={krev1}", { at: "m2" }),
  run("compaction {krev2}"),
  run("compaction 10"),
  run("compaction 1000"),
  run("compaction --physical {krev3}", { at: "m2" }),
  run("get k --rev={krev3} -w json"),
  run("compaction 0"),
  run("get k -w json"),
  watch("compacted", "k --rev={krev1}"),
  endWatch("compacted"),
  watch("at-compaction", "k --rev={krev3} --prev-kv"),
  endWatch("at-compaction"),
];

const badInput: Step[] = [
  run(["put", "", "v"]),
  run(["get", ""]),
  run(["del", ""]),
  run("put big", { stdin: () => "x".repeat(1600 * 1024) }),
  run("get --prefix a --sort-by=NOPE"),
  run("get k --limit=-1"),
  run("get k --rev=-1"),
  run("put missing --ignore-value"),
  run("put missing v --ignore-lease"),
  run("lease revoke 0"),
  run("lease timetolive 0"),
  // Under the 1.5 MiB request limit: accepted.
  run("put big", { stdin: () => "y".repeat(1024 * 1024) }),
  run("get big --keys-only -w json"),
  run("del big"),
];

const membership: Step[] = [
  run("member list", members),
  run("member list -w table", membersTable),
  run("member list", { at: "m2", ...members }),
  run("member list -w json", membersJson),
  // Duplicate peer URLs are refused while the cluster is healthy...
  run("member add m5 --peer-urls={m1.peerUrl}"),
  run("member add m6 --peer-urls=not-a-url"),
  run("member add m4 --peer-urls={m4.peerUrl}", { capture: { name: "m4", pattern: /^Member +([0-9a-f]+) added/ }, normalize: [sortInitialCluster] }),
  run("member list", members),
  run("endpoint health", { at: "all", normalize: [sortOutLines] }),
  // ... and any voter is refused while a voter (m4, never started) is not connected.
  run("member add m4b --peer-urls={m4.peerUrl}"),
  run("member add m5 --peer-urls={m1.peerUrl}"),
  run("member update {m4} --peer-urls={m5.peerUrl}"),
  run("member list", members),
  run("member update 1234 --peer-urls=http://127.0.0.1:1"),
  run("member promote {m4}"),
  run("member remove {m4}"),
  run("member remove {m4}"),
  run("member remove 1234"),
  run("member add m5 --learner --peer-urls={m5.peerUrl}", { capture: { name: "m5", pattern: /^Member +([0-9a-f]+) added/ }, normalize: [sortInitialCluster] }),
  run("member list", members),
  run("member promote {m5}"),
  run("member promote {m2}"),
  run("member promote 1234"),
  run("member list -w json", membersJson),
  run("member remove {m5}"),
  run("member list -w json", membersJson),
];

const endpoints: Step[] = [
  run("endpoint health", { at: "all", normalize: [sortOutLines] }),
  run("endpoint health --cluster", { normalize: [sortOutLines] }),
  run("endpoint health -w json", { at: "m2" }),
  run("endpoint status", { at: "all", ...status }),
  run("endpoint status -w table", { at: "all", ...status }),
  run("endpoint status -w json", { at: "m3" }),
  run("endpoint status -w fields", { at: "m2" }),
  run("alarm list"),
  run("alarm disarm"),
  run("defrag", { at: "m2" }),
  run("endpoint hashkv -w json", { at: "m1" }),
];

const leadership: Step[] = [
  run("move-leader {m2}", { at: "all" }),
  run("endpoint status", { at: "all", ...status }),
  run("put after-move 1", { at: "m3" }),
  run("move-leader {m2}", { at: "all" }),
  run("move-leader 1234", { at: "all" }),
  run("move-leader {m3}", { at: "m1" }),
  run("move-leader {m1}", { at: "m2" }),
  run("endpoint status -w json", { at: "m1" }),
  run("get --prefix after", { at: "m2" }),
];

// The concurrency recipes: a lock and an election, built on leases, txns and watches.
// An election key is the prefix and the candidate's lease id.
const electionKey: Normalize = (text) => text.replace(/myelection\/[0-9a-f]+/g, "myelection/<lease>");
const recipes: Step[] = [
  run("lock mylock echo locked"),
  background("candidate", "elect myelection p1", 700, undefined, [electionKey]),
  background("observer", "elect --listen myelection", 700, "m3", [electionKey]),
  run("get --prefix myelection --print-value-only"),
  endWatch("candidate"),
  endWatch("observer"),
];

// Followers: writes are forwarded, linearizable reads see every acknowledged write.
const followers: Step[] = [
  run("put f/1 a", { at: "m2" }),
  run("get --prefix f -w json", { at: "m3" }),
  run("txn -w json", { at: "m3", stdin: txn(['value("f/1") = "a"'], ["get f/1", "put f/2 b"], []) }),
  run("get --prefix f --consistency=s --keys-only", { at: "m3" }),
  run("del --prefix f --prev-kv -w json", { at: "m2" }),
  run("member list -w json", { at: "m3", ...membersJson }),
];

export const scenario: Step[] = [...kv, ...watches, ...txns, ...followers, ...leases, ...compaction, ...badInput, ...membership, ...endpoints, ...recipes, ...leadership];
