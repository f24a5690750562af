/* eslint-disable @typescript-eslint/no-explicit-any -- the tests read deep into patched JSON */
import assert from "node:assert/strict";
import { test } from "node:test";
import fc from "fast-check";
import { type Json, applyMergePatch } from "./merge-patch.ts";
import { PatchError, applyStrategicMergePatch } from "./strategic-merge.ts";

const deployment: Json = {
  metadata: { name: "web", labels: { app: "web" }, finalizers: ["a"] },
  spec: {
    replicas: 2,
    template: {
      spec: {
        containers: [
          { name: "app", image: "demo:1", ports: [{ containerPort: 8080, name: "http" }], env: [{ name: "A", value: "1" }, { name: "B", value: "2" }] },
          { name: "side", image: "side:1" },
        ],
        volumes: [{ name: "v1", emptyDir: {} }],
      },
    },
  },
};

test("kubectl set image: containers merge by name, the rest stays", () => {
  const out = applyStrategicMergePatch(deployment, { spec: { template: { spec: { containers: [{ name: "app", image: "demo:2" }] } } } }) as any;
  assert.equal(out.spec.template.spec.containers[0].image, "demo:2");
  assert.deepEqual(out.spec.template.spec.containers[0].env, [{ name: "A", value: "1" }, { name: "B", value: "2" }]);
  assert.equal(out.spec.template.spec.containers[1].name, "side");
});

test("kubectl apply removing a container and an env var, with $setElementOrder", () => {
  const patch: Json = {
    spec: {
      template: {
        spec: {
          $setElementOrder_containers: null,
          "$setElementOrder/containers": [{ name: "app" }],
          containers: [{ name: "side", $patch: "delete" }, { name: "app", "$setElementOrder/env": [{ name: "B" }], env: [{ name: "A", $patch: "delete" }] }],
        },
      },
    },
  };
  const out = applyStrategicMergePatch(deployment, patch) as any;
  assert.deepEqual(out.spec.template.spec.containers.map((c: any) => c.name), ["app"]);
  assert.deepEqual(out.spec.template.spec.containers[0].env, [{ name: "B", value: "2" }]);
  assert.equal("$setElementOrder_containers" in out.spec.template.spec, false);
});

test("ports merge by containerPort in containers and by port in services", () => {
  const svc: Json = { spec: { ports: [{ port: 80, targetPort: 8080 }, { port: 443, targetPort: 8443 }] } };
  const out = applyStrategicMergePatch(svc, { spec: { ports: [{ port: 80, targetPort: 9090 }] } }) as any;
  assert.deepEqual(out.spec.ports, [{ port: 80, targetPort: 9090 }, { port: 443, targetPort: 8443 }]);
  const c = applyStrategicMergePatch(deployment, { spec: { template: { spec: { containers: [{ name: "app", ports: [{ containerPort: 9000 }] }] } } } }) as any;
  assert.deepEqual(c.spec.template.spec.containers[0].ports.map((p: any) => p.containerPort), [8080, 9000]);
});

test("null deletes, $patch replace and delete on maps, $retainKeys", () => {
  const out = applyStrategicMergePatch(deployment, { metadata: { labels: { app: null, tier: "fe" } }, spec: { template: { spec: { volumes: [{ name: "v1", $patch: "replace", configMap: { name: "c" } }] } } } }) as any;
  assert.deepEqual(out.metadata.labels, { tier: "fe" });
  const rep = applyStrategicMergePatch(deployment, { metadata: { $patch: "replace", name: "x" } }) as any;
  assert.deepEqual(rep.metadata, { name: "x" });
  const del = applyStrategicMergePatch(deployment, { metadata: { labels: { $patch: "delete" } } }) as any;
  assert.equal(del.metadata.labels, undefined);
  const strategy = { spec: { strategy: { type: "RollingUpdate", rollingUpdate: { maxSurge: 1 } } } };
  const retained = applyStrategicMergePatch(strategy, { spec: { strategy: { $retainKeys: ["type"], type: "Recreate" } } }) as any;
  assert.deepEqual(retained.spec.strategy, { type: "Recreate" });
});

