// The pod runtime against the real Docker engine: a sealed network of this
// test's own, a stand-in agent container whose PID namespace the pods join,
// and pods of skiff/node-agent (busybox) and skiff/demo-app containers.
// Traffic goes only to this test's containers; everything is removed by the
// run label afterwards.
import assert from "node:assert/strict";
import { realpathSync } from "node:fs";
import { after, before, test } from "node:test";
import type { V1Pod } from "@kubernetes/client-node";
import type Docker from "dockerode";
import { connectDocker, createTestNetwork, startFakeAgent, type TestNetwork } from "../../../test/support/cluster-network.ts";
import { removeByLabel, testRunLabel } from "../../../test/support/docker.ts";
import { ensureNodeAgentImage, nodeAgentImage } from "../../../test/support/node-agent-image.ts";
import { RuntimeError } from "./errors.ts";
import { execInContainer } from "./exec.ts";
import { cidrContains } from "./ip-allocator.ts";
import { DockerPodRuntime, type PodRuntimeOptions, type RuntimePod } from "./pod-runtime.ts";

const run = testRunLabel("pod-runtime");
const labels = { [run.key]: run.value };
const nodeName = `node-${run.value}`;
let docker: Docker;
let net: TestNetwork;
let agent: { id: string; ip: string };
let options: PodRuntimeOptions;
let runtime: DockerPodRuntime;

before(async () => {
  docker = await connectDocker();
  await ensureNodeAgentImage(docker);
  await docker.getImage("skiff/demo-app:latest").inspect(); // built by `npx skiff images`
  net = await createTestNetwork(docker, `skiff-test-${run.value}`, labels);
  agent = await startFakeAgent(docker, nodeAgentImage, net.name, labels);
  options = {
    docker,
    nodeName,
    network: net.name,
    podCidr: net.podCidr,
    serviceCidr: "10.96.0.0/16",
    hostIp: agent.ip,
    infraImage: nodeAgentImage,
    agentContainer: agent.id,
    extraLabels: labels,
    dnsIp: agent.ip,
  };
  runtime = await DockerPodRuntime.open(options);
});

after(async () => {
  if (docker !== undefined) await removeByLabel(docker, run.filter);
});

let serial = 0;
function pod(name: string, spec: V1Pod["spec"]): V1Pod {
  serial++;
  return { metadata: { name, namespace: "team-a", uid: `${run.value}-uid-${serial}` }, spec };
}

const sh = (script: string): { image: string; command: string[] } => ({ image: nodeAgentImage, command: ["/bin/sh", "-c", script] });

function container(p: RuntimePod, name: string): NonNullable<RuntimePod["infra"]> {
  const c = p.containers.find((x) => x.name === name);
  assert.ok(c, `container ${name} in ${JSON.stringify(p.containers.map((x) => x.name))}`);
  return c;
}

async function cat(id: string, path: string): Promise<string> {
  const r = await execInContainer(docker, id, ["/bin/busybox", "cat", path], 5000);
  assert.equal(r.exitCode, 0, r.stderr);
  return r.stdout;
}

let web: RuntimePod;

