// kubectl 1.32 and 1.20 (by full path) with a CustomResourceDefinition:
// apply the CRD, wait for Established, apply/get/patch/delete a custom
// resource by plural, singular, short name and kind, printer columns, and
// the 422 an invalid object gets. Each version runs the whole story.
import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { ApiServerProcess, kubectl120, kubectl132 } from "../support/apiserver.ts";
import { greetingCrdYaml } from "../support/greeting-crd.ts";

let api: ApiServerProcess;
before(async () => {
  api = await ApiServerProcess.start("skiff");
});
after(async () => {
  await api?.stop();
});

const greeting = (ns: string, replicas: number, message: string): string => `apiVersion: example.com/v1
kind: Greeting
metadata:
  name: hello
  namespace: ${ns}
spec:
  message: ${message}
  replicas: ${replicas}
`;

for (const [label, bin] of [["1.32", kubectl132], ["1.20", kubectl120]] as const) {
  test(`kubectl ${label}: CRD and custom resources`, async () => {
    const ns = `crd-${label.replace(".", "-")}`;
    const k = (args: string[], input?: string): { status: number; stdout: string; stderr: string } => api.kubectl(bin, args, input);
    const ok = (args: string[], input?: string): string => {
      const r = k(args, input);
      assert.equal(r.status, 0, `kubectl ${args.join(" ")}: ${r.stderr}`);
      return r.stdout;
    };
    ok(["create", "namespace", ns]);
    ok(["apply", "-f", "-"], greetingCrdYaml);
    ok(["wait", "--for", "condition=established", "--timeout=60s", "crd/greetings.example.com"]);
    assert.match(ok(["get", "crd"]), /^NAME\s+CREATED AT\ngreetings\.example\.com\s+\d{4}-\d\d-\d\dT/m);

    assert.match(ok(["apply", "-f", "-"], greeting(ns, 2, "hi")), /greeting\.example\.com\/hello created/);
    assert.match(ok(["get", "greetings", "-n", ns]), /^NAME\s+REPLICAS\s+MESSAGE\s+AGE\nhello\s+2\s+hi\s+\d+s$/m);
    for (const name of ["greeting", "gr", "Greeting", "greetings.example.com"]) assert.match(ok(["get", name, "hello", "-n", ns, "-o", "name"]), /^greeting\.example\.com\/hello$/m);
    // A second apply patches (kubectl sends a JSON merge patch for kinds it has no Go type for).
    assert.match(ok(["apply", "-f", "-"], greeting(ns, 3, "again")), /configured/);
    assert.equal(ok(["get", "greeting", "hello", "-n", ns, "-o", "jsonpath={.spec.replicas} {.spec.message}"]), "3 again");
    ok(["scale", "greeting", "hello", "-n", ns, "--replicas=5"]);
    assert.equal(ok(["get", "gr", "hello", "-n", ns, "-o", "jsonpath={.spec.replicas}"]), "5");
    ok(["label", "greeting", "hello", "-n", ns, "team=a"]);
    assert.match(ok(["get", "greetings", "-n", ns, "-l", "team=a", "-o", "name"]), /greeting\.example\.com\/hello/);

    const invalid = k(["apply", "-f", "-"], greeting(ns, -1, "hi"));
    assert.notEqual(invalid.status, 0);
    assert.match(invalid.stderr, /spec\.replicas: Invalid value: -1: spec\.replicas in body should be greater than or equal to 0/);

    assert.match(ok(["delete", "greeting", "hello", "-n", ns]), /deleted/);
    assert.match(ok(["get", "greetings", "-n", ns]) + k(["get", "greetings", "-n", ns]).stderr, /No resources found/);
    ok(["delete", "crd", "greetings.example.com"]);
    const gone = k(["get", "greetings", "-n", ns]);
    assert.notEqual(gone.status, 0);
    // kubectl still has the kind in its discovery cache, so the list itself gets the 404.
    assert.match(gone.stderr, /the server doesn't have a resource type "greetings"|NotFound.*could not find the requested resource/);
  });
}
