// CustomResourceDefinitions over HTTPS on a skiff store, with two apiserver
// processes: validation of the CRD itself, Established, discovery, serving
// (namespaced and cluster scope) on both servers, schema validation with
// kube's 422 messages, pruning and defaults, status and scale subresources,
// patches, printer columns, watch, and deletion of the CRD with its objects.
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { ApiServerProcess } from "../support/apiserver.ts";
import { greetingCrd } from "../support/greeting-crd.ts";

type Obj = Record<string, unknown> & { metadata: Record<string, unknown>; spec?: Record<string, unknown>; status?: Record<string, unknown> };

async function until<T>(what: string, check: () => Promise<T | undefined>): Promise<T> {
  for (let i = 0; i < 600; i++) {
    const v = await check();
    if (v !== undefined) return v;
    await new Promise((r) => setTimeout(r, 100));
  }
  assert.fail(`gave up waiting for ${what}`);
}

const crdPath = "/apis/apiextensions.k8s.io/v1/customresourcedefinitions";
const greetings = "/apis/example.com/v1/namespaces/t/greetings";
const greeting = (name: string, spec: Record<string, unknown>, extra: Record<string, unknown> = {}): string =>
  JSON.stringify({ apiVersion: "example.com/v1", kind: "Greeting", metadata: { name }, spec, ...extra });

