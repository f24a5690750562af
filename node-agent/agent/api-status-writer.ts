// The kubelet's writes on the API server: a pod's status through the
// `status` subresource (a merge patch of the status the kubelet computed,
// so fields others own stay), and, once a deleted pod's containers are
// gone, the final delete with grace 0 and the pod's uid as precondition
// (a new pod of the same name is never touched).
import type { V1Pod, V1PodStatus } from "@kubernetes/client-node";
import { type ApiClient, isConflict, isNotFound } from "../../proto/kube/api-client.ts";
import type { PodStatusWriter } from "../kubelet/kubelet.ts";

export type PodApi = Pick<ApiClient, "patch" | "delete">;

const podPath = (pod: V1Pod): string =>
  `/api/v1/namespaces/${encodeURIComponent(pod.metadata?.namespace ?? "default")}/pods/${encodeURIComponent(pod.metadata?.name ?? "")}`;

export class ApiStatusWriter implements PodStatusWriter {
  writes = 0;

  constructor(private readonly api: PodApi) {}

  async writeStatus(pod: V1Pod, status: V1PodStatus): Promise<void> {
    try {
      // The uid rides along as Kubernetes reads it: a precondition (a pod recreated under the same name answers 409).
      await this.api.patch(`${podPath(pod)}/status`, { metadata: { uid: pod.metadata?.uid }, status }, "merge");
      this.writes++;
    } catch (err) {
      if (!isNotFound(err) && !isConflict(err)) throw err;
    }
  }

  async podTerminated(pod: V1Pod): Promise<void> {
    try {
      await this.api.delete(podPath(pod), { apiVersion: "v1", kind: "DeleteOptions", gracePeriodSeconds: 0, preconditions: { uid: pod.metadata?.uid } });
    } catch (err) {
      if (!isNotFound(err) && !isConflict(err)) throw err;
    }
  }
}
