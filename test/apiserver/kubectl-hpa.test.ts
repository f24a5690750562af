// kubectl 1.32 (which sends the HPA as protobuf) and 1.20 (JSON) create
// autoscaling/v1 HorizontalPodAutoscalers with `kubectl autoscale`; `get hpa`
// prints kube's columns; an invalid one is refused with a 422 naming the
// field. No controller runs here: the e2e autoscaling test covers scaling.
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

for (const [label, bin] of [["1.32", kubectl132], ["1.20", kubectl120]] as const) {
  test(`kubectl ${label}: autoscale and get hpa`, () => {
    const ns = `hpa-${label.replace(".", "-")}`;
    const ok = (args: string[]): string => {
      const r = api.kubectl(bin, args);
      assert.equal(r.status, 0, `kubectl ${args.join(" ")}: ${r.stderr}`);
      return r.stdout;
    };
    ok(["create", "namespace", ns]);
    ok(["create", "deployment", "web", "-n", ns, "--image=demo:1"]);
    assert.match(ok(["autoscale", "deployment", "web", "-n", ns, "--min=2", "--max=4", "--cpu-percent=60"]), /horizontalpodautoscaler\.autoscaling\/web autoscaled/);
    assert.match(ok(["get", "hpa", "-n", ns]), /^NAME\s+REFERENCE\s+TARGETS\s+MINPODS\s+MAXPODS\s+REPLICAS\s+AGE\nweb\s+Deployment\/web\s+cpu: <unknown>\/60%\s+2\s+4\s+0\s+\d+s$/m);
    assert.equal(ok(["get", "horizontalpodautoscaler", "web", "-n", ns, "-o", "jsonpath={.spec.scaleTargetRef.kind} {.spec.minReplicas} {.spec.maxReplicas}"]), "Deployment 2 4");
    const bad = api.kubectl(bin, ["autoscale", "deployment", "web", "-n", ns, "--name=bad", "--min=5", "--max=3"]);
    assert.notEqual(bad.status, 0);
    assert.match(bad.stderr, /spec\.maxReplicas: Invalid value: 3: must be greater than or equal to `minReplicas`|max.*min/i);
  });
}

test("an invalid HPA is refused with 422 naming the field", async () => {
  const hpa = { apiVersion: "autoscaling/v1", kind: "HorizontalPodAutoscaler", metadata: { name: "bad" }, spec: { scaleTargetRef: { kind: "Deployment", name: "web" }, minReplicas: 5, maxReplicas: 3 } };
  const r = await api.request("/apis/autoscaling/v1/namespaces/default/horizontalpodautoscalers", { method: "POST", body: JSON.stringify(hpa) });
  assert.equal(r.status, 422, r.body);
  assert.match(String(r.json().message), /spec\.maxReplicas: Invalid value: 3: must be greater than or equal to `minReplicas`/);
  const ok = await api.request("/apis/autoscaling/v1/namespaces/default/horizontalpodautoscalers", { method: "POST", body: JSON.stringify({ ...hpa, metadata: { name: "ok" }, spec: { ...hpa.spec, minReplicas: undefined } }) });
  assert.equal(ok.status, 201, ok.body);
  assert.deepEqual([ok.json().spec, ok.json().status], [{ scaleTargetRef: { kind: "Deployment", name: "web" }, maxReplicas: 3, minReplicas: 1, targetCPUUtilizationPercentage: 80 }, { currentReplicas: 0, desiredReplicas: 0 }]);
});
