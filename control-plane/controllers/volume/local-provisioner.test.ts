import assert from "node:assert/strict";
import { test } from "node:test";
import type { V1PersistentVolumeClaim } from "@kubernetes/client-node";
import { FakeClock } from "../clock.ts";
import { FakeApi } from "../fake-api.ts";
import { pod, settle } from "../test-support.ts";
import { LocalProvisioner } from "./local-provisioner.ts";
import { localVolumeName, nodeOfVolume } from "./local-volumes.ts";

function claim(name: string, storageClassName = "local"): V1PersistentVolumeClaim {
  return { apiVersion: "v1", kind: "PersistentVolumeClaim", metadata: { name, namespace: "default" }, spec: { storageClassName, accessModes: ["ReadWriteOnce"], resources: { requests: { storage: "1Gi" } } } };
}

function setup(): { api: FakeApi; lp: LocalProvisioner } {
  const clock = new FakeClock();
  const api = new FakeApi(clock);
  return { api, lp: new LocalProvisioner(api, clock) };
}

const user = (node?: string) => pod("user", { app: "x" }, { spec: { ...(node === undefined ? {} : { nodeName: node }), containers: [{ name: "c", image: "demo:1" }], volumes: [{ name: "data", persistentVolumeClaim: { claimName: "data" } }] } });

test("WaitForFirstConsumer: no volume while no pod using the claim is on a node", async () => {
  const { api, lp } = setup();
  api.seed("persistentvolumeclaims", claim("data"));
  api.seed("pods", user());
  await settle([lp]);
  assert.equal(api.storedList("persistentvolumes").length, 0);
  assert.equal(api.stored("persistentvolumeclaims", "default", "data")!.spec?.volumeName, undefined);
  assert.ok(api.stored("storageclasses", "", "local"), "the local StorageClass exists once a claim of it is seen");
});

test("once the consumer is bound to a node, a PV pvc-<uid> on that node is created and both are Bound", async () => {
  const { api, lp } = setup();
  const c = api.seed("persistentvolumeclaims", claim("data"));
  api.seed("pods", user("node-b"));
  await settle([lp]);
  const pvs = api.storedList("persistentvolumes");
  assert.equal(pvs.length, 1);
  const pv = pvs[0]!;
  assert.equal(pv.metadata?.name, `pvc-${c.metadata!.uid!}`);
  assert.equal(nodeOfVolume(pv), "node-b");
  assert.equal(pv.spec?.local?.path, `/var/lib/docker/volumes/${localVolumeName("node-b", "default", "data")}/_data`);
  assert.deepEqual([pv.spec?.claimRef?.name, pv.spec?.claimRef?.uid, pv.spec?.capacity?.storage, pv.status?.phase], ["data", c.metadata!.uid, "1Gi", "Bound"]);
  const bound = api.stored("persistentvolumeclaims", "default", "data")!;
  assert.equal(bound.spec?.volumeName, pv.metadata?.name);
  assert.equal(bound.status?.phase, "Bound");
  assert.equal(bound.status?.capacity?.storage, "1Gi");
  // A second pod elsewhere does not move the volume.
  api.seed("pods", { ...user("node-a"), metadata: { name: "other", namespace: "default" } });
  await settle([lp]);
  assert.equal(api.storedList("persistentvolumes").length, 1);
  assert.equal(nodeOfVolume(api.storedList("persistentvolumes")[0]), "node-b");
});

test("claims of other classes are left alone", async () => {
  const { api, lp } = setup();
  api.seed("persistentvolumeclaims", claim("data", "fast-ssd"));
  api.seed("pods", user("node-a"));
  await settle([lp]);
  assert.equal(api.storedList("persistentvolumes").length, 0);
  assert.equal(api.stored("persistentvolumeclaims", "default", "data")!.status, undefined);
});
