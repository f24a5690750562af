// GET pods/<name>/log: kube-apiserver's proxy to the kubelet. The pod's
// container is picked as kube does (the only one, or a 400 naming the
// choices), the node's InternalIP and kubelet port come from its Node
// object, and the agent's HTTPS endpoint (`/containerLogs/<ns>/<pod>/<c>`)
// is asked with kubectl's options; its answer streams through (so `-f`
// follows until the client goes), and its refusals become a Status.
import type { IncomingMessage } from "node:http";
import { request } from "node:https";
import { ApiError, badRequest, methodNotAllowed, pathNotFound } from "../errors.ts";
import { resourceTypes } from "../registry/index.ts";
import type { KubeObject } from "../registry/types.ts";
import type { ResourceRequest } from "./context.ts";
import type { ObjectStore } from "./objects.ts";

/** The client certificate the API server shows kubelets (kube's --kubelet-client-certificate/-key). */
export interface KubeletClient {
  cert?: string;
  key?: string;
}

const passedOptions = ["follow", "tailLines", "previous", "timestamps", "limitBytes", "sinceSeconds"];

type PodSpec = { nodeName?: string; containers?: { name: string }[]; initContainers?: { name: string }[] };
type NodeStatus = { addresses?: { type: string; address: string }[]; daemonEndpoints?: { kubeletEndpoint?: { Port?: number } } };

function containerOf(pod: KubeObject, asked: string | null): string {
  const spec = (pod.spec ?? {}) as PodSpec;
  const name = pod.metadata.name ?? "";
  const apps = (spec.containers ?? []).map((c) => c.name);
  const inits = (spec.initContainers ?? []).map((c) => c.name);
  if (asked === null || asked === "") {
    if (apps.length === 1) return apps[0]!;
    const initText = inits.length > 0 ? ` or one of the init containers: [${inits.join(" ")}]` : "";
    throw badRequest(`a container name must be specified for pod ${name}, choose one of: [${apps.join(" ")}]${initText}`);
  }
  if (!apps.includes(asked) && !inits.includes(asked)) throw badRequest(`container ${asked} is not valid for pod ${name}`);
  return asked;
}

export function kubeletAnswer(url: URL, client: KubeletClient): Promise<{ res: IncomingMessage; abort: () => void }> {
  return new Promise((resolve, reject) => {
    // kube-apiserver does not verify kubelets' self-signed serving certificates
    // unless given --kubelet-certificate-authority; neither do we.
    const req = request(url, { method: "GET", rejectUnauthorized: false, ...(client.cert !== undefined ? { cert: client.cert, key: client.key } : {}), timeout: 30_000 }, (res) => {
      req.setTimeout(0);
      resolve({ res, abort: () => req.destroy() });
    });
    req.on("timeout", () => req.destroy(new Error("timed out")));
    req.on("error", reject);
    req.end();
  });
}

export async function handlePodLog(objects: ObjectStore, r: ResourceRequest, verb: string, client: KubeletClient): Promise<void> {
  if (r.type.resource !== "pods" || r.type.group !== "") throw pathNotFound(r.req.url ?? "");
  if (verb !== "get") throw methodNotAllowed(r.req.method ?? "");
  const pod = await objects.get(r.type, r.version, r.namespace, r.name!);
  const container = containerOf(pod, r.query.get("container"));
  const nodeName = ((pod.spec ?? {}) as PodSpec).nodeName;
  if (nodeName === undefined || nodeName === "") throw badRequest(`container "${container}" in pod "${pod.metadata.name ?? ""}" is waiting to start: ContainerCreating`);
  const nodeType = resourceTypes.find((t) => t.resource === "nodes" && t.group === "")!;
  const node = await objects.get(nodeType, "v1", undefined, nodeName);
  const status = (node.status ?? {}) as NodeStatus;
  const ip = status.addresses?.find((a) => a.type === "InternalIP")?.address;
  if (ip === undefined) throw badRequest(`node "${nodeName}" has no InternalIP`);
  const port = status.daemonEndpoints?.kubeletEndpoint?.Port ?? 10250;
  const url = new URL(`https://${ip}:${port}/containerLogs/${encodeURIComponent(r.namespace ?? "")}/${encodeURIComponent(r.name!)}/${encodeURIComponent(container)}`);
  for (const o of passedOptions) {
    const v = r.query.get(o);
    if (v !== null) url.searchParams.set(o, v);
  }
  let answer;
  try {
    answer = await kubeletAnswer(url, client);
  } catch (err) {
    throw new ApiError(500, "InternalError", `Get "${url.toString()}": ${err instanceof Error ? err.message : String(err)}`);
  }
  const { res, abort } = answer;
  if (res.statusCode !== 200) {
    const chunks: Buffer[] = [];
    for await (const c of res) chunks.push(c as Buffer);
    const text = Buffer.concat(chunks).toString("utf8").trim();
    throw res.statusCode === 404 ? new ApiError(404, "NotFound", text) : badRequest(text);
  }
  r.res.writeHead(200, { "Content-Type": "text/plain", "Cache-Control": "no-cache, private" });
  r.res.flushHeaders();
  r.res.on("close", abort);
  res.on("error", () => r.res.destroy());
  res.pipe(r.res);
  await new Promise<void>((resolve) => r.res.on("close", () => resolve()));
}
