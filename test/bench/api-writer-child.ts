// Entry point of `skiff bench api`'s writer process: the watched creates go
// out from here, so their acknowledgement times are not held up by the
// parent's thousand watch connections. Answers each write with its status
// and its send and acknowledgement times (wall clock, high resolution).
import { ApiLoad } from "./api-load.ts";
import type { WriteJob, WriteResult } from "./api-load.ts";

let load: ApiLoad | undefined;

process.on("message", (job: WriteJob) => {
  load ??= new ApiLoad({ url: job.url, ca: Buffer.from(job.ca), token: job.token }, 1);
  const sentAt = performance.timeOrigin + performance.now();
  load.send("POST", job.path, job.body).then(
    (answer) => {
      const result: WriteResult = { status: answer.status, sentAt, ackedAt: performance.timeOrigin + performance.now(), body: answer.body.toString("utf8").slice(0, 500) };
      process.send?.(result);
    },
    (err: unknown) => process.send?.({ status: 0, sentAt, ackedAt: 0, body: err instanceof Error ? err.message : String(err) } satisfies WriteResult),
  );
});
process.on("disconnect", () => load?.close());
