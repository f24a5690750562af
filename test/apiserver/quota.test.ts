// ResourceQuota and LimitRange with kubectl 1.32 (and 1.20 for the table):
// a LimitRange fills in container requests and limits, a quota on pods,
// count/configmaps and requests.cpu refuses the create that would go past
// `hard` with kube's 403 message, status.used follows creates and deletes.
import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { ApiServerProcess, kubectl120, kubectl132 } from "../support/apiserver.ts";

let api: ApiServerProcess;
before(async () => {
  api = await ApiServerProcess.start("skiff");
});
after(async () => {
  await api?.stop();
});

const ok = (args: string[], input?: string, bin = kubectl132): string => {
  const r = api.kubectl(bin, args, input);
  assert.equal(r.status, 0, `kubectl ${args.join(" ")}: ${r.stderr}`);
  return r.stdout;
};
const pod = (name: string, cpu?: string): string =>
  JSON.stringify({ apiVersion: "v1", kind: "Pod", metadata: { name }, spec: { containers: [{ name: "c", image: "skiff/demo-app", ...(cpu === undefined ? {} : { resources: { requests: { cpu } } }) }] } });

test("LimitRange defaults and ResourceQuota limits, as kubectl shows them", async () => {
  ok(["create", "namespace", "q"]);
  ok(["-n", "q", "apply", "-f", "-"], JSON.stringify({ apiVersion: "v1", kind: "LimitRange", metadata: { name: "defaults" }, spec: { limits: [{ type: "Container", defaultRequest: { cpu: "100m", memory: "64Mi" }, default: { cpu: "200m", memory: "128Mi" } }] } }));
  ok(["-n", "q", "apply", "-f", "-"], JSON.stringify({ apiVersion: "v1", kind: "ResourceQuota", metadata: { name: "small" }, spec: { hard: { pods: "2", "count/configmaps": "1", "requests.cpu": "1" } } }));
  ok(["-n", "q", "create", "-f", "-"], pod("a"));
  const a = JSON.parse(ok(["-n", "q", "get", "pod", "a", "-o", "json"])) as { spec: { containers: { resources: Record<string, Record<string, string>> }[] } };
  assert.deepEqual(a.spec.containers[0]!.resources, { requests: { cpu: "100m", memory: "64Mi" }, limits: { cpu: "200m", memory: "128Mi" } });
  // A request beyond what is left of requests.cpu (1 - 0.1).
  const greedy = api.kubectl(kubectl132, ["-n", "q", "create", "-f", "-"], pod("greedy", "950m"));
  assert.notEqual(greedy.status, 0);
  assert.match(greedy.stderr, /Error from server \(Forbidden\).*pods "greedy" is forbidden: exceeded quota: small, requested: requests.cpu=950m, used: requests.cpu=100m, limited: requests.cpu=1/);
  ok(["-n", "q", "create", "-f", "-"], pod("b"));
  const third = api.kubectl(kubectl132, ["-n", "q", "create", "-f", "-"], pod("c"));
  assert.notEqual(third.status, 0);
  assert.match(third.stderr, /pods "c" is forbidden: exceeded quota: small, requested: pods=1, used: pods=2, limited: pods=2/);
  ok(["-n", "q", "create", "configmap", "one"]);
  const cm = api.kubectl(kubectl132, ["-n", "q", "create", "configmap", "two"]);
  assert.match(cm.stderr, /configmaps "two" is forbidden: exceeded quota: small, requested: count\/configmaps=1, used: count\/configmaps=1, limited: count\/configmaps=1/);
  const quota = JSON.parse(ok(["-n", "q", "get", "quota", "small", "-o", "json"])) as { status: { used: Record<string, string>; hard: Record<string, string> } };
  assert.deepEqual(quota.status.used, { pods: "2", "count/configmaps": "1", "requests.cpu": "200m" });
  for (const bin of [kubectl132, kubectl120]) {
    const table = ok(["-n", "q", "get", "resourcequota"], undefined, bin);
    assert.match(table, /NAME\s+AGE\s+REQUEST\s+LIMIT/);
    assert.match(table, /small\s+\S+\s+count\/configmaps: 1\/1, pods: 2\/2, requests.cpu: 200m\/1/);
    assert.match(ok(["-n", "q", "get", "limits"], undefined, bin), /NAME\s+CREATED AT\s+AGE\ndefaults\s+\d{4}-/);
  }
  // Deleting a pod frees its share: used goes down, the next create is admitted.
  ok(["-n", "q", "delete", "pod", "b"]);
  const after = JSON.parse(ok(["-n", "q", "get", "quota", "small", "-o", "json"])) as { status: { used: Record<string, string> } };
  assert.equal(after.status.used.pods, "1");
  ok(["-n", "q", "create", "-f", "-"], pod("c"));
});
