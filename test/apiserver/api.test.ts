// The API suite over HTTPS, run on a 3-member skiff store and on a 3-member
// etcd 3.4: authentication, discovery, object semantics, selectors, paging,
// watch (resume, bookmarks, 410 after compaction), errors as Status objects,
// patches, subresources, finalizers and Service allocation.
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { ApiServerProcess } from "../support/apiserver.ts";
import { sample } from "../support/metrics.ts";
import { etcdctl, type StoreKind } from "../support/store-cluster.ts";

type Obj = { metadata: Record<string, unknown> & { name: string; resourceVersion: string }; [k: string]: unknown };

async function until(what: string, check: () => boolean): Promise<void> {
  for (let i = 0; i < 300; i++) {
    if (check()) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  assert.fail(`gave up waiting for ${what}`);
}

for (const kind of ["skiff", "etcd"] as StoreKind[]) {
  describe(`API on ${kind}`, () => {
    let api: ApiServerProcess;
    before(async () => {
      api = await ApiServerProcess.start(kind);
      const ns = await api.request("/api/v1/namespaces", { method: "POST", body: JSON.stringify({ metadata: { name: "t" } }) });
      assert.equal(ns.status, 201, ns.body);
    });
    after(async () => {
      await api?.stop();
    });

    const post = async (path: string, obj: unknown, query = ""): Promise<Obj> => {
      const r = await api.request(`${path}${query}`, { method: "POST", body: JSON.stringify(obj) });
      assert.equal(r.status, 201, r.body);
      return r.json() as Obj;
    };
    const cm = (name: string, labels: Record<string, string> = {}, data: Record<string, string> = {}): unknown => ({ apiVersion: "v1", kind: "ConfigMap", metadata: { name, labels }, data });
    const expectStatus = (r: { status: number; json(): Record<string, unknown> }, code: number, reason: string): Record<string, unknown> => {
      assert.equal(r.status, code);
      const s = r.json();
      assert.equal(s.kind, "Status");
      assert.equal(s.code, code);
      assert.equal(s.reason, reason);
      return s;
    };

    test("authentication and the minimal authorizer", async () => {
      expectStatus(await api.request("/api/v1/namespaces", { as: "none" }), 401, "Unauthorized");
      assert.equal((await api.request("/api/v1/namespaces", { as: "none", clientCert: api.adminCredentials() })).status, 200);
      expectStatus(await api.request("/api/v1/namespaces", { as: "none", clientCert: api.foreignCredentials() }), 401, "Unauthorized");
      expectStatus(await api.request("/api/v1/namespaces", { token: "not-a-token" }), 401, "Unauthorized");
      // As in kube-apiserver's chain, a certificate from the CA is tried before the token.
      assert.equal((await api.request("/api/v1/namespaces", { token: "not-a-token", clientCert: api.adminCredentials() })).status, 200);
      assert.equal((await api.request("/version", { as: "none" })).status, 200);
      assert.equal((await api.request("/healthz", { as: "none" })).body, "ok");
      assert.equal((await api.request("/livez", { as: "none" })).status, 200);
      assert.equal((await api.request("/readyz", { as: "none" })).status, 200);
      assert.equal((await api.request("/api/v1/namespaces", { as: "viewer" })).status, 200);
      const denied = expectStatus(await api.request("/api/v1/namespaces/t/configmaps", { as: "viewer", method: "POST", body: JSON.stringify(cm("x")) }), 403, "Forbidden");
      assert.match(String(denied.message), /User "skiff-viewer" cannot create resource "configmaps" in API group "" in the namespace "t"/);
    });

    test("discovery, OpenAPI and metrics", async () => {
      assert.deepEqual((await api.request("/api")).json().versions, ["v1"]);
      const groups = (await api.request("/apis")).json().groups as { name: string; versions: { version: string }[] }[];
      assert.deepEqual(groups.map((g) => g.name), ["apps", "batch", "coordination.k8s.io", "policy", "storage.k8s.io", "apiextensions.k8s.io", "autoscaling", "metrics.k8s.io", "networking.k8s.io"]);
      assert.deepEqual(groups.find((g) => g.name === "batch")!.versions.map((v) => v.version), ["v1", "v1beta1"]);
      const core = (await api.request("/api/v1")).json().resources as { name: string; shortNames?: string[]; categories?: string[]; verbs: string[] }[];
      const pods = core.find((r) => r.name === "pods")!;
      assert.deepEqual(pods.shortNames, ["po"]);
      assert.deepEqual(pods.categories, ["all"]);
      assert.ok(pods.verbs.includes("watch"));
      for (const sub of ["pods/status", "pods/binding", "pods/eviction", "namespaces/finalize", "nodes/status", "services/status"]) assert.ok(core.some((r) => r.name === sub), sub);
      const apps = (await api.request("/apis/apps/v1")).json().resources as { name: string; kind: string }[];
      assert.equal(apps.find((r) => r.name === "deployments/scale")?.kind, "Scale");
      const v2 = await api.request("/openapi/v2", { accept: "application/com.github.proto-openapi.spec.v2@v1.0+protobuf" });
      assert.equal(v2.status, 200);
      assert.equal(v2.headers["content-type"], "application/octet-stream");
      assert.equal(v2.body, "");
      assert.equal((await api.request("/openapi/v3")).status, 404);
      expectStatus(await api.request("/api/v1/frobs"), 404, "NotFound");
      expectStatus(await api.request("/apis/nope/v1"), 404, "NotFound");
      // Leases: a resource no other test here watches (a watch starts its cache).
      const w = api.watch("/apis/coordination.k8s.io/v1/namespaces/t/leases?watch=true");
      try {
        assert.equal(await w.status, 200);
        const metrics = (await api.request("/metrics")).body;
        assert.match(metrics, /^# TYPE apiserver_request_total counter$/m);
        assert.match(metrics, /^apiserver_request_total\{verb="list",resource="namespaces",code="200"\} \d+$/m);
        assert.match(metrics, /^apiserver_request_total\{verb="get",resource="frobs",code="404"\} \d+$|^apiserver_request_total\{verb="get",resource="",code="404"\} \d+$/m);
        assert.match(metrics, /^# TYPE apiserver_request_duration_seconds histogram$/m);
        assert.ok(sample(metrics, "apiserver_request_duration_seconds_bucket", { verb: "list", resource: "namespaces", le: "+Inf" }) >= 1, metrics);
        assert.ok(sample(metrics, "apiserver_request_duration_seconds_count", { verb: "list", resource: "namespaces" }) >= 1, metrics);
        assert.ok(sample(metrics, "apiserver_request_duration_seconds_sum", { verb: "list", resource: "namespaces" }) >= 0, metrics);
        assert.match(metrics, /^apiserver_registered_watchers [1-9]\d*$/m, "the open watch is counted");
        assert.match(metrics, /^skiff_apiserver_store_watches [1-9]\d*$/m);
      } finally {
        w.stop();
      }
    });

    test("create: server-set metadata, generateName, namespaces must exist, AlreadyExists", async () => {
      const created = await post("/api/v1/namespaces/t/configmaps", { metadata: { generateName: "gen-" }, data: { a: "1" } });
      assert.match(created.metadata.name, /^gen-[a-z0-9]{5}$/);
      assert.match(String(created.metadata.uid), /^[0-9a-f-]{36}$/);
      assert.match(String(created.metadata.creationTimestamp), /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
      assert.equal(created.metadata.namespace, "t");
      assert.ok(Number(created.metadata.resourceVersion) > 0);
      const got = (await api.request(`/api/v1/namespaces/t/configmaps/${created.metadata.name}`)).json() as Obj;
      assert.deepEqual(got, created);
      expectStatus(await api.request("/api/v1/namespaces/missing/configmaps", { method: "POST", body: JSON.stringify(cm("x")) }), 404, "NotFound");
      await post("/api/v1/namespaces/t/configmaps", cm("once"));
      const dup = expectStatus(await api.request("/api/v1/namespaces/t/configmaps", { method: "POST", body: JSON.stringify(cm("once")) }), 409, "AlreadyExists");
      assert.deepEqual(dup.details, { name: "once", kind: "configmaps", group: "" });
      expectStatus(await api.request("/api/v1/namespaces/t/configmaps/nope"), 404, "NotFound");
    });

    test("bad input: malformed JSON and YAML, wrong content type, too large, strict fields, 422 causes", async () => {
      const path = "/api/v1/namespaces/t/configmaps";
      expectStatus(await api.request(path, { method: "POST", body: "{not json" }), 400, "BadRequest");
      expectStatus(await api.request(`${path}?dryRun=All`, { method: "POST", body: JSON.stringify(cm("dry")) }), 400, "BadRequest");
      expectStatus(await api.request(`${path}/dry`), 404, "NotFound");
      for (const body of ['{"metadata":{"name":123}}', '{"metadata":"x"}', '{"metadata":{"name":"l","labels":{"a":1}}}', '{"metadata":{"name":"f","finalizers":"x"}}', "[1,2]", "null", '"s"']) {
        expectStatus(await api.request(path, { method: "POST", body }), 400, "BadRequest");
      }
      expectStatus(await api.request(path, { method: "POST", body: "a: [b", contentType: "application/yaml" }), 400, "BadRequest");
      assert.equal((await api.request(path, { method: "POST", body: "metadata: {name: from-yaml}\ndata: {a: b}\n", contentType: "application/yaml" })).status, 201);
      expectStatus(await api.request(path, { method: "POST", body: JSON.stringify(cm("p")), contentType: "text/plain" }), 415, "UnsupportedMediaType");
      expectStatus(await api.request(path, { method: "POST", body: Buffer.alloc(3 * 1024 * 1024 + 10, 32) }), 413, "RequestEntityTooLarge");
      const strict = expectStatus(await api.request(`${path}?fieldValidation=Strict`, { method: "POST", body: '{"metadata":{"name":"s1","bogus":1},"data":{},"data":{"a":"b"}}' }), 400, "BadRequest");
      assert.match(String(strict.message), /strict decoding error: unknown field "metadata.bogus", duplicate field "data"/);
      const warn = await api.request(`${path}?fieldValidation=Warn`, { method: "POST", body: '{"metadata":{"name":"w1"},"extra":true}' });
      assert.equal(warn.status, 201);
      assert.equal(warn.headers.warning, '299 - "unknown field \\"extra\\""');
      assert.equal("extra" in warn.json(), false);
      const ignored = await api.request(path, { method: "POST", body: '{"metadata":{"name":"i1"},"extra":true}' });
      assert.equal(ignored.status, 201);
      assert.equal("extra" in ignored.json(), false);
      const invalid = expectStatus(
        await api.request("/api/v1/namespaces/t/services", { method: "POST", body: JSON.stringify({ metadata: { name: "Bad" }, spec: { ports: [{ port: 0 }], type: "Weird" } }) }),
        422,
        "Invalid",
      );
      const causes = (invalid.details as { causes: { field: string; reason: string }[] }).causes;
      assert.deepEqual(causes.map((c) => c.field).sort(), ["metadata.name", "spec.ports[0].port", "spec.ports[0].targetPort", "spec.type"]);
    });

    test("defaults and 422 causes as Kubernetes: Service type and affinity, pull policy, restart policy, grace; labels, port names, selector vs template; ownerReferences kept", async () => {
      const svc = await post("/api/v1/namespaces/t/services", { metadata: { name: "defaults" }, spec: { ports: [{ port: 80 }] } });
      const svcSpec = svc.spec as { type: string; sessionAffinity: string; ports: { protocol: string; targetPort: number }[] };
      assert.deepEqual([svcSpec.type, svcSpec.sessionAffinity, svcSpec.ports[0]!.protocol, svcSpec.ports[0]!.targetPort], ["ClusterIP", "None", "TCP", 80]);
      const owner = { apiVersion: "apps/v1", kind: "ReplicaSet", name: "rs", uid: "0b6f3c4e-0000-4000-8000-000000000001", controller: true, blockOwnerDeletion: true };
      const pod = await post("/api/v1/namespaces/t/pods", { metadata: { name: "defaults", ownerReferences: [owner] }, spec: { containers: [{ name: "a", image: "x:1" }, { name: "b", image: "y" }, { name: "c", image: "z:latest" }] } });
      const podSpec = pod.spec as { restartPolicy: string; terminationGracePeriodSeconds: number; dnsPolicy: string; containers: { imagePullPolicy: string }[] };
      assert.deepEqual(podSpec.containers.map((c) => c.imagePullPolicy), ["IfNotPresent", "Always", "Always"]);
      assert.deepEqual([podSpec.restartPolicy, podSpec.terminationGracePeriodSeconds, podSpec.dnsPolicy], ["Always", 30, "ClusterFirst"]);
      assert.deepEqual(((await api.request("/api/v1/namespaces/t/pods/defaults")).json() as Obj).metadata.ownerReferences, [owner]);
      const causesOf = async (path: string, obj: unknown): Promise<string[]> => {
        const s = expectStatus(await api.request(path, { method: "POST", body: JSON.stringify(obj) }), 422, "Invalid");
        return (s.details as { causes: { field: string; reason: string }[] }).causes.map((c) => `${c.field} ${c.reason}`);
      };
      assert.deepEqual(await causesOf("/api/v1/namespaces/t/pods", { metadata: { name: "bad", labels: { a: "bad value!" } }, spec: { containers: [{ name: "c", image: "x", ports: [{ name: "http", containerPort: 80 }, { name: "http", containerPort: 81 }] }] } }), [
        "metadata.labels FieldValueInvalid",
        "spec.containers[0].ports[1].name FieldValueDuplicate",
      ]);
      const template = { metadata: { labels: { a: "c" } }, spec: { containers: [{ name: "c", image: "x" }] } };
      assert.deepEqual(await causesOf("/apis/apps/v1/namespaces/t/deployments", { metadata: { name: "mismatch" }, spec: { selector: { matchLabels: { a: "b" } }, template } }), ["spec.template.metadata.labels FieldValueInvalid"]);
      assert.deepEqual(await causesOf("/apis/apps/v1/namespaces/t/deployments", { metadata: { name: "noselector" }, spec: { template } }), ["spec.selector FieldValueRequired"]);
    });

    test("update: resourceVersion is the store revision, stale writes conflict, generation moves with spec only", async () => {
      const d = await post("/apis/apps/v1/namespaces/t/deployments", {
        metadata: { name: "d1" },
        spec: { selector: { matchLabels: { a: "b" } }, template: { metadata: { labels: { a: "b" } }, spec: { containers: [{ name: "c", image: "x" }] } } },
      });
      assert.equal(d.metadata.generation, 1);
      assert.equal((d.spec as { replicas: number }).replicas, 1);
      assert.equal((d.spec as { strategy: { type: string } }).strategy.type, "RollingUpdate");
      const labelled = structuredClone(d);
      labelled.metadata.labels = { x: "y" };
      const u1 = await api.request("/apis/apps/v1/namespaces/t/deployments/d1", { method: "PUT", body: JSON.stringify(labelled) });
      assert.equal(u1.status, 200, u1.body);
      const after1 = u1.json() as Obj;
      assert.equal(after1.metadata.generation, 1);
      assert.ok(Number(after1.metadata.resourceVersion) > Number(d.metadata.resourceVersion));
      const stale = await api.request("/apis/apps/v1/namespaces/t/deployments/d1", { method: "PUT", body: JSON.stringify(labelled) });
      assert.match(String(expectStatus(stale, 409, "Conflict").message), /the object has been modified/);
      const scaled = structuredClone(after1);
      (scaled.spec as { replicas: number }).replicas = 3;
      scaled.status = { replicas: 99 };
      const u2 = (await api.request("/apis/apps/v1/namespaces/t/deployments/d1", { method: "PUT", body: JSON.stringify(scaled) })).json() as Obj;
      assert.equal(u2.metadata.generation, 2);
      assert.equal(u2.status, undefined, "status is written only through the status subresource");
      const st = await api.request("/apis/apps/v1/namespaces/t/deployments/d1/status", { method: "PUT", body: JSON.stringify({ ...u2, status: { replicas: 3 }, spec: { replicas: 7 } }) });
      assert.equal(st.status, 200, st.body);
      assert.deepEqual((st.json() as Obj).status, { replicas: 3 });
      assert.equal(((st.json() as Obj).spec as { replicas: number }).replicas, 3);
      const scale = (await api.request("/apis/apps/v1/namespaces/t/deployments/d1/scale")).json();
      assert.deepEqual([scale.kind, (scale.spec as { replicas: number }).replicas, (scale.status as { selector: string }).selector], ["Scale", 3, "a=b"]);
      const patched = await api.request("/apis/apps/v1/namespaces/t/deployments/d1/scale", { method: "PATCH", body: '{"spec":{"replicas":5}}', contentType: "application/merge-patch+json" });
      assert.equal((patched.json().spec as { replicas: number }).replicas, 5);
    });

    test("a pod's spec is immutable but for images, added tolerations, activeDeadlineSeconds and binding", async () => {
      const path = "/api/v1/namespaces/t/pods/frozen";
      await post("/api/v1/namespaces/t/pods", { metadata: { name: "frozen" }, spec: { containers: [{ name: "c", image: "x:1" }] } });
      const current = (await api.request(path)).json() as Obj & { spec: { restartPolicy: string; containers: { image: string }[] } };
      const changed = structuredClone(current);
      changed.spec.restartPolicy = "Never";
      const refused = expectStatus(await api.request(path, { method: "PUT", body: JSON.stringify(changed) }), 422, "Invalid");
      assert.match(String(refused.message), /^Pod "frozen" is invalid: spec: Forbidden: pod updates may not change fields other than `spec\.containers\[\*\]\.image`/);
      assert.deepEqual((refused.details as { causes: { reason: string; field: string }[] }).causes.map((c) => [c.reason, c.field]), [["FieldValueForbidden", "spec"]]);
      expectStatus(await api.request(path, { method: "PATCH", body: '{"spec":{"containers":[{"name":"c","env":[{"name":"E","value":"1"}]}]}}', contentType: "application/strategic-merge-patch+json" }), 422, "Invalid");
      // Tolerations are replaced as a whole by a patch (no merge key), so the new
      // list keeps those the API server added at create (DefaultTolerationSeconds).
      const tolerations = [...((current.spec as { tolerations?: unknown[] }).tolerations ?? []), { key: "k", operator: "Exists" }];
      const body = JSON.stringify({ spec: { containers: [{ name: "c", image: "x:2" }], activeDeadlineSeconds: 60, tolerations } });
      const image = await api.request(path, { method: "PATCH", body, contentType: "application/strategic-merge-patch+json" });
      assert.equal(image.status, 200, image.body);
      assert.equal((image.json() as typeof current).spec.containers[0]!.image, "x:2");
      const labelled = await api.request(path, { method: "PATCH", body: '{"metadata":{"labels":{"a":"b"}}}', contentType: "application/merge-patch+json" });
      assert.equal(labelled.status, 200, labelled.body);
      const bound = await api.request(`${path}/binding`, { method: "POST", body: JSON.stringify({ target: { name: "n1" } }) });
      assert.equal(bound.status, 201, bound.body);
      expectStatus(await api.request(path, { method: "PATCH", body: '{"spec":{"nodeName":"n2"}}', contentType: "application/merge-patch+json" }), 422, "Invalid");
    });

    test("patch: merge, JSON and strategic; bad patches are 400; unsupported patch types 415", async () => {
      await post("/api/v1/namespaces/t/pods", { metadata: { name: "pp", labels: { a: "1" } }, spec: { containers: [{ name: "c", image: "x", env: [{ name: "E", value: "1" }] }, { name: "d", image: "y" }] } });
      const path = "/api/v1/namespaces/t/pods/pp";
      const merge = await api.request(path, { method: "PATCH", body: '{"metadata":{"labels":{"a":null,"b":"2"}}}', contentType: "application/merge-patch+json" });
      assert.deepEqual((merge.json() as Obj).metadata.labels, { b: "2" });
      const json = await api.request(path, { method: "PATCH", body: '[{"op":"replace","path":"/spec/containers/1/image","value":"z"}]', contentType: "application/json-patch+json" });
      assert.equal(((json.json() as Obj).spec as { containers: { image: string }[] }).containers[1]!.image, "z");
      const smp = await api.request(path, { method: "PATCH", body: '{"spec":{"containers":[{"name":"c","image":"x2"}]}}', contentType: "application/strategic-merge-patch+json" });
      const containers = ((smp.json() as Obj).spec as { containers: { name: string; image: string; env?: unknown[] }[] }).containers;
      assert.deepEqual(containers.map((c) => [c.name, c.image]), [["c", "x2"], ["d", "z"]]);
      assert.equal(containers[0]!.env!.length, 1);
      expectStatus(await api.request(path, { method: "PATCH", body: '[{"op":"test","path":"/metadata/name","value":"other"}]', contentType: "application/json-patch+json" }), 400, "BadRequest");
      expectStatus(await api.request(path, { method: "PATCH", body: '{"spec":{"containers":[{"image":"nokey"}]}}', contentType: "application/strategic-merge-patch+json" }), 400, "BadRequest");
      expectStatus(await api.request(path, { method: "PATCH", body: "{}", contentType: "application/apply-patch+yaml" }), 415, "UnsupportedMediaType");
      const pinned = await api.request(path, { method: "PATCH", body: '{"metadata":{"resourceVersion":"1","labels":{"c":"3"}}}', contentType: "application/merge-patch+json" });
      expectStatus(pinned, 409, "Conflict");
      const bound = await api.request(`${path}/binding`, { method: "POST", body: JSON.stringify({ apiVersion: "v1", kind: "Binding", metadata: { name: "pp" }, target: { kind: "Node", name: "n1" } }) });
      assert.equal(bound.status, 201, bound.body);
      assert.equal((((await api.request(path)).json() as Obj).spec as { nodeName: string }).nodeName, "n1");
      expectStatus(await api.request(`${path}/binding`, { method: "POST", body: JSON.stringify({ target: { name: "n2" } }) }), 409, "Conflict");
    });

    test("list: label and field selectors, tables, paging at one revision", async () => {
      for (let i = 0; i < 7; i++) await post("/api/v1/namespaces/t/configmaps", cm(`page-${i}`, { page: "yes", parity: i % 2 === 0 ? "even" : "odd" }));
      const sel = (await api.request("/api/v1/namespaces/t/configmaps?labelSelector=page%3Dyes,parity%20in%20(odd)")).json().items as Obj[];
      assert.deepEqual(sel.map((o) => o.metadata.name), ["page-1", "page-3", "page-5"]);
      const byName = (await api.request("/api/v1/configmaps?fieldSelector=metadata.name%3Dpage-2,metadata.namespace%3Dt")).json().items as Obj[];
      assert.deepEqual(byName.map((o) => o.metadata.name), ["page-2"]);
      expectStatus(await api.request("/api/v1/namespaces/t/configmaps?fieldSelector=spec.nodeName%3Dx"), 400, "BadRequest");
      expectStatus(await api.request("/api/v1/namespaces/t/configmaps?labelSelector=a%20in%20(b"), 400, "BadRequest");
      const first = (await api.request("/api/v1/namespaces/t/configmaps?labelSelector=page&limit=3")).json();
      const meta = first.metadata as { continue: string; resourceVersion: string };
      assert.equal((first.items as Obj[]).length, 3);
      await post("/api/v1/namespaces/t/configmaps", cm("page-9", { page: "yes" }));
      const names = (first.items as Obj[]).map((o) => o.metadata.name);
      let token: string | undefined = meta.continue;
      while (token !== undefined) {
        const next = (await api.request(`/api/v1/namespaces/t/configmaps?labelSelector=page&limit=3&continue=${encodeURIComponent(token)}`)).json();
        assert.equal((next.metadata as { resourceVersion: string }).resourceVersion, meta.resourceVersion, "every page is read at the first page's revision");
        names.push(...(next.items as Obj[]).map((o) => o.metadata.name));
        token = (next.metadata as { continue?: string }).continue;
      }
      assert.deepEqual(names, ["page-0", "page-1", "page-2", "page-3", "page-4", "page-5", "page-6"]);
      expectStatus(await api.request("/api/v1/namespaces/t/configmaps?limit=2&continue=garbage"), 400, "BadRequest");
      const table = (await api.request("/api/v1/namespaces/t/configmaps?labelSelector=parity%3Deven", { accept: "application/json;as=Table;v=v1;g=meta.k8s.io,application/json" })).json();
      assert.equal(table.kind, "Table");
      assert.deepEqual((table.columnDefinitions as { name: string }[]).map((c) => c.name), ["Name", "Data", "Age"]);
      const rows = table.rows as { cells: unknown[]; object: { kind: string; metadata: { namespace: string } } }[];
      assert.deepEqual(rows.map((r) => r.cells.slice(0, 2)), [["page-0", 0], ["page-2", 0], ["page-4", 0], ["page-6", 0]]);
      assert.equal(rows[0]!.object.kind, "PartialObjectMetadata");
      assert.equal(rows[0]!.object.metadata.namespace, "t");
    });

    test("watch: resume from a resourceVersion without loss or duplication, selectors, bookmarks, 410 after compaction", async () => {
      const start = (await api.request("/api/v1/namespaces/t/configmaps")).json().metadata as { resourceVersion: string };
      const a = await post("/api/v1/namespaces/t/configmaps", cm("wa", { w: "1" }));
      await api.request("/api/v1/namespaces/t/configmaps/wa", { method: "PATCH", body: '{"data":{"x":"1"}}', contentType: "application/merge-patch+json" });
      await api.request("/api/v1/namespaces/t/configmaps/wa", { method: "PATCH", body: '{"metadata":{"labels":{"w":null}}}', contentType: "application/merge-patch+json" });
      await api.request("/api/v1/namespaces/t/configmaps/wa", { method: "DELETE" });
      const all = api.watch(`/api/v1/namespaces/t/configmaps?watch=true&resourceVersion=${start.resourceVersion}`);
      const selected = api.watch(`/api/v1/namespaces/t/configmaps?watch=true&labelSelector=w&resourceVersion=${start.resourceVersion}`);
      try {
        assert.equal(await all.status, 200);
        await until("four events", () => all.events.length >= 4);
        await until("two selected events", () => selected.events.length >= 2);
        assert.deepEqual(all.events.map((e) => e.type), ["ADDED", "MODIFIED", "MODIFIED", "DELETED"]);
        assert.equal((all.events[0]!.object as Obj).metadata.resourceVersion, a.metadata.resourceVersion);
        // The label went away: for a watcher selecting on it, that is a DELETED.
        assert.deepEqual(selected.events.map((e) => e.type), ["ADDED", "MODIFIED", "DELETED"].slice(0, selected.events.length));
      } finally {
        all.stop();
        selected.stop();
      }
      const fresh = api.watch("/api/v1/namespaces/t/configmaps?watch=true&resourceVersion=0&allowWatchBookmarks=true&labelSelector=page");
      try {
        await until("initial events and a bookmark", () => fresh.events.some((e) => e.type === "BOOKMARK"));
        assert.deepEqual([...new Set(fresh.events.map((e) => e.type))], ["ADDED", "BOOKMARK"]);
      } finally {
        fresh.stop();
      }
      const head = (await api.request("/api/v1/namespaces/t/configmaps")).json().metadata as { resourceVersion: string };
      const compact = etcdctl(api.store.endpoints(), ["compact", head.resourceVersion]);
      assert.equal(compact.status, 0, compact.stderr);
      const expired = api.watch(`/api/v1/namespaces/t/configmaps?watch=true&resourceVersion=${start.resourceVersion}`);
      try {
        await until("the ERROR event", () => expired.events.length > 0);
        assert.equal(expired.events[0]!.type, "ERROR");
        assert.equal(expired.events[0]!.object.code, 410);
        assert.equal(expired.events[0]!.object.reason, "Expired");
      } finally {
        expired.stop();
      }
    });

    test("the watch cache: fifty watches of one resource share one store watch", async () => {
      const watches = Array.from({ length: 50 }, (_, i) => api.watch(`/api/v1/namespaces/t/secrets?watch=true${i % 2 === 0 ? "" : "&resourceVersion=0"}`));
      try {
        await Promise.all(watches.map((w) => w.status));
        await post("/api/v1/namespaces/t/secrets", { metadata: { name: "seen-by-all" } });
        await until("every watch to see the secret", () => watches.every((w) => w.events.some((e) => (e.object as Obj).metadata.name === "seen-by-all")));
        const metrics = (await api.request("/metrics")).body;
        assert.match(metrics, /^apiserver_registered_watchers 50$/m);
        const storeWatches = Number(/^skiff_apiserver_store_watches (\d+)$/m.exec(metrics)?.[1]);
        assert.ok(storeWatches >= 1 && storeWatches <= 3, `store watches: ${storeWatches}`);
      } finally {
        for (const w of watches) w.stop();
      }
    });

    test("a Node's status is written only through nodes/status", async () => {
      await post("/api/v1/nodes", { metadata: { name: "status-node" }, spec: {} });
      const path = "/api/v1/nodes/status-node";
      const ready = { conditions: [{ type: "Ready", status: "True", reason: "KubeletReady" }], addresses: [{ type: "InternalIP", address: "10.0.0.9" }] };
      const ignored = await api.request(path, { method: "PATCH", body: JSON.stringify({ status: ready }), contentType: "application/merge-patch+json" });
      assert.equal(ignored.status, 200, ignored.body);
      assert.equal(((ignored.json() as Obj).status as { conditions?: unknown } | undefined)?.conditions, undefined, "a write to the object leaves its status alone");
      const written = await api.request(`${path}/status`, { method: "PATCH", body: JSON.stringify({ status: ready }), contentType: "application/merge-patch+json" });
      assert.equal(written.status, 200, written.body);
      const table = (await api.request(path, { accept: "application/json;as=Table;v=v1;g=meta.k8s.io" })).json() as { rows: { cells: unknown[] }[] };
      assert.deepEqual(table.rows[0]!.cells.slice(0, 2), ["status-node", "Ready"]);
    });

    test("finalizers hold a delete until the last one is removed", async () => {
      await post("/api/v1/namespaces/t/configmaps", { metadata: { name: "held", finalizers: ["example.com/hold"] } });
      const del = await api.request("/api/v1/namespaces/t/configmaps/held", { method: "DELETE", body: '{"propagationPolicy":"Background","gracePeriodSeconds":5}' });
      assert.equal(del.status, 200);
      const marked = (await api.request("/api/v1/namespaces/t/configmaps/held")).json() as Obj;
      assert.match(String(marked.metadata.deletionTimestamp), /Z$/);
      assert.equal(marked.metadata.deletionGracePeriodSeconds, 0, "only pods get a grace period, as in Kubernetes");
      const released = await api.request("/api/v1/namespaces/t/configmaps/held", { method: "PATCH", body: '{"metadata":{"finalizers":null}}', contentType: "application/merge-patch+json" });
      assert.equal(released.status, 200, released.body);
      expectStatus(await api.request("/api/v1/namespaces/t/configmaps/held"), 404, "NotFound");
    });

    test("Services: unique ClusterIPs under concurrent creates, explicit values checked, NodePorts released on delete", async () => {
      const svc = (name: string, spec: Record<string, unknown> = {}): string => JSON.stringify({ metadata: { name }, spec: { ports: [{ port: 80 }], ...spec } });
      const created = await Promise.all(Array.from({ length: 12 }, (_, i) => api.request("/api/v1/namespaces/t/services", { method: "POST", body: svc(`c${i}`, { type: "NodePort" }) })));
      const objs = created.map((r) => r.json() as { spec: { clusterIP: string; ports: { nodePort: number }[] } });
      assert.ok(created.every((r) => r.status === 201));
      const ips = objs.map((o) => o.spec.clusterIP);
      const ports = objs.map((o) => o.spec.ports[0]!.nodePort);
      assert.equal(new Set(ips).size, 12);
      assert.equal(new Set(ports).size, 12);
      assert.ok(ips.every((ip) => /^10\.96\.\d+\.\d+$/.test(ip) && ip !== "10.96.0.1"));
      assert.ok(ports.every((p) => p >= 30000 && p <= 30099));
      expectStatus(await api.request("/api/v1/namespaces/t/services", { method: "POST", body: svc("taken", { clusterIP: ips[0] }) }), 422, "Invalid");
      expectStatus(await api.request("/api/v1/namespaces/t/services", { method: "POST", body: svc("outside", { clusterIP: "10.1.2.3" }) }), 422, "Invalid");
      expectStatus(await api.request("/api/v1/namespaces/t/services", { method: "POST", body: svc("np", { type: "NodePort", ports: [{ port: 80, nodePort: ports[0] }] }) }), 422, "Invalid");
      assert.equal((await api.request("/api/v1/namespaces/t/services/c0", { method: "DELETE" })).status, 200);
      const reuse = await api.request("/api/v1/namespaces/t/services", { method: "POST", body: svc("np", { type: "NodePort", clusterIP: ips[0], ports: [{ port: 80, nodePort: ports[0] }] }) });
      assert.equal(reuse.status, 201, reuse.body);
      // Turning a NodePort Service into a ClusterIP one gives its node port back.
      const back = await api.request("/api/v1/namespaces/t/services/c1", { method: "PATCH", body: '{"spec":{"type":"ClusterIP","ports":[{"port":80}]}}', contentType: "application/merge-patch+json" });
      assert.equal(back.status, 200, back.body);
      assert.equal((back.json() as { spec: { clusterIP: string } }).spec.clusterIP, ips[1]);
      const again = await api.request("/api/v1/namespaces/t/services", { method: "POST", body: svc("np2", { type: "NodePort", ports: [{ port: 80, nodePort: ports[1] }] }) });
      assert.equal(again.status, 201, again.body);
      const kube = (await api.request("/api/v1/namespaces/default/services/kubernetes")).json() as { spec: { clusterIP: string } };
      assert.equal(kube.spec.clusterIP, "10.96.0.1");
    });

    test("Service types: ExternalName needs a DNS name and gets no cluster IP; LoadBalancer with externalTrafficPolicy Local gets a health check node port", async () => {
      const create = (body: unknown): ReturnType<typeof api.request> => api.request("/api/v1/namespaces/t/services", { method: "POST", body: JSON.stringify(body) });
      const ext = await create({ metadata: { name: "ext" }, spec: { type: "ExternalName", externalName: "db.example.org" } });
      assert.equal(ext.status, 201, ext.body);
      assert.equal((ext.json() as { spec: { clusterIP?: string } }).spec.clusterIP, undefined);
      const missing = expectStatus(await create({ metadata: { name: "ext2" }, spec: { type: "ExternalName" } }), 422, "Invalid");
      assert.match(String(missing.message), /spec\.externalName: Required value/);
      expectStatus(await create({ metadata: { name: "ext3" }, spec: { type: "ExternalName", externalName: "Not_A_Name" } }), 422, "Invalid");
      expectStatus(await create({ metadata: { name: "ext4" }, spec: { type: "ExternalName", externalName: "a.b", clusterIP: "10.96.0.77" } }), 422, "Invalid");
      const etp = expectStatus(await create({ metadata: { name: "etp" }, spec: { externalTrafficPolicy: "Local", ports: [{ port: 80 }] } }), 422, "Invalid");
      assert.match(String(etp.message), /spec\.externalTrafficPolicy/);
      const lb = await create({ metadata: { name: "lb" }, spec: { type: "LoadBalancer", externalTrafficPolicy: "Local", ports: [{ port: 80 }] } });
      assert.equal(lb.status, 201, lb.body);
      const spec = (lb.json() as { spec: { clusterIP: string; healthCheckNodePort: number; ports: { nodePort: number }[] } }).spec;
      assert.match(spec.clusterIP, /^10\.96\./);
      assert.ok(spec.ports[0]!.nodePort >= 30000 && spec.healthCheckNodePort >= 30000 && spec.healthCheckNodePort !== spec.ports[0]!.nodePort);
      // Back to Cluster: the health check port is given back and can be taken by another Service.
      const back = await api.request("/api/v1/namespaces/t/services/lb", { method: "PATCH", body: '{"spec":{"externalTrafficPolicy":"Cluster"}}', contentType: "application/merge-patch+json" });
      assert.equal(back.status, 200, back.body);
      assert.equal((back.json() as { spec: { healthCheckNodePort?: number } }).spec.healthCheckNodePort, undefined);
      const reuse = await create({ metadata: { name: "np-reuse" }, spec: { type: "NodePort", ports: [{ port: 80, nodePort: spec.healthCheckNodePort }] } });
      assert.equal(reuse.status, 201, reuse.body);
      // LoadBalancer to ExternalName drops the cluster IP and node ports it sent back unchanged.
      const toExt = await api.request("/api/v1/namespaces/t/services/lb", { method: "PATCH", body: '{"spec":{"type":"ExternalName","externalName":"lb.example.org"}}', contentType: "application/merge-patch+json" });
      assert.equal(toExt.status, 200, toExt.body);
      const extSpec = (toExt.json() as { spec: { clusterIP?: string; ports: { nodePort?: number }[] } }).spec;
      assert.equal(extSpec.clusterIP, undefined);
      assert.equal(extSpec.ports[0]!.nodePort, undefined);
      const ipAgain = await create({ metadata: { name: "ip-reuse" }, spec: { clusterIP: spec.clusterIP, ports: [{ port: 80 }] } });
      assert.equal(ipAgain.status, 201, ipAgain.body);
    });

    test("Ingress and IngressClass (networking.k8s.io/v1): valid objects stored, invalid ones refused with 422 naming the field", async () => {
      const cls = await api.request("/apis/networking.k8s.io/v1/ingressclasses", { method: "POST", body: JSON.stringify({ metadata: { name: "skiff" }, spec: { controller: "skiff.io/ingress" } }) });
      assert.equal(cls.status, 201, cls.body);
      expectStatus(await api.request("/apis/networking.k8s.io/v1/ingressclasses", { method: "POST", body: JSON.stringify({ metadata: { name: "bad" }, spec: {} }) }), 422, "Invalid");
      const ingress = (spec: unknown): string => JSON.stringify({ metadata: { name: "web" }, spec });
      const path = "/apis/networking.k8s.io/v1/namespaces/t/ingresses";
      const ok = await api.request(path, {
        method: "POST",
        body: ingress({
          ingressClassName: "skiff",
          defaultBackend: { service: { name: "fallback", port: { number: 80 } } },
          rules: [{ host: "shop.example.org", http: { paths: [{ path: "/api", pathType: "Prefix", backend: { service: { name: "api", port: { name: "http" } } } }] } }],
        }),
      });
      assert.equal(ok.status, 201, ok.body);
      assert.deepEqual((ok.json() as { status: unknown }).status, { loadBalancer: {} });
      const noPathType = expectStatus(await api.request(path, { method: "POST", body: ingress({ rules: [{ http: { paths: [{ path: "/", backend: { service: { name: "a", port: { number: 80 } } } }] } }] }) }), 422, "Invalid");
      assert.match(String(noPathType.message), /spec\.rules\[0\]\.http\.paths\[0\]\.pathType: Required value/);
      const relative = expectStatus(await api.request(path, { method: "POST", body: ingress({ rules: [{ http: { paths: [{ path: "api", pathType: "Exact", backend: { service: { name: "a", port: { number: 80 } } } }] } }] }) }), 422, "Invalid");
      assert.match(String(relative.message), /paths\[0\]\.path: Invalid value/);
      expectStatus(await api.request(path, { method: "POST", body: ingress({}) }), 422, "Invalid");
      expectStatus(await api.request(path, { method: "POST", body: ingress({ defaultBackend: { service: { name: "a", port: { number: 80, name: "http" } } } }) }), 422, "Invalid");
    });

    test("the API server restarts onto the same store and serves what it held", async () => {
      await api.stopServer();
      api.launch();
      await api.waitReady();
      assert.equal((await api.request("/api/v1/namespaces/t/configmaps/once")).status, 200);
      const namespaces = ((await api.request("/api/v1/namespaces")).json().items as Obj[]).map((o) => o.metadata.name);
      assert.deepEqual(namespaces, ["default", "kube-node-lease", "kube-public", "kube-system", "t"]);
    });
  });
}