test("a pod: infra with its IP and service route, init containers in order, shared emptyDir, env, limits, labels", async () => {
  const spec = pod("web", {
    volumes: [{ name: "data", emptyDir: {} }],
    initContainers: [
      { name: "first", ...sh("echo one >> /data/log"), volumeMounts: [{ name: "data", mountPath: "/data" }] },
      { name: "second", ...sh("echo two >> /data/log"), volumeMounts: [{ name: "data", mountPath: "/data" }] },
    ],
    containers: [
      {
        name: "shell",
        ...sh('echo "$POD $NS $IP $NODE $(pwd)" > /data/env; busybox ip route > /data/route; exec busybox sleep 1000000'),
        workingDir: "/tmp",
        env: [
          { name: "POD", valueFrom: { fieldRef: { fieldPath: "metadata.name" } } },
          { name: "NS", valueFrom: { fieldRef: { fieldPath: "metadata.namespace" } } },
          { name: "IP", valueFrom: { fieldRef: { fieldPath: "status.podIP" } } },
          { name: "NODE", valueFrom: { fieldRef: { fieldPath: "spec.nodeName" } } },
        ],
        resources: { limits: { cpu: "250m", memory: "64Mi" } },
        volumeMounts: [{ name: "data", mountPath: "/data" }],
      },
      { name: "http", image: "skiff/demo-app:latest", env: [{ name: "PORT", value: "8080" }] },
    ],
  });
  const started = await runtime.startPod(spec);
  assert.equal(started.outcome, "running");
  web = started.pod;
  assert.ok(web.podIp !== undefined && cidrContains(net.podCidr, web.podIp), `pod IP ${web.podIp} in ${net.podCidr}`);
  assert.equal(web.infra?.state, "running");
  const infraInfo = await docker.getContainer(web.infra!.id).inspect();
  assert.equal(infraInfo.NetworkSettings.Networks[net.name]?.IPAddress, web.podIp);
  assert.equal(infraInfo.HostConfig.PidMode, `container:${agent.id}`);
  assert.deepEqual(
    web.containers.map((c) => [c.name, c.kind, c.state, c.exitCode]),
    [
      ["first", "init", "exited", 0],
      ["http", "app", "running", 0],
      ["second", "init", "exited", 0],
      ["shell", "app", "running", 0],
    ],
  );
  const shell = container(web, "shell");
  assert.equal(await cat(shell.id, "/data/log"), "one\ntwo\n");
  let env = "";
  for (let i = 0; i < 50 && env === ""; i++) {
    const r = await execInContainer(docker, shell.id, ["/bin/busybox", "cat", "/data/env"], 5000);
    env = r.exitCode === 0 ? r.stdout : "";
    if (env === "") await new Promise((r) => setTimeout(r, 100));
  }
  assert.equal(env, `web team-a ${web.podIp} ${nodeName} /tmp\n`);
  assert.match(await cat(shell.id, "/data/route"), new RegExp(`10\\.96\\.0\\.0/16 via ${agent.ip.replaceAll(".", "\\.")}`));
  // The node's DNS, with Kubernetes' search path and ndots, in every
  // container of the pod.
  const expectedResolv = `nameserver ${agent.ip}\nsearch team-a.svc.cluster.local svc.cluster.local cluster.local\noptions ndots:5\n`;
  assert.equal(await cat(shell.id, "/etc/resolv.conf"), expectedResolv);
  const node = realpathSync(process.execPath); // the demo app's image has node, not busybox
  const fromHttp = await execInContainer(docker, container(web, "http").id, [node, "-e", "process.stdout.write(require('fs').readFileSync('/etc/resolv.conf', 'utf8'))"], 5000);
  assert.equal(fromHttp.stdout, expectedResolv);
  const shellInfo = await docker.getContainer(shell.id).inspect();
  assert.equal(shellInfo.HostConfig.NanoCpus, 250_000_000);
  assert.equal(shellInfo.HostConfig.Memory, 64 * 2 ** 20);
  for (const c of [web.infra!, ...web.containers]) {
    const l = (await docker.getContainer(c.id).inspect()).Config.Labels;
    assert.equal(l["skiff.node"], nodeName);
    assert.equal(l["skiff.pod-uid"], spec.metadata!.uid);
    assert.equal(l[run.key], run.value);
  }
  // The containers share the infra's network namespace: the demo app
  // answers on the pod IP, from the host through the bridge.
  let answer = "";
  for (let i = 0; i < 100 && answer === ""; i++) {
    try {
      answer = await (await fetch(`http://${web.podIp}:8080/healthz`, { signal: AbortSignal.timeout(1000) })).text();
    } catch {
      await new Promise((r) => setTimeout(r, 100));
    }
  }
  assert.equal(answer.trim(), "ok");
});

test("an agent of another cluster with a node of the same name sees none of this node's pods", async () => {
  const other = await DockerPodRuntime.open({ ...options, extraLabels: { [run.key]: `${run.value}-other` } });
  assert.deepEqual(await other.listPods(), []);
  assert.ok((await runtime.listPods()).some((p) => p.uid === web.uid), "this node still lists its own pod");
});