test("lists: $patch replace, primitive lists replaced, finalizers merged, $deleteFromPrimitiveList", () => {
  const rep = applyStrategicMergePatch(deployment, { spec: { template: { spec: { containers: [{ $patch: "replace" }, { name: "only", image: "x" }] } } } }) as any;
  assert.deepEqual(rep.spec.template.spec.containers, [{ name: "only", image: "x" }]);
  const args = applyStrategicMergePatch({ args: ["a", "b"] }, { args: ["c"] });
  assert.deepEqual(args, { args: ["c"] });
  const fin = applyStrategicMergePatch(deployment, { metadata: { finalizers: ["b"] } }) as any;
  assert.deepEqual(fin.metadata.finalizers, ["a", "b"]);
  const del = applyStrategicMergePatch(deployment, { metadata: { "$deleteFromPrimitiveList/finalizers": ["a"] } }) as any;
  assert.deepEqual(del.metadata.finalizers, []);
});

test("errors: a missing merge key, an unknown directive, a non-object patch", () => {
  assert.throws(() => applyStrategicMergePatch(deployment, { spec: { template: { spec: { containers: [{ image: "x" }] } } } }), PatchError);
  assert.throws(() => applyStrategicMergePatch(deployment, { metadata: { $patch: "explode" } }), PatchError);
  assert.throws(() => applyStrategicMergePatch(deployment, [1] as Json), PatchError);
});

// Objects without lists or directives: strategic merge is exactly JSON merge patch.
const plainKey = fc.constantFrom("a", "b", "c", "d");
const plainValue: fc.Arbitrary<Json> = fc.letrec((tie) => ({
  value: fc.oneof({ depthSize: "small" }, fc.constant(null), fc.integer(), fc.string({ maxLength: 3 }), tie("map")),
  map: fc.dictionary(plainKey, tie("value"), { maxKeys: 4 }),
})).map as fc.Arbitrary<Json>;

test("property: without lists, strategic merge equals JSON merge patch", () => {
  fc.assert(
    fc.property(plainValue, plainValue, (original, patch) => {
      assert.deepEqual(applyStrategicMergePatch(original, patch), applyMergePatch(original, patch));
    }),
  );
});

const container = fc.record({ name: fc.constantFrom("a", "b", "c", "d", "e"), image: fc.constantFrom("x", "y", "z") });
const containers = fc.uniqueArray(container, { selector: (c) => c.name, maxLength: 5 });

test("property: containers merge by name — names are the union, unique, patched images win", () => {
  fc.assert(
    fc.property(containers, containers, (original, patch) => {
      const out = applyStrategicMergePatch({ containers: original }, { containers: patch }) as { containers: { name: string; image: string }[] };
      const names = out.containers.map((c) => c.name);
      assert.equal(new Set(names).size, names.length);
      assert.deepEqual(new Set(names), new Set([...original, ...patch].map((c) => c.name)));
      for (const p of patch) assert.equal(out.containers.find((c) => c.name === p.name)!.image, p.image);
      // Applying the same patch again changes nothing: patches are idempotent.
      assert.deepEqual(applyStrategicMergePatch(out, { containers: patch }), out);
    }),
  );
});

test("property: $setElementOrder puts the named items first in that order", () => {
  fc.assert(
    fc.property(containers, fc.infiniteStream(fc.boolean()), (list, pick) => {
      const order = list.filter(() => pick.next().value as boolean).reverse();
      const out = applyStrategicMergePatch({ containers: list }, { "$setElementOrder/containers": order.map((c) => ({ name: c.name })) }) as { containers: { name: string }[] };
      assert.deepEqual(out.containers.slice(0, order.length).map((c) => c.name), order.map((c) => c.name));
      assert.equal(out.containers.length, list.length);
    }),
  );
});
