// GET/list of metrics.k8s.io/v1beta1 nodes and pods, answered as
// metrics-server does: ask each node's agent for its Summary API
// (/stats/summary on the kubelet port, with the kubelet client certificate)
// and turn CPU nanocores and working-set bytes into NodeMetrics and
// PodMetrics. Pods are matched by uid to the stored pods, so label
// selectors and namespaces work as on pods.
import { ApiError, methodNotAllowed, notFound } from "../errors.ts";
import { sendError, sendJson } from "../http/respond.ts";
import { findResource } from "../registry/index.ts";
import type { KubeObject } from "../registry/types.ts";
import type { ResourceRequest } from "./context.ts";
import { type HandlerDeps, selectorsOf } from "./handlers.ts";
import type { Selectors } from "./objects.ts";
import { kubeletAnswer } from "./pod-log.ts";

interface Usage {
  usageNanoCores?: number;
  workingSetBytes?: number;
}

interface Summary {
  node: { nodeName: string; cpu?: Usage; memory?: Usage };
  pods: { podRef: { uid: string }; containers: { name: string; cpu?: Usage; memory?: Usage }[] }[];
}

type NodeStatus = { addresses?: { type: string; address: string }[]; daemonEndpoints?: { kubeletEndpoint?: { Port?: number } } };

const window = "10s";
const usage = (cpu: Usage | undefined, memory: Usage | undefined): Record<string, string> => ({
  cpu: `${Math.round(cpu?.usageNanoCores ?? 0)}n`,
  memory: `${Math.round((memory?.workingSetBytes ?? 0) / 1024)}Ki`,
});

async function summaryOf(deps: HandlerDeps, node: KubeObject): Promise<Summary | undefined> {
  const status = (node.status ?? {}) as NodeStatus;
  const ip = status.addresses?.find((a) => a.type === "InternalIP")?.address;
  if (ip === undefined) return undefined;
  const port = status.daemonEndpoints?.kubeletEndpoint?.Port ?? 10250;
  try {
    const { res } = await kubeletAnswer(new URL(`https://${ip}:${port}/stats/summary`), deps.kubelet ?? {});
    const chunks: Buffer[] = [];
    for await (const c of res) chunks.push(c as Buffer);
    return res.statusCode === 200 ? (JSON.parse(Buffer.concat(chunks).toString("utf8")) as Summary) : undefined;
  } catch {
    // An unreachable node has no metrics, as with metrics-server.
    return undefined;
  }
}

const everything: Selectors = { labels: [], fields: [] };

async function nodesAndSummaries(deps: HandlerDeps, name?: string, sel = everything): Promise<{ node: KubeObject; summary: Summary }[]> {
  const nodeType = findResource({ group: "", version: "v1" }, "nodes")!;
  const all = { ...sel, limit: 0, continueToken: undefined, resourceVersion: undefined, resourceVersionMatch: undefined };
  const nodes = name === undefined ? (await deps.objects.list(nodeType, "v1", undefined, all)).items : [await deps.objects.get(nodeType, "v1", undefined, name)];
  const summaries = await Promise.all(nodes.map((n) => summaryOf(deps, n)));
  return nodes.flatMap((node, i) => (summaries[i] === undefined ? [] : [{ node, summary: summaries[i]! }]));
}

const timestamp = (): string => new Date().toISOString().replace(/\.\d+Z$/, "Z");

async function nodeMetrics(deps: HandlerDeps, r: ResourceRequest): Promise<KubeObject[]> {
  const found = await nodesAndSummaries(deps, r.name, selectorsOf(r));
  return found.map(({ node, summary }) => ({
      kind: "NodeMetrics",
      apiVersion: "metrics.k8s.io/v1beta1",
      metadata: { name: node.metadata.name, creationTimestamp: timestamp(), labels: node.metadata.labels ?? {} },
      timestamp: timestamp(),
      window,
      usage: usage(summary.node.cpu, summary.node.memory),
    }));
}

async function podMetrics(deps: HandlerDeps, r: ResourceRequest): Promise<KubeObject[]> {
  const podType = findResource({ group: "", version: "v1" }, "pods")!;
  const sel = selectorsOf(r);
  const pods = r.name !== undefined ? [await deps.objects.get(podType, "v1", r.namespace, r.name)] : (await deps.objects.list(podType, "v1", r.namespace, { ...sel, limit: 0, continueToken: undefined, resourceVersion: undefined, resourceVersionMatch: undefined })).items;
  const byUid = new Map<string, Summary["pods"][number]>();
  for (const { summary } of await nodesAndSummaries(deps)) for (const p of summary.pods) byUid.set(p.podRef.uid, p);
  return pods.flatMap((pod) => {
    const stats = byUid.get(pod.metadata.uid ?? "");
    if (stats === undefined) return [];
    return [
      {
        kind: "PodMetrics",
        apiVersion: "metrics.k8s.io/v1beta1",
        metadata: { name: pod.metadata.name, namespace: pod.metadata.namespace, creationTimestamp: timestamp(), labels: pod.metadata.labels ?? {} },
        timestamp: timestamp(),
        window,
        containers: stats.containers.map((c) => ({ name: c.name, usage: usage(c.cpu, c.memory) })),
      },
    ];
  });
}

export async function handleResourceMetrics(deps: HandlerDeps, r: ResourceRequest, verb: string): Promise<void> {
  try {
    if (verb !== "get" && verb !== "list") throw methodNotAllowed(r.req.method ?? "");
    const items = r.type.kind === "NodeMetrics" ? await nodeMetrics(deps, r) : await podMetrics(deps, r);
    if (verb === "get") {
      if (items[0] === undefined) throw notFound(r.type.resource, r.type.group, r.name ?? "");
      sendJson(r.res, 200, items[0]);
      return;
    }
    sendJson(r.res, 200, { kind: `${r.type.kind}List`, apiVersion: "metrics.k8s.io/v1beta1", metadata: {}, items });
  } catch (err) {
    if (err instanceof ApiError) sendError(r.res, err);
    else throw err;
  }
}
