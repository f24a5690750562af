// The root docker-compose.yml starts a 3-member store from the offline
// skiff/control-plane image, each member with its data in a named volume;
// etcdctl from the host reaches all three. Runs its own copy of the cluster
// on a network of its own (SKIFF_NET), labelled with this run, and removes it.
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { after, before, test } from "node:test";
import { fileURLToPath } from "node:url";
import type Docker from "dockerode";
import { buildBundles, bundles } from "../../deploy/build/build.ts";
import { connectDocker } from "../../deploy/images/docker-engine.ts";
import { ensureImages, missingBundles } from "../../deploy/images/images.ts";
import { removeByLabel, testRunLabel } from "../support/docker.ts";
import { etcdctl } from "../support/store-cluster.ts";

const repo = fileURLToPath(new URL("../..", import.meta.url));
const run = testRunLabel("compose");
const project = `skifftest${process.pid}`;
let net = "";
let docker: Docker;

function compose(args: string[]): { status: number; out: string } {
  const r = spawnSync("docker-compose", ["-p", project, "-f", `${repo}/docker-compose.yml`, ...args], {
    env: { ...process.env, SKIFF_NET: net, SKIFF_TEST_RUN: run.value },
    encoding: "utf8",
    timeout: 120_000,
  });
  return { status: r.status ?? -1, out: `${r.stdout}${r.stderr}` };
}

const endpoints = (): string => [11, 12, 13].map((h) => `${net}.${h}:2379`).join(",");

async function waitFor(what: string, check: () => boolean, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`${what} not reached within ${timeoutMs} ms\n${compose(["logs", "--tail=20"]).out}`);
    await new Promise((r) => setTimeout(r, 300));
  }
}

before(async () => {
  docker = await connectDocker();
  if (missingBundles(repo).length > 0) await buildBundles(repo, bundles.filter((b) => !b.outfile.endsWith("skiff.mjs")));
  await ensureImages({ docker });
  // A /24 of its own, away from the default 10.77.0 a user's cluster takes.
  for (let attempt = 0; attempt < 5; attempt++) {
    net = `10.79.${100 + Math.floor(Math.random() * 150)}`;
    const up = compose(["up", "-d"]);
    if (up.status === 0) return;
    if (!/overlap|Pool/.test(up.out)) throw new Error(`docker-compose up failed:\n${up.out}`);
    compose(["down", "-v"]);
  }
  throw new Error("no free subnet for the compose test");
});

after(async () => {
  if (net !== "") compose(["down", "-v", "--timeout", "5"]);
  if (docker !== undefined) await removeByLabel(docker, run.filter);
});

test("compose starts three store members that etcdctl reaches from the host", async () => {
  await waitFor("all three members healthy", () => etcdctl(endpoints(), ["endpoint", "health"]).status === 0);
  const members = etcdctl(endpoints(), ["member", "list"]).stdout.trim().split("\n");
  assert.equal(members.length, 3, members.join("\n"));
  assert.ok(members.every((m) => m.includes("started")), members.join("\n"));
  assert.equal(etcdctl(`${net}.11:2379`, ["put", "greeting", "hello"]).status, 0);
  for (const h of [11, 12, 13]) {
    assert.equal(etcdctl(`${net}.${h}:2379`, ["get", "greeting", "--print-value-only"]).stdout.trim(), "hello", `member .${h}`);
  }
});

test("a killed member keeps its data in its volume and rejoins", async () => {
  const s1 = (await docker.listContainers({ filters: { label: [`com.docker.compose.project=${project}`, "com.docker.compose.service=s1"] } }))[0];
  assert.ok(s1 !== undefined, "s1 container");
  await docker.getContainer(s1.Id).kill();
  const others = `${net}.12:2379,${net}.13:2379`;
  await waitFor("writes through the two survivors", () => etcdctl(others, ["put", "after-kill", "yes"]).status === 0);
  assert.equal(compose(["start", "s1"]).status, 0);
  await waitFor("s1 healthy again", () => etcdctl(`${net}.11:2379`, ["endpoint", "health"]).status === 0);
  await waitFor("s1 caught up", () => etcdctl(`${net}.11:2379`, ["get", "after-kill", "--print-value-only", "--consistency=s"]).stdout.trim() === "yes");
  assert.equal(etcdctl(`${net}.11:2379`, ["get", "greeting", "--print-value-only", "--consistency=s"]).stdout.trim(), "hello");
});