describe("custom resources", () => {
  let api: ApiServerProcess;
  let peer: ApiServerProcess;
  before(async () => {
    api = await ApiServerProcess.start("skiff");
    // Started before any CRD exists: it must learn of them from its watch.
    peer = await api.startPeer();
    const ns = await api.request("/api/v1/namespaces", { method: "POST", body: JSON.stringify({ metadata: { name: "t" } }) });
    assert.equal(ns.status, 201, ns.body);
  });
  after(async () => {
    await api?.stop();
  });

  const invalidCauses = async (body: unknown, path = crdPath): Promise<string> => {
    const r = await api.request(path, { method: "POST", body: typeof body === "string" ? body : JSON.stringify(body) });
    assert.equal(r.status, 422, r.body);
    assert.equal(r.json().reason, "Invalid");
    return String(r.json().message);
  };

  test("a CRD is validated", async () => {
    const noSchema = structuredClone(greetingCrd);
    delete (noSchema.spec.versions[0] as { schema?: unknown }).schema;
    assert.match(await invalidCauses(noSchema), /spec\.versions\[0\]\.schema\.openAPIV3Schema: Required value: schemas are required/);
    const twoStorage = structuredClone(greetingCrd);
    twoStorage.spec.versions.push({ ...structuredClone(greetingCrd.spec.versions[0]!), name: "v2" });
    assert.match(await invalidCauses(twoStorage), /spec\.versions: Invalid value: .*must have exactly one version marked as storage version/);
    const badName = { ...structuredClone(greetingCrd), metadata: { name: "hellos.example.com" } };
    assert.match(await invalidCauses(badName), /metadata\.name: Invalid value: "hellos\.example\.com": must be spec\.names\.plural\+"\."\+spec\.group/);
    const noDot = structuredClone(greetingCrd);
    noDot.spec.group = "example";
    noDot.metadata.name = "greetings.example";
    assert.match(await invalidCauses(noDot), /spec\.group: Invalid value: "example": should be a domain with at least one dot/);
  });

  test("creating a CRD serves its resource on every apiserver, with discovery", async () => {
    const r = await api.request(crdPath, { method: "POST", body: JSON.stringify(greetingCrd) });
    assert.equal(r.status, 201, r.body);
    const established = await until("Established", async () => {
      const crd = (await api.request(`${crdPath}/greetings.example.com`)).json() as Obj;
      const conditions = (crd.status?.conditions ?? []) as { type: string; status: string }[];
      return conditions.some((c) => c.type === "Established" && c.status === "True") ? crd : undefined;
    });
    const conditions = (established.status!.conditions as { type: string; status: string }[]).map((c) => `${c.type}=${c.status}`).sort();
    assert.deepEqual(conditions, ["Established=True", "NamesAccepted=True"]);
    assert.deepEqual((established.status!.acceptedNames as { kind: string }).kind, "Greeting");
    for (const server of [api, peer]) {
      const groups = (await until("the group in /apis", async () => {
        const g = (await server.request("/apis")).json().groups as { name: string }[];
        return g.some((x) => x.name === "example.com") ? g : undefined;
      })).map((g) => g.name);
      assert.ok(groups.includes("apiextensions.k8s.io"));
      const resources = (await server.request("/apis/example.com/v1")).json().resources as { name: string; singularName: string; kind: string; namespaced: boolean; shortNames?: string[] }[];
      const main = resources.find((x) => x.name === "greetings")!;
      assert.deepEqual([main.singularName, main.kind, main.namespaced, main.shortNames], ["greeting", "Greeting", true, ["gr"]]);
      assert.deepEqual(resources.map((x) => x.name).sort(), ["greetings", "greetings/scale", "greetings/status"]);
    }
    // Written through the peer, read through the first server.
    const created = await peer.request(greetings, { method: "POST", body: greeting("from-peer", { message: "hi" }) });
    assert.equal(created.status, 201, created.body);
    assert.equal((await api.request(`${greetings}/from-peer`)).status, 200);
  });

  test("a CRD whose names another CRD of the group holds is not served", async () => {
    const clash = structuredClone(greetingCrd);
    clash.metadata.name = "salutations.example.com";
    clash.spec.names = { plural: "salutations", singular: "salutation", kind: "Greeting", shortNames: ["sal"] };
    assert.equal((await api.request(crdPath, { method: "POST", body: JSON.stringify(clash) })).status, 201);
    const conditions = await until("NamesAccepted=False", async () => {
      const crd = (await api.request(`${crdPath}/salutations.example.com`)).json() as Obj;
      const c = (crd.status?.conditions ?? []) as { type: string; status: string; reason: string; message: string }[];
      return c.some((x) => x.type === "NamesAccepted" && x.status === "False") ? c : undefined;
    });
    const names = conditions.find((c) => c.type === "NamesAccepted")!;
    assert.deepEqual([names.reason, names.message], ["KindConflict", '"Greeting" is already in use']);
    assert.equal(conditions.find((c) => c.type === "Established")?.status, "False");
    assert.equal((await api.request("/apis/example.com/v1/namespaces/t/salutations")).status, 404);
    assert.equal((await api.request(`${crdPath}/salutations.example.com`, { method: "DELETE" })).status, 200);
    // Deleting the refused CRD leaves the served kind and its objects alone.
    assert.equal((await api.request(`${greetings}/from-peer`)).status, 200);
  });

  test("schema: defaults, pruning, strict field validation", async () => {
    const r = await api.request(greetings, { method: "POST", body: greeting("pruned", { message: "hello", bogus: 1, extra: { anything: { goes: true } } }, { surplus: "x" }) });
    assert.equal(r.status, 201, r.body);
    const obj = r.json() as Obj;
    assert.deepEqual(obj.spec, { message: "hello", replicas: 1, extra: { anything: { goes: true } } });
    assert.equal(obj.surplus, undefined);
    assert.equal((obj.metadata as { generation?: number }).generation, 1);
    const strict = await api.request(`${greetings}?fieldValidation=Strict`, { method: "POST", body: greeting("strict", { message: "hello", bogus: 1 }) });
    assert.equal(strict.status, 400, strict.body);
    assert.match(String(strict.json().message), /unknown field "spec\.bogus"/);
  });

  test("schema: invalid objects are refused with 422 naming the field", async () => {
    const cases: [Record<string, unknown>, RegExp][] = [
      [{ message: "hi", replicas: -1 }, /spec\.replicas: Invalid value: -1: spec\.replicas in body should be greater than or equal to 0/],
      [{ message: "hi", replicas: 11 }, /spec\.replicas: Invalid value: 11: spec\.replicas in body should be less than or equal to 10/],
      [{ message: "hi", replicas: "two" }, /spec\.replicas: Invalid value: "string": spec\.replicas in body must be of type integer: "string"/],
      [{ replicas: 1 }, /spec\.message: Required value/],
      [{ message: "" }, /spec\.message: Invalid value: "": spec\.message in body should be at least 1 chars long/],
      [{ message: "hi", color: "pink" }, /spec\.color: Unsupported value: "pink": supported values: "red", "blue"/],
      [{ message: "hi", code: "A1" }, /spec\.code: Invalid value: "A1": spec\.code in body should match '\^\[a-z\]\+\$'/],
      [{ message: "hi", tags: ["a", "b", "c", "d"] }, /spec\.tags: Invalid value: 4: spec\.tags in body should have at most 3 items/],
      [{ message: "hi", tags: [1] }, /spec\.tags\[0\]: Invalid value: "integer": spec\.tags\[0\] in body must be of type string: "integer"/],
    ];
    for (const [spec, expected] of cases) {
      const message = await invalidCauses(greeting("bad", spec), greetings);
      assert.match(message, /^Greeting\.example\.com "bad" is invalid: /);
      assert.match(message, expected);
    }
    assert.equal((await api.request(`${greetings}/bad`)).status, 404);
  });

  test("status subresource, scale, patches", async () => {
    const path = `${greetings}/sub`;
    assert.equal((await api.request(greetings, { method: "POST", body: greeting("sub", { message: "a" }, { status: { readyReplicas: 9 } }) })).status, 201);
    let obj = (await api.request(path)).json() as Obj;
    assert.equal(obj.status, undefined, "status is ignored on create");
    const st = await api.request(`${path}/status`, { method: "PUT", body: JSON.stringify({ ...obj, spec: { message: "changed" }, status: { readyReplicas: 1 } }) });
    assert.equal(st.status, 200, st.body);
    obj = st.json() as Obj;
    assert.deepEqual([obj.spec!.message, obj.status!.readyReplicas], ["a", 1], "the status write changes only status");
    const put = await api.request(path, { method: "PUT", body: JSON.stringify({ ...obj, spec: { message: "b" }, status: { readyReplicas: 5 } }) });
    obj = put.json() as Obj;
    assert.deepEqual([obj.spec!.message, obj.status!.readyReplicas, (obj.metadata as { generation: number }).generation], ["b", 1, 2]);
    const merge = await api.request(path, { method: "PATCH", contentType: "application/merge-patch+json", body: JSON.stringify({ spec: { replicas: 3 } }) });
    assert.equal((merge.json() as Obj).spec!.replicas, 3, merge.body);
    const jsonPatch = await api.request(path, { method: "PATCH", contentType: "application/json-patch+json", body: JSON.stringify([{ op: "replace", path: "/spec/message", value: "c" }]) });
    assert.equal((jsonPatch.json() as Obj).spec!.message, "c", jsonPatch.body);
    const badPatch = await api.request(path, { method: "PATCH", contentType: "application/merge-patch+json", body: JSON.stringify({ spec: { replicas: -5 } }) });
    assert.equal(badPatch.status, 422, badPatch.body);
    const smp = await api.request(path, { method: "PATCH", contentType: "application/strategic-merge-patch+json", body: JSON.stringify({ spec: { replicas: 2 } }) });
    assert.equal(smp.status, 415, smp.body);
    const scale = (await api.request(`${path}/scale`)).json() as Obj;
    assert.deepEqual([scale.kind, scale.spec!.replicas, scale.status!.replicas], ["Scale", 3, 1]);
    const scaled = await api.request(`${path}/scale`, { method: "PATCH", contentType: "application/merge-patch+json", body: JSON.stringify({ spec: { replicas: 4 } }) });
    assert.equal(scaled.status, 200, scaled.body);
    assert.equal(((await api.request(path)).json() as Obj).spec!.replicas, 4);
  });

  test("printer columns in Table output", async () => {
    const table = (await api.request(`${greetings}/sub`, { accept: "application/json;as=Table;v=v1;g=meta.k8s.io,application/json" })).json();
    const names = (table.columnDefinitions as { name: string }[]).map((c) => c.name);
    assert.deepEqual(names, ["Name", "Replicas", "Message", "Age"]);
    const cells = (table.rows as { cells: unknown[] }[])[0]!.cells;
    assert.deepEqual(cells.slice(0, 3), ["sub", 4, "c"]);
    assert.match(String(cells[3]), /^\d+s$/);
    const crds = (await api.request(crdPath, { accept: "application/json;as=Table;v=v1;g=meta.k8s.io,application/json" })).json();
    assert.deepEqual((crds.columnDefinitions as { name: string }[]).map((c) => c.name), ["Name", "Created At"]);
  });

  test("cluster-scoped CRD, watch, and deleting a CRD deletes its objects", async () => {
    const widgets = {
      apiVersion: "apiextensions.k8s.io/v1",
      kind: "CustomResourceDefinition",
      metadata: { name: "widgets.example.org" },
      spec: {
        group: "example.org",
        names: { plural: "widgets", kind: "Widget" },
        scope: "Cluster",
        versions: [{ name: "v1alpha1", served: true, storage: true, schema: { openAPIV3Schema: { type: "object", "x-kubernetes-preserve-unknown-fields": true } } }],
      },
    };
    assert.equal((await api.request(crdPath, { method: "POST", body: JSON.stringify(widgets) })).status, 201);
    const path = "/apis/example.org/v1alpha1/widgets";
    await until("widgets served", async () => ((await api.request(path)).status === 200 ? true : undefined));
    const w = api.watch(`${path}?watch=true`);
    try {
      assert.equal(await w.status, 200);
      const r = await api.request(path, { method: "POST", body: JSON.stringify({ apiVersion: "example.org/v1alpha1", kind: "Widget", metadata: { name: "w1" }, anything: { goes: [1, 2] } }) });
      assert.equal(r.status, 201, r.body);
      assert.deepEqual((r.json() as Obj).anything, { goes: [1, 2] });
      assert.equal((await api.request("/apis/example.org/v1alpha1/namespaces/t/widgets/w1")).status, 404, "no namespaced path for a cluster-scoped kind");
      await until("ADDED", async () => (w.events.some((e) => e.type === "ADDED" && (e.object.metadata as { name: string }).name === "w1") ? true : undefined));
      assert.equal((await api.request(`${crdPath}/widgets.example.org`, { method: "DELETE" })).status, 200);
      await until("DELETED", async () => (w.events.some((e) => e.type === "DELETED") ? true : undefined));
    } finally {
      w.stop();
    }
    for (const server of [api, peer]) await until("widgets no longer served", async () => ((await server.request(path)).status === 404 ? true : undefined));
    // Defined again, the kind starts empty.
    assert.equal((await api.request(crdPath, { method: "POST", body: JSON.stringify(widgets) })).status, 201);
    const list = await until("widgets served again", async () => {
      const r = await api.request(path);
      return r.status === 200 ? r.json() : undefined;
    });
    assert.deepEqual(list.items, []);
  });
});
