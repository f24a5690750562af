// Namespace policy at admission, as kube-apiserver's LimitRanger and
// ResourceQuota plugins: a new pod's containers get the LimitRange's
// defaultRequest/default values they lack, then a create that would take a
// namespace's usage past a ResourceQuota's `hard` is refused with kube's
// 403 message. Usage is computed at admission from the objects the
// namespace holds now (no separate quota controller), and written to the
// quotas' status.used after each create and delete there.
import { quantityMilliValue } from "../../scheduler/quantity.ts";
import { ApiError, qualified } from "../errors.ts";
import type { KubeObject, ResourceType } from "../registry/types.ts";

type Json = Record<string, unknown>;

export interface NamespaceObjects {
  /** Every object of a kind in a namespace. */
  all(type: ResourceType, namespace: string): Promise<KubeObject[]>;
  /** The served kind of "pods" or "deployments.apps". */
  typeOf(name: string): ResourceType | undefined;
}

const obj = (v: unknown): Json => (typeof v === "object" && v !== null ? (v as Json) : {});
const list = (v: unknown): Json[] => (Array.isArray(v) ? (v as Json[]) : []);
const qualifiedName = (t: ResourceType): string => (t.group === "" ? t.resource : `${t.resource}.${t.group}`);
const cpuOrMemory = (name: string): boolean => name === "cpu" || name === "memory";

/** LimitRanger: defaults for containers from every LimitRange of type Container. */
export function applyLimitRanges(pod: KubeObject, ranges: KubeObject[]): void {
  const spec = obj(pod.spec);
  for (const range of ranges) {
    for (const item of list(obj(range.spec).limits)) {
      if (item.type !== "Container") continue;
      for (const c of [...list(spec.containers), ...list(spec.initContainers)]) {
        const resources = (c.resources = obj(c.resources));
        const limits = { ...(obj(item.default) as Record<string, string>), ...(obj(resources.limits) as Record<string, string>) };
        const requests = { ...(obj(item.defaultRequest) as Record<string, string>), ...(obj(resources.requests) as Record<string, string>) };
        // As kube: a limit without a request makes the request equal to it.
        for (const [k, v] of Object.entries(limits)) requests[k] ??= v;
        if (Object.keys(limits).length > 0) resources.limits = limits;
        if (Object.keys(requests).length > 0) resources.requests = requests;
      }
    }
  }
}

const isActivePod = (p: KubeObject): boolean => {
  const phase = obj(p.status).phase;
  return phase !== "Succeeded" && phase !== "Failed";
};

/** A pod's contribution to requests.* and limits.* (milli-units), the larger of init and app containers as kube sums them. */
function podResources(p: KubeObject, kind: "requests" | "limits", resource: string): number {
  const sum = (cs: Json[]): number => cs.reduce((n, c) => n + quantity(obj(obj(c.resources)[kind])[resource] ?? (kind === "requests" ? obj(obj(c.resources).limits)[resource] : undefined)), 0);
  const init = list(obj(p.spec).initContainers).reduce((m, c) => Math.max(m, sum([c])), 0);
  return Math.max(sum(list(obj(p.spec).containers)), init);
}

function quantity(v: unknown): number {
  if (typeof v === "number") return v * 1000;
  if (typeof v !== "string") return 0;
  try {
    return quantityMilliValue(v);
  } catch {
    return 0;
  }
}

/** What one hard key counts, over the objects of the namespace (milli-units). */
async function usage(objects: NamespaceObjects, namespace: string, key: string): Promise<number | undefined> {
  const pods = async (): Promise<KubeObject[]> => (await objects.all(objects.typeOf("pods")!, namespace)).filter(isActivePod);
  if (key === "pods") return (await pods()).length * 1000;
  const m = /^(requests|limits)\.(cpu|memory)$/.exec(key) ?? (cpuOrMemory(key) ? ["", "requests", key] : null);
  if (m !== null) return (await pods()).reduce((n, p) => n + podResources(p, m[1] as "requests" | "limits", m[2]!), 0);
  const counted = key.startsWith("count/") ? key.slice("count/".length) : ["services", "secrets", "configmaps", "replicationcontrollers", "resourcequotas"].includes(key) ? key : undefined;
  const type = counted === undefined ? undefined : objects.typeOf(counted);
  if (type === undefined) return undefined;
  return (await objects.all(type, namespace)).length * 1000;
}

/** What a new object adds to each key it touches. */
function increment(type: ResourceType, created: KubeObject, key: string): number {
  const name = qualifiedName(type);
  if (key === `count/${name}` || key === name) return 1000;
  if (name !== "pods") return 0;
  const m = /^(requests|limits)\.(cpu|memory)$/.exec(key) ?? (cpuOrMemory(key) ? ["", "requests", key] : null);
  return m === null ? 0 : podResources(created, m[1] as "requests" | "limits", m[2]!);
}

const format = (key: string, milli: number): string => {
  if (key.endsWith("cpu") && milli % 1000 !== 0) return `${milli}m`;
  return String(Math.round(milli / 1000));
};

/** ResourceQuota admission: refuses the create when any quota of the namespace would be exceeded. */
export async function admitQuota(objects: NamespaceObjects, quotas: KubeObject[], type: ResourceType, namespace: string, created: KubeObject): Promise<void> {
  for (const quota of quotas) {
    const hard = obj(obj(quota.spec).hard) as Record<string, string>;
    const touched = Object.keys(hard).filter((k) => increment(type, created, k) > 0).sort();
    if (touched.length === 0) continue;
    const used = new Map<string, number>();
    for (const k of touched) used.set(k, (await usage(objects, namespace, k)) ?? 0);
    const over = touched.filter((k) => used.get(k)! + increment(type, created, k) > quantity(hard[k]));
    if (over.length === 0) continue;
    const show = (f: (k: string) => string): string => over.map((k) => `${k}=${f(k)}`).join(",");
    const message = `exceeded quota: ${quota.metadata.name ?? ""}, requested: ${show((k) => format(k, increment(type, created, k)))}, used: ${show((k) => format(k, used.get(k)!))}, limited: ${show((k) => String(hard[k]))}`;
    const name = created.metadata.name ?? "";
    throw new ApiError(403, "Forbidden", `${qualified(type.resource, type.group)} "${name}" is forbidden: ${message}`, { name, group: type.group, kind: type.resource });
  }
}

/** The status a quota should show now: hard as given, used as counted. */
export async function quotaStatus(objects: NamespaceObjects, quota: KubeObject, namespace: string): Promise<Json> {
  const hard = obj(obj(quota.spec).hard) as Record<string, string>;
  const used: Record<string, string> = {};
  for (const k of Object.keys(hard)) {
    const u = await usage(objects, namespace, k);
    if (u !== undefined) used[k] = format(k, u);
  }
  return { hard, used };
}