test("a failing init container stops the pod's start there", async () => {
  const spec = pod("init-fails", {
    initContainers: [{ name: "boom", ...sh("exit 3") }, { name: "never", ...sh("true") }],
    containers: [{ name: "app", ...sh("exec busybox sleep 1000000") }],
  });
  const result = await runtime.startPod(spec);
  assert.equal(result.outcome, "init-failed");
  assert.ok(result.outcome === "init-failed");
  assert.equal(result.container, "boom");
  assert.equal(result.exitCode, 3);
  assert.deepEqual(
    result.pod.containers.map((c) => c.name),
    ["boom"],
  );
  await runtime.removePod(spec.metadata!.uid!, 0);
});

test("a missing image is ErrImageNeverPull, never a pull", async () => {
  const image = `skiff/does-not-exist-${run.value}:1`;
  const spec = pod("no-image", { containers: [{ name: "app", image, imagePullPolicy: "IfNotPresent" }] });
  await assert.rejects(runtime.startPod(spec), (err: unknown) => {
    assert.ok(err instanceof RuntimeError);
    assert.equal(err.code, "ErrImageNeverPull");
    assert.match(err.message, new RegExp(`Container image "${image}" is not present with pull policy of Never`));
    assert.match(err.message, /skiff never pulls images: imagePullPolicy IfNotPresent/);
    return true;
  });
  await assert.rejects(docker.getImage(image).inspect(), (err: unknown) => (err as { statusCode?: number }).statusCode === 404);
  await runtime.removePod(spec.metadata!.uid!, 0);
});

test("stop sends SIGTERM, then SIGKILL after the grace period", async () => {
  const spec = pod("grace", {
    containers: [
      { name: "stubborn", ...sh("trap 'echo term >> /proc/1/fd/1' TERM; while true; do busybox sleep 1; done") },
      { name: "polite", ...sh("trap 'exit 0' TERM; while true; do busybox sleep 1; done") },
    ],
  });
  const started = await runtime.startPod(spec);
  assert.equal(started.outcome, "running");
  const stubborn = container(started.pod, "stubborn");
  const polite = container(started.pod, "polite");
  await Promise.all([runtime.stopContainer(stubborn.id, 1), runtime.stopContainer(polite.id, 30)]);
  const s = await docker.getContainer(stubborn.id).inspect();
  const p = await docker.getContainer(polite.id).inspect();
  assert.equal(s.State.ExitCode, 137, "the stubborn one is killed");
  assert.equal(p.State.ExitCode, 0, "the polite one exits on SIGTERM");
  await runtime.removePod(spec.metadata!.uid!, 0);
});

test("the preStop hook runs before SIGTERM, inside the grace period", async () => {
  const spec = pod("hooked", {
    volumes: [{ name: "shared", emptyDir: {} }],
    containers: [
      {
        name: "main",
        ...sh("trap 'echo term >> /shared/log; exit 0' TERM; while true; do busybox sleep 1; done"),
        volumeMounts: [{ name: "shared", mountPath: "/shared" }],
        lifecycle: { preStop: { exec: { command: ["/bin/sh", "-c", "echo prestop >> /shared/log"] } } },
      },
      { name: "watcher", ...sh("exec busybox sleep 1000000"), volumeMounts: [{ name: "shared", mountPath: "/shared" }] },
    ],
  });
  const started = await runtime.startPod(spec);
  assert.equal(started.outcome, "running");
  const main = container(started.pod, "main");
  await runtime.killContainer(main.id, spec.spec!.containers[0]!, started.pod.podIp!, 10);
  assert.equal((await docker.getContainer(main.id).inspect()).State.ExitCode, 0);
  assert.equal(await cat(container(started.pod, "watcher").id, "/shared/log"), "prestop\nterm\n");
  await runtime.removePod(spec.metadata!.uid!, 0, spec);
});

