// The scale subresource (autoscaling/v1 Scale over spec.replicas) and pod
// binding (how the scheduler places a pod on a node); pod eviction is in
// eviction.ts, pods/log in pod-log.ts.
import { badRequest, conflict, methodNotAllowed, pathNotFound } from "../errors.ts";
import { sendJson } from "../http/respond.ts";
import type { Json } from "../patch/merge-patch.ts";
import type { KubeObject, ScaleInfo } from "../registry/types.ts";
import type { ResourceRequest } from "./context.ts";
import { readObjectBody } from "./decode.ts";
import { handleEviction } from "./eviction.ts";
import type { ObjectStore } from "./objects.ts";
import { applyPatch, readPatch } from "./patch.ts";
import { handlePodLog, type KubeletClient } from "./pod-log.ts";

function toScale(obj: KubeObject, scale: ScaleInfo): KubeObject {
  const { name, namespace, uid, resourceVersion, creationTimestamp } = obj.metadata;
  return {
    kind: "Scale",
    apiVersion: "autoscaling/v1",
    metadata: { name, namespace, uid, resourceVersion, creationTimestamp },
    spec: { replicas: scale.specReplicas(obj) },
    status: { replicas: scale.statusReplicas(obj), selector: scale.selector(obj) },
  };
}

function replicasOf(scaleObj: unknown): number {
  const replicas = (scaleObj as { spec?: { replicas?: unknown } } | null)?.spec?.replicas;
  if (typeof replicas !== "number" || !Number.isInteger(replicas) || replicas < 0) {
    throw badRequest(`Scale.spec.replicas: Invalid value: ${JSON.stringify(replicas)}: must be greater than or equal to 0`);
  }
  return replicas;
}

async function handleScale(objects: ObjectStore, r: ResourceRequest, verb: string): Promise<void> {
  const scale = r.type.scale;
  if (scale === undefined) throw pathNotFound(r.req.url ?? "");
  const name = r.name!;
  if (verb === "get") {
    sendJson(r.res, 200, toScale(await objects.get(r.type, r.version, r.namespace, name), scale));
    return;
  }
  let change: (current: KubeObject) => number;
  if (verb === "update") {
    const { value } = await readObjectBody(r);
    const wanted = value as { metadata?: { resourceVersion?: string } };
    change = (current) => {
      const rv = wanted?.metadata?.resourceVersion;
      if (rv !== undefined && rv !== "" && rv !== current.metadata.resourceVersion) {
        throw conflict(r.type.resource, r.type.group, name, "the object has been modified; please apply your changes to the latest version and try again");
      }
      return replicasOf(value);
    };
  } else if (verb === "patch") {
    const { format, patch } = await readPatch(r);
    change = (current) => replicasOf(applyPatch(format, toScale(current, scale) as unknown as Json, patch));
  } else {
    throw methodNotAllowed(r.req.method ?? "");
  }
  const updated = await objects.modify(r.type, r.version, r.namespace, name, "", (current) => {
    scale.setSpecReplicas(current, change(current));
    return current;
  });
  sendJson(r.res, 200, toScale(updated, scale));
}

async function handleBinding(objects: ObjectStore, r: ResourceRequest, verb: string): Promise<void> {
  if (r.type.resource !== "pods" || r.type.group !== "") throw pathNotFound(r.req.url ?? "");
  if (verb !== "create") throw methodNotAllowed(r.req.method ?? "");
  const { value } = await readObjectBody(r);
  const target = (value as { target?: { name?: unknown } } | null)?.target?.name;
  if (typeof target !== "string" || target === "") throw badRequest("Binding.target.name: Required value");
  const name = r.name!;
  await objects.modify(r.type, r.version, r.namespace, name, "", (pod) => {
    const spec = (pod.spec ?? {}) as Record<string, unknown>;
    if (typeof spec.nodeName === "string" && spec.nodeName !== "") throw conflict("pods", "", name, `pod ${name} is already assigned to node "${spec.nodeName}"`);
    if (pod.metadata.deletionTimestamp !== undefined) throw conflict("pods", "", name, "pod is being deleted, cannot be assigned to a host");
    spec.nodeName = target;
    pod.spec = spec;
    return pod;
  });
  sendJson(r.res, 201, { kind: "Status", apiVersion: "v1", metadata: {}, status: "Success", code: 201 });
}

export async function handleSubresource(objects: ObjectStore, r: ResourceRequest, verb: string, kubelet: KubeletClient = {}): Promise<void> {
  if (r.name === undefined || (r.type.namespaced && r.namespace === undefined)) throw pathNotFound(r.req.url ?? "");
  if (r.subresource === "scale") return handleScale(objects, r, verb);
  if (r.subresource === "binding") return handleBinding(objects, r, verb);
  if (r.subresource === "eviction") return handleEviction(objects, r, verb);
  if (r.subresource === "log") return handlePodLog(objects, r, verb, kubelet);
  throw pathNotFound(r.req.url ?? "");
}
