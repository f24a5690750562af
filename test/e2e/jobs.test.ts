// Jobs and CronJobs with real containers: a cluster of 2 nodes with the
// scheduler and the controller manager. A Job of 3 completions, 2 at a time,
// completes and `kubectl wait --for=condition=complete` (1.32 and 1.20)
// returns; a Job whose pods exit 1 with backoffLimit 1 fails with
// BackoffLimitExceeded after 2 pods; a `*/1 * * * *` CronJob created at the
// start runs its first Job at the next whole minute (so at most ~60 s
// later: no clock offset is needed), and `kubectl create job
// --from=cronjob/NAME` makes a Job that runs to completion.
import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import type { V1CronJob, V1Job, V1JobList, V1Pod, V1PodList } from "@kubernetes/client-node";
import type { ApiServerProcess } from "../support/apiserver.ts";
import { kubectl120, kubectl132 } from "../support/apiserver.ts";
import { LocalCluster } from "../support/local-cluster.ts";
import { pollUntil } from "../support/until.ts";

let cluster: LocalCluster | undefined;
let api: ApiServerProcess;
let image = "";

const until = <T>(what: string, probe: () => Promise<T | undefined>, timeoutMs = 180_000): Promise<T> =>
  pollUntil(what, probe, { timeoutMs, diagnostics: () => cluster?.diagnostics() });

async function getJson<T>(path: string): Promise<T | undefined> {
  const r = await api.request(path);
  return r.status === 200 ? (JSON.parse(r.body) as T) : undefined;
}

function kubectl(bin: string, args: string[], input?: string): string {
  const r = api.kubectl(bin, args, input);
  assert.equal(r.status, 0, `kubectl ${args.join(" ")}: ${r.stderr}`);
  return r.stdout;
}

function jobManifest(name: string, script: string, spec: Record<string, unknown>, restartPolicy = "Never"): string {
  return JSON.stringify({
    apiVersion: "batch/v1",
    kind: "Job",
    metadata: { name },
    spec: { ...spec, template: { spec: { restartPolicy, terminationGracePeriodSeconds: 1, containers: [{ name: "work", image, command: ["/bin/sh", "-c", script] }] } } },
  });
}

const job = (name: string): Promise<V1Job | undefined> => getJson<V1Job>(`/apis/batch/v1/namespaces/default/jobs/${name}`);
const podsOf = async (name: string): Promise<V1Pod[]> => (await getJson<V1PodList>(`/api/v1/namespaces/default/pods?labelSelector=job-name%3D${name}`))?.items ?? [];
const conditions = (j: V1Job | undefined): string => (j?.status?.conditions ?? []).filter((c) => c.status === "True").map((c) => `${c.type}:${c.reason ?? ""}`).join(",");

before(async () => {
  cluster = await LocalCluster.start({ name: "jobs", nodes: 2, scheduler: true, controllerManager: true });
  api = cluster.api!;
  // The node agent image of this tree has busybox's sh (skiff/node-base has only node).
  image = cluster.agentImage;
  await cluster.waitNodesReady();
  // Created first so that its first scheduled minute passes while the Job tests run.
  const cron = {
    apiVersion: "batch/v1",
    kind: "CronJob",
    metadata: { name: "every" },
    spec: {
      schedule: "*/1 * * * *",
      concurrencyPolicy: "Forbid",
      jobTemplate: { spec: { template: { spec: { restartPolicy: "Never", terminationGracePeriodSeconds: 1, containers: [{ name: "tick", image, command: ["/bin/sh", "-c", "echo tick"] }] } } } },
    },
  };
  kubectl(kubectl132, ["apply", "-f", "-"], JSON.stringify(cron));
});

after(async () => {
  await cluster?.stop();
});

test("a Job of 3 completions, 2 in parallel, completes; kubectl wait --for=condition=complete returns (1.32, 1.20)", async () => {
  kubectl(kubectl132, ["apply", "-f", "-"], jobManifest("pi", "sleep 2; echo done", { completions: 3, parallelism: 2 }));
  let maxRunning = 0;
  let waited = false;
  // kubectl runs synchronously here with a 60 s cap, so it waits in rounds of 45 s; the pods are sampled between rounds.
  for (let round = 0; round < 6 && !waited; round++) {
    const running = (await podsOf("pi")).filter((p) => p.status?.phase === "Running" || p.status?.phase === "Pending").length;
    maxRunning = Math.max(maxRunning, running);
    const r = api.kubectl(kubectl132, ["wait", "--for=condition=complete", "job/pi", "--timeout=45s"]);
    waited = r.status === 0;
    if (waited) assert.match(r.stdout, /job.batch\/pi condition met/);
  }
  assert.ok(waited, `kubectl wait never saw the Job complete: ${JSON.stringify((await job("pi"))?.status)}\n${await cluster!.diagnostics()}`);
  assert.match(kubectl(kubectl120, ["wait", "--for=condition=complete", "job/pi", "--timeout=30s"]), /job.batch\/pi condition met/);
  const done = (await job("pi"))!;
  assert.equal(done.status?.succeeded, 3);
  assert.equal(done.status?.failed ?? 0, 0);
  assert.equal(done.status?.active ?? 0, 0);
  assert.ok(done.status?.completionTime !== undefined && done.status?.startTime !== undefined);
  assert.equal(conditions(done), "Complete:CompletionsReached");
  const pods = await podsOf("pi");
  assert.equal(pods.length, 3, "one pod per completion, kept after the Job finished");
  assert.ok(pods.every((p) => p.status?.phase === "Succeeded"));
  assert.ok(pods.every((p) => p.metadata?.ownerReferences?.[0]?.kind === "Job" && p.metadata.labels?.["controller-uid"] === done.metadata?.uid));
  assert.ok(maxRunning <= 2, `at most parallelism pods at once, saw ${maxRunning}`);
  for (const bin of [kubectl132, kubectl120]) assert.match(kubectl(bin, ["get", "job", "pi"]), /\npi\s+Complete\s+3\/3\s/);
});

