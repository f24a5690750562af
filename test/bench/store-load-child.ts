// Entry point of the load generator's child process: runs each job the
// parent sends over IPC and sends back its result (or its error).
import { type LoadJob, runLoadJob } from "./store-load.ts";

process.on("message", (job: LoadJob) => {
  runLoadJob(job).then(
    (result) => process.send?.({ ok: true, result }),
    (err: unknown) => process.send?.({ ok: false, error: err instanceof Error ? err.message : String(err) }),
  );
});
