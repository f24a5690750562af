import assert from "node:assert/strict";
import { test } from "node:test";
import { ApiError } from "../../proto/kube/api-client.ts";
import { ApiStatusWriter, type PodApi } from "./api-status-writer.ts";

test("status goes through pods/<name>/status as a merge patch; a pod gone meanwhile is not an error; the final delete has grace 0 and the uid", async () => {
  const calls: { method: string; path: string; body: unknown; type?: string }[] = [];
  let missing = false;
  const api: PodApi = {
    patch: async <T>(path: string, body: unknown, type?: string) => {
      calls.push({ method: "PATCH", path, body, ...(type !== undefined ? { type } : {}) });
      if (missing) throw new ApiError(404, "NotFound", "gone");
      return {} as T;
    },
    delete: async (path: string, body?: unknown) => {
      calls.push({ method: "DELETE", path, body });
      throw new ApiError(404, "NotFound", "gone");
    },
  };
  const writer = new ApiStatusWriter(api);
  const pod = { metadata: { name: "web", namespace: "shop", uid: "u1" } };
  await writer.writeStatus(pod, { phase: "Running" });
  assert.deepEqual(calls[0], { method: "PATCH", path: "/api/v1/namespaces/shop/pods/web/status", body: { metadata: { uid: "u1" }, status: { phase: "Running" } }, type: "merge" });
  missing = true;
  await writer.writeStatus(pod, { phase: "Succeeded" });
  await writer.podTerminated(pod);
  assert.deepEqual(calls[2]?.body, { apiVersion: "v1", kind: "DeleteOptions", gracePeriodSeconds: 0, preconditions: { uid: "u1" } });
  assert.equal(writer.writes, 1);
  await assert.rejects(
    new ApiStatusWriter({ ...api, patch: async () => Promise.reject(new ApiError(500, "InternalError", "boom")) }).writeStatus(pod, {}),
    /boom/,
  );
});
