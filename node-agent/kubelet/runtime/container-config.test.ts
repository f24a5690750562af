import assert from "node:assert/strict";
import { test } from "node:test";
import type { V1Pod } from "@kubernetes/client-node";
import { claimVolumes, containerConfig, emptyDirVolumes, expandVars, infraConfig, infraSetup, resourceConfig, type PodContext } from "./container-config.ts";
import { RuntimeError } from "./errors.ts";

const ctx: PodContext = {
  nodeName: "node-1",
  podIp: "10.244.1.7",
  hostIp: "10.77.0.21",
  network: "skiff",
  serviceCidr: "10.96.0.0/16",
  infraImage: "skiff/node-agent:latest",
  pidMode: "container:agent123",
  extraLabels: { "skiff.test-run": "t1" },
};

function pod(spec: V1Pod["spec"]): V1Pod {
  return { metadata: { name: "web-1", namespace: "shop", uid: "u-1", labels: { app: "web" } }, spec };
}

test("the infra container holds the pod IP and is labelled; its setup routes the service CIDR via the agent and writes resolv.conf", () => {
  const c = infraConfig(pod({ containers: [] }), ctx);
  assert.equal(c.name, "skiff_POD_web-1_shop_u-1_0");
  assert.deepEqual(c.Entrypoint, ["/bin/busybox", "sleep", "2147483647"]);
  assert.deepEqual(c.HostConfig?.CapAdd, ["NET_ADMIN"]);
  assert.equal(c.HostConfig?.PidMode, "container:agent123");
  assert.equal(c.NetworkingConfig?.EndpointsConfig?.skiff?.IPAMConfig?.IPv4Address, "10.244.1.7");
  assert.equal(c.Labels?.["skiff.node"], "node-1");
  assert.equal(c.Labels?.["skiff.pod-uid"], "u-1");
  assert.equal(c.Labels?.["skiff.pod-ip"], "10.244.1.7");
  assert.equal(c.Labels?.["skiff.test-run"], "t1");
  assert.deepEqual(infraSetup(ctx), { cmd: ["/bin/sh", "-c", "busybox ip route add 10.96.0.0/16 via 10.77.0.21"], env: [] });
  assert.deepEqual(infraSetup({ ...ctx, viaNode: ["10.77.0.1"] }).cmd[2], "busybox ip route add 10.96.0.0/16 via 10.77.0.21 && busybox ip route add 10.77.0.1/32 via 10.77.0.21");
  const dns = { nameservers: ["10.77.0.21"], searches: ["shop.svc.cluster.local", "svc.cluster.local", "cluster.local"], options: ["ndots:5"] };
  assert.deepEqual(infraSetup({ ...ctx, dns }), {
    cmd: ["/bin/sh", "-c", 'busybox ip route add 10.96.0.0/16 via 10.77.0.21 && printf "%s" "$RESOLV_CONF" > /etc/resolv.conf'],
    env: ["RESOLV_CONF=nameserver 10.77.0.21\nsearch shop.svc.cluster.local svc.cluster.local cluster.local\noptions ndots:5\n"],
  });
});

test("command and args replace entrypoint and cmd; env has values and fieldRefs, expanded", () => {
  const p = pod({
    containers: [
      {
        name: "app",
        image: "skiff/demo-app:latest",
        command: ["/bin/sh", "-c"],
        args: ["echo $(GREETING) $$(NOT) $(MISSING)"],
        workingDir: "/tmp",
        env: [
          { name: "WHO", value: "world" },
          { name: "GREETING", value: "hello $(WHO)" },
          { name: "POD", valueFrom: { fieldRef: { fieldPath: "metadata.name" } } },
          { name: "NS", valueFrom: { fieldRef: { fieldPath: "metadata.namespace" } } },
          { name: "IP", valueFrom: { fieldRef: { fieldPath: "status.podIP" } } },
          { name: "NODE", valueFrom: { fieldRef: { fieldPath: "spec.nodeName" } } },
          { name: "APP", valueFrom: { fieldRef: { fieldPath: "metadata.labels['app']" } } },
        ],
      },
    ],
  });
  const c = containerConfig(p, p.spec!.containers[0]!, "app", 3, "infra-id", ctx);
  assert.equal(c.name, "skiff_app_web-1_shop_u-1_3");
  assert.deepEqual(c.Entrypoint, ["/bin/sh", "-c"]);
  assert.deepEqual(c.Cmd, ["echo hello world $(NOT) $(MISSING)"]);
  assert.equal(c.WorkingDir, "/tmp");
  assert.deepEqual(c.Env, ["WHO=world", "GREETING=hello world", "POD=web-1", "NS=shop", "IP=10.244.1.7", "NODE=node-1", "APP=web"]);
  assert.equal(c.HostConfig?.NetworkMode, "container:infra-id");
  assert.equal(c.Labels?.["skiff.attempt"], "3");
  assert.equal(c.Labels?.["skiff.container-kind"], "app");
});

test("args alone keep the image entrypoint", () => {
  const p = pod({ containers: [{ name: "a", image: "i", args: ["x"] }] });
  const c = containerConfig(p, p.spec!.containers[0]!, "app", 0, "infra", ctx);
  assert.equal(c.Entrypoint, undefined);
  assert.deepEqual(c.Cmd, ["x"]);
});

