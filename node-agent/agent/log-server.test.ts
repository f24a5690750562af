import assert from "node:assert/strict";
import { test } from "node:test";
import { logOptions } from "./log-server.ts";

test("kubectl's log options as the API server passes them on", () => {
  const q = new URLSearchParams("follow=true&tailLines=5&previous=true&timestamps=true&limitBytes=100&sinceSeconds=60");
  assert.deepEqual(logOptions(q, "web"), { container: "web", follow: true, previous: true, timestamps: true, tailLines: 5, limitBytes: 100, sinceSeconds: 60 });
  assert.deepEqual(logOptions(new URLSearchParams("follow=false&tailLines=x"), "web"), { container: "web", follow: false, previous: false, timestamps: false });
});
