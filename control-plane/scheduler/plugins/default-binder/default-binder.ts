// DefaultBinder: binds through the cluster's Binder (the binding subresource
// once the API server is there).
import type { Binder } from "../../cluster.ts";
import type { PodInfo } from "../../framework/pod-info.ts";
import { errorStatus, success, type Status } from "../../framework/status.ts";
import type { BindPlugin } from "../../framework/types.ts";

export class DefaultBinder implements BindPlugin {
  readonly name = "DefaultBinder";

  constructor(private readonly binder: Binder) {}

  async bind(pod: PodInfo, nodeName: string): Promise<Status> {
    try {
      await this.binder.bind(pod.pod, nodeName);
      return success;
    } catch (err) {
      return errorStatus(err instanceof Error ? err.message : String(err));
    }
  }
}