test("a Job whose pods exit 1 with backoffLimit 1 is Failed with BackoffLimitExceeded after 2 pods", async () => {
  kubectl(kubectl132, ["apply", "-f", "-"], jobManifest("bad", "exit 1", { backoffLimit: 1 }));
  const failed = await until("Job bad to fail", async () => {
    const j = await job("bad");
    return conditions(j).startsWith("Failed") ? j : undefined;
  });
  assert.equal(conditions(failed), "Failed:BackoffLimitExceeded");
  assert.equal(failed.status?.failed, 2);
  assert.equal(failed.status?.succeeded ?? 0, 0);
  assert.match(kubectl(kubectl132, ["get", "job", "bad"]), /\nbad\s+Failed\s+0\/1\s/);
  assert.match(kubectl(kubectl132, ["wait", "--for=condition=failed", "job/bad", "--timeout=30s"]), /condition met/);
  const pods = await podsOf("bad");
  assert.equal(pods.length, 2);
  assert.ok(pods.every((p) => p.status?.phase === "Failed"));
});

test("a */1 CronJob runs a Job <name>-<minutes> at the next minute; kubectl create job --from=cronjob works", async () => {
  const scheduled = await until(
    "the CronJob's first Job",
    async () => {
      const jobs = (await getJson<V1JobList>("/apis/batch/v1/namespaces/default/jobs"))?.items ?? [];
      return jobs.find((j) => j.metadata?.ownerReferences?.some((r) => r.kind === "CronJob" && r.name === "every"));
    },
    150_000,
  );
  const name = scheduled.metadata!.name!;
  assert.match(name, /^every-\d+$/);
  const minutes = Number(name.slice("every-".length));
  const cj = (await getJson<V1CronJob>("/apis/batch/v1/namespaces/default/cronjobs/every"))!;
  assert.equal(new Date(cj.status!.lastScheduleTime!).getTime(), minutes * 60_000, "named after its scheduled minute");
  await until("the scheduled Job to complete", async () => (conditions(await job(name)) === "Complete:CompletionsReached" ? true : undefined));
  kubectl(kubectl132, ["create", "job", "manual", "--from=cronjob/every"]);
  const manual = (await job("manual"))!;
  assert.equal(manual.metadata?.ownerReferences?.[0]?.kind, "CronJob");
  assert.equal(manual.metadata?.annotations?.["cronjob.kubernetes.io/instantiate"], "manual");
  assert.match(kubectl(kubectl132, ["wait", "--for=condition=complete", "job/manual", "--timeout=55s"]), /condition met/);
  assert.match(kubectl(kubectl132, ["get", "cronjob", "every"]), /every\s+\*\/1 \* \* \* \*/);
});

test("restartPolicy OnFailure: the node agent restarts the container in place and a restart past backoffLimit 1 fails the Job", async () => {
  kubectl(kubectl132, ["apply", "-f", "-"], jobManifest("crash", "exit 1", { backoffLimit: 1 }, "OnFailure"));
  const failed = await until("Job crash to fail", async () => {
    const j = await job("crash");
    return conditions(j).startsWith("Failed") ? j : undefined;
  });
  assert.equal(conditions(failed), "Failed:BackoffLimitExceeded");
  assert.equal(failed.status?.failed, 1, "the restarting pod, deleted, counts as failed");
  await until("the restarting pod to go", async () => ((await podsOf("crash")).length === 0 ? true : undefined), 120_000);
});

test("activeDeadlineSeconds: a Job still running after it is Failed with DeadlineExceeded and its pod is removed", async () => {
  kubectl(kubectl132, ["apply", "-f", "-"], jobManifest("slow", "sleep 600", { activeDeadlineSeconds: 5 }));
  const failed = await until("Job slow to fail", async () => {
    const j = await job("slow");
    return conditions(j).startsWith("Failed") ? j : undefined;
  });
  assert.equal(conditions(failed), "Failed:DeadlineExceeded");
  assert.equal(failed.status?.active ?? 0, 0);
  await until("the deadline's pod to go", async () => ((await podsOf("slow")).length === 0 ? true : undefined), 120_000);
});

test("completionMode Indexed: each pod sees its JOB_COMPLETION_INDEX and completedIndexes covers all", async () => {
  kubectl(kubectl132, ["apply", "-f", "-"], jobManifest("idx", 'echo "index=$JOB_COMPLETION_INDEX"', { completionMode: "Indexed", completions: 3, parallelism: 3 }));
  assert.match(kubectl(kubectl132, ["wait", "--for=condition=complete", "job/idx", "--timeout=55s"]), /condition met/);
  const done = (await job("idx"))!;
  assert.equal(done.status?.completedIndexes, "0-2");
  const pods = await podsOf("idx");
  assert.equal(pods.length, 3);
  for (const p of pods) {
    const index = p.metadata?.annotations?.["batch.kubernetes.io/job-completion-index"];
    assert.match(p.metadata!.name!, new RegExp(`^idx-${index}-`));
    assert.equal(kubectl(kubectl132, ["logs", p.metadata!.name!]).trim(), `index=${index}`);
  }
});