test("resources become CFS quota, shares and a memory limit", () => {
  assert.deepEqual(resourceConfig({ name: "a", resources: { limits: { cpu: "500m", memory: "64Mi" }, requests: { cpu: "250m" } } }), {
    NanoCpus: 500_000_000,
    CpuShares: 256,
    Memory: 64 * 2 ** 20,
  });
  assert.deepEqual(resourceConfig({ name: "a", resources: { limits: { cpu: "1" } } }), { NanoCpus: 1e9, CpuShares: 1024 });
  assert.deepEqual(resourceConfig({ name: "a", resources: { requests: { cpu: "1m" } } }), { CpuShares: 2 });
  assert.deepEqual(resourceConfig({ name: "a" }), {});
});

test("emptyDir volumes are per-pod named volumes; hostPath is a bind", () => {
  const p = pod({
    volumes: [{ name: "scratch", emptyDir: {} }, { name: "mem", emptyDir: { medium: "Memory" } }, { name: "logs", hostPath: { path: "/var/log/x" } }],
    containers: [
      { name: "a", image: "i", volumeMounts: [{ name: "scratch", mountPath: "/s" }, { name: "mem", mountPath: "/m", readOnly: true }, { name: "logs", mountPath: "/l" }] },
    ],
  });
  const c = containerConfig(p, p.spec!.containers[0]!, "app", 0, "infra", ctx);
  assert.deepEqual(c.HostConfig?.Mounts, [
    { Type: "volume", Source: "skiff_u-1_scratch", Target: "/s", ReadOnly: false },
    { Type: "volume", Source: "skiff_u-1_mem", Target: "/m", ReadOnly: true },
  ]);
  assert.deepEqual(c.HostConfig?.Binds, ["/var/log/x:/l"]);
  const vols = emptyDirVolumes(p, ctx);
  assert.deepEqual(
    vols.map((v) => [v.Name, v.DriverOpts]),
    [
      ["skiff_u-1_scratch", undefined],
      ["skiff_u-1_mem", { type: "tmpfs", device: "tmpfs" }],
    ],
  );
  assert.equal(vols[0]?.Labels?.["skiff.pod-uid"], "u-1");
});

test("configMap and secret env: keys, envFrom with prefix, optional, kubelet's errors", () => {
  const objects = {
    configMap: (ns: string, name: string) => (ns === "shop" && name === "cfg" ? { data: { MODE: "fast", "not valid": "x", level: "3" } } : undefined),
    secret: (ns: string, name: string) => (ns === "shop" && name === "creds" ? { data: { password: Buffer.from("s3cret").toString("base64") } } : undefined),
  };
  const p = pod({
    containers: [
      {
        name: "a",
        image: "i",
        envFrom: [{ configMapRef: { name: "cfg" }, prefix: "CFG_" }],
        env: [
          { name: "PASSWORD", valueFrom: { secretKeyRef: { name: "creds", key: "password" } } },
          { name: "CFG_MODE", valueFrom: { configMapKeyRef: { name: "cfg", key: "level" } } },
          { name: "MAYBE", valueFrom: { configMapKeyRef: { name: "absent", key: "k", optional: true } } },
        ],
      },
    ],
  });
  const c = containerConfig(p, p.spec!.containers[0]!, "app", 0, "infra", { ...ctx, objects });
  assert.deepEqual(c.Env, ["CFG_level=3", "CFG_MODE=3", "PASSWORD=s3cret"], "env overrides envFrom; invalid names skipped");
  const missing = pod({ containers: [{ name: "a", image: "i", env: [{ name: "X", valueFrom: { secretKeyRef: { name: "nope", key: "k" } } }] }] });
  assert.throws(
    () => containerConfig(missing, missing.spec!.containers[0]!, "app", 0, "infra", { ...ctx, objects }),
    (e: unknown) => e instanceof RuntimeError && e.code === "CreateContainerConfigError" && e.message === 'secret "nope" not found',
  );
  const noKey = pod({ containers: [{ name: "a", image: "i", env: [{ name: "X", valueFrom: { configMapKeyRef: { name: "cfg", key: "nope" } } }] }] });
  assert.throws(() => containerConfig(noKey, noKey.spec!.containers[0]!, "app", 0, "infra", { ...ctx, objects }), /couldn't find key nope in ConfigMap shop\/cfg/);
});

test("a mount of a volume the pod does not have is a CreateContainerConfigError", () => {
  const p = pod({ containers: [{ name: "b", image: "i", volumeMounts: [{ name: "nope", mountPath: "/x" }] }] });
  assert.throws(() => containerConfig(p, p.spec!.containers[0]!, "app", 0, "infra", ctx), /no such volume/);
});

test("expandVars", () => {
  const vars = new Map([["A", "1"]]);
  assert.equal(expandVars("$(A)-$$(A)-$(B)-$", vars), "1-$(A)-$(B)-$");
});

test("a persistentVolumeClaim volume is this node's volume of the claim, labelled with node and claim but not the pod, so it outlives the pod", () => {
  const p = pod({
    volumes: [{ name: "data", persistentVolumeClaim: { claimName: "data-db-0" } }],
    containers: [{ name: "a", image: "i", volumeMounts: [{ name: "data", mountPath: "/data" }] }],
  });
  const c = containerConfig(p, p.spec!.containers[0]!, "app", 0, "infra", ctx);
  assert.deepEqual(c.HostConfig?.Mounts, [{ Type: "volume", Source: "skiff-local_node-1_shop_data-db-0", Target: "/data", ReadOnly: false }]);
  assert.deepEqual(claimVolumes(p, ctx), [{ Name: "skiff-local_node-1_shop_data-db-0", Labels: { "skiff.test-run": "t1", "skiff.node": "node-1", "skiff.pvc": "shop.data-db-0" } }]);
  assert.deepEqual(emptyDirVolumes(p, ctx), [], "not a per-pod volume");
});
