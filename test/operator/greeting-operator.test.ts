// The example operator against skiff apiserver: it reconciles a Greeting's
// ConfigMap and status on create, on update, when its ConfigMap is deleted
// behind its back, and removes the ConfigMap when the Greeting goes.
import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { KubeConfig } from "@kubernetes/client-node";
import { ApiServerProcess } from "../support/apiserver.ts";
import { greetingCrd } from "../support/greeting-crd.ts";
import { GreetingOperator } from "./greeting-operator.ts";

let api: ApiServerProcess;
let operator: GreetingOperator | undefined;
before(async () => {
  api = await ApiServerProcess.start("skiff");
});
after(async () => {
  await operator?.stop();
  await api?.stop();
});

async function until<T>(what: string, check: () => Promise<T | undefined>): Promise<T> {
  for (let i = 0; i < 600; i++) {
    const v = await check();
    if (v !== undefined) return v;
    await new Promise((r) => setTimeout(r, 100));
  }
  assert.fail(`gave up waiting for ${what}`);
}

const greeting = "/apis/example.com/v1/namespaces/op/greetings/hello";
const configMap = "/api/v1/namespaces/op/configmaps/hello-greeting";

async function configMapText(): Promise<string | undefined> {
  const r = await api.request(configMap);
  return r.status === 200 ? String((r.json().data as Record<string, string>)["greeting.txt"]) : undefined;
}

test("the Greeting operator reconciles create, update, a lost ConfigMap and delete", async () => {
  assert.equal((await api.request("/api/v1/namespaces", { method: "POST", body: JSON.stringify({ metadata: { name: "op" } }) })).status, 201);
  assert.equal((await api.request("/apis/apiextensions.k8s.io/v1/customresourcedefinitions", { method: "POST", body: JSON.stringify(greetingCrd) })).status, 201);
  await until("Greetings served", async () => ((await api.request("/apis/example.com/v1/greetings")).status === 200 ? true : undefined));
  const kc = new KubeConfig();
  kc.loadFromFile(api.kubeconfig);
  operator = new GreetingOperator(kc);
  await operator.start();

  const body = { apiVersion: "example.com/v1", kind: "Greeting", metadata: { name: "hello" }, spec: { message: "hi", replicas: 2 } };
  assert.equal((await api.request("/apis/example.com/v1/namespaces/op/greetings", { method: "POST", body: JSON.stringify(body) })).status, 201);
  await until("the ConfigMap", async () => ((await configMapText()) === "hi\nhi\n" ? true : undefined));
  const cm = (await api.request(configMap)).json() as { metadata: { ownerReferences: { kind: string; name: string }[] } };
  assert.deepEqual(cm.metadata.ownerReferences.map((o) => `${o.kind}/${o.name}`), ["Greeting/hello"]);
  const status = async (): Promise<Record<string, unknown> | undefined> => (await api.request(greeting)).json().status as Record<string, unknown> | undefined;
  await until("status for generation 1", async () => ((await status())?.observedGeneration === 1 ? true : undefined));
  assert.equal((await status())!.readyReplicas, 2);

  const patched = await api.request(greeting, { method: "PATCH", contentType: "application/merge-patch+json", body: JSON.stringify({ spec: { replicas: 3, message: "hey" } }) });
  assert.equal(patched.status, 200, patched.body);
  await until("the updated ConfigMap", async () => ((await configMapText()) === "hey\nhey\nhey\n" ? true : undefined));
  await until("status for generation 2", async () => ((await status())?.observedGeneration === 2 ? true : undefined));
  assert.equal((await status())!.readyReplicas, 3);

  assert.equal((await api.request(configMap, { method: "DELETE" })).status, 200);
  await until("the ConfigMap back", async () => ((await configMapText()) === "hey\nhey\nhey\n" ? true : undefined));

  assert.equal((await api.request(greeting, { method: "DELETE" })).status, 200);
  await until("the ConfigMap gone", async () => ((await api.request(configMap)).status === 404 ? true : undefined));
});