test("a restarted agent adopts running pods, keeps their addresses and removes pods it should not run", async () => {
  const orphan = pod("orphan", { volumes: [{ name: "v", emptyDir: {} }], containers: [{ name: "app", ...sh("exec busybox sleep 1000000") }] });
  const orphanStart = await runtime.startPod(orphan);
  assert.equal(orphanStart.outcome, "running");
  const restarted = await DockerPodRuntime.open(options);
  assert.deepEqual(
    [...restarted.ips.inUse()].sort(),
    [
      [web.podIp, web.uid],
      [orphanStart.pod.podIp, orphan.metadata!.uid],
    ].sort(),
  );
  const { adopted, removed } = await restarted.reconcile(new Set([web.uid]));
  assert.deepEqual(
    adopted.map((p) => p.uid),
    [web.uid],
  );
  assert.deepEqual(removed, [orphan.metadata!.uid]);
  assert.equal(container(adopted[0]!, "shell").id, container(web, "shell").id, "the healthy pod was not restarted");
  const left = await docker.listContainers({ all: true, filters: { label: [`skiff.pod-uid=${orphan.metadata!.uid}`] } });
  const volumes = await docker.listVolumes({ filters: { label: [`skiff.pod-uid=${orphan.metadata!.uid}`] } });
  assert.equal(left.length, 0, "no container left");
  assert.equal((volumes.Volumes ?? []).length, 0, "no volume left");
  assert.equal(restarted.ips.inUse().has(orphanStart.pod.podIp!), false, "its address is free");
  runtime = restarted;
});

test("killing the agent's container kills its pods", async () => {
  await docker.getContainer(agent.id).kill();
  const pod = await runtime.getPod(web.uid);
  assert.ok(pod);
  for (const c of [pod.infra!, ...pod.containers.filter((x) => x.kind === "app")]) {
    const info = await docker.getContainer(c.id).wait();
    assert.equal((info as { StatusCode: number }).StatusCode, 137, `${c.name} killed`);
  }
});

test("configMap and secret volumes as files with items and modes, updated in place; secret env", async () => {
  const configMaps = new Map<string, { data: Record<string, string> }>([["settings", { data: { "app.conf": "color=blue\n", "extra.txt": "x" } }]]);
  const objects = {
    configMap: (_ns: string, name: string) => configMaps.get(name),
    secret: (_ns: string, name: string) => (name === "creds" ? { data: { token: Buffer.from("t0ken").toString("base64") } } : undefined),
  };
  const withObjects = await DockerPodRuntime.open({ ...options, agentContainer: undefined, objects });
  const spec = pod("configured", {
    volumes: [
      { name: "conf", configMap: { name: "settings", items: [{ key: "app.conf", path: "etc/app.conf" }], defaultMode: 0o640 } },
      { name: "secret", secret: { secretName: "creds", items: [{ key: "token", path: "token", mode: 0o400 }] } },
    ],
    containers: [
      {
        name: "app",
        ...sh("exec busybox sleep 1000000"),
        env: [{ name: "TOKEN", valueFrom: { secretKeyRef: { name: "creds", key: "token" } } }],
        volumeMounts: [
          { name: "conf", mountPath: "/conf" },
          { name: "secret", mountPath: "/secret" },
        ],
      },
    ],
  });
  const started = await withObjects.startPod(spec);
  assert.equal(started.outcome, "running");
  const id = container(started.pod, "app").id;
  const sh1 = async (script: string) => {
    const r = await execInContainer(docker, id, ["/bin/sh", "-c", script], 5000);
    assert.equal(r.exitCode, 0, r.stderr);
    return r.stdout;
  };
  assert.equal(await sh1("cat /conf/etc/app.conf"), "color=blue\n");
  assert.equal(await sh1("busybox stat -c %a /conf/etc/app.conf /secret/token"), "640\n400\n");
  assert.equal(await sh1("busybox ls /conf"), "etc\n", "only the listed item");
  assert.equal(await sh1("cat /secret/token; echo; echo $TOKEN"), "t0ken\nt0ken\n");
  assert.notEqual((await execInContainer(docker, id, ["/bin/sh", "-c", "echo x > /conf/etc/app.conf"], 5000)).exitCode, 0, "read-only");
  configMaps.set("settings", { data: { "app.conf": "color=green\n" } });
  await withObjects.refreshVolumes(spec);
  assert.equal(await sh1("cat /conf/etc/app.conf"), "color=green\n", "the running container sees the update");
  const missing = pod("unconfigured", { volumes: [{ name: "c", configMap: { name: "absent" } }], containers: [{ name: "app", ...sh("true"), volumeMounts: [{ name: "c", mountPath: "/c" }] }] });
  await assert.rejects(withObjects.startPod(missing), /configmap "absent" not found/);
  assert.equal((await docker.listContainers({ all: true, filters: { label: [`skiff.pod-uid=${missing.metadata!.uid}`] } })).length, 0);
  await withObjects.removePod(spec.metadata!.uid!, 0);
});
