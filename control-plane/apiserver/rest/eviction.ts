// pods/eviction (policy/v1 and v1beta1 Eviction), how kubectl drain removes
// pods: a delete with the Eviction's DeleteOptions, unless a
// PodDisruptionBudget selecting the pod would be broken. With no disruption
// controller in skiff, the budget is evaluated here, as that controller
// would: healthy (ready, not being disrupted) matching pods against
// minAvailable or maxUnavailable (ints or percentages of the matching pods,
// rounded up). The pod is recorded in the budget's status.disruptedPods with
// a compare-and-swap before it is deleted, so concurrent evictions (drain
// sends them in parallel) cannot both spend the last allowed disruption.
import { ApiError, badRequest, methodNotAllowed, pathNotFound } from "../errors.ts";
import { sendJson } from "../http/respond.ts";
import { resourceTypes } from "../registry/index.ts";
import { at, labelSelectorString } from "../registry/printing.ts";
import type { KubeObject } from "../registry/types.ts";
import { matchesLabels, parseLabelSelector } from "../selectors/labels.ts";
import type { ResourceRequest } from "./context.ts";
import { readObjectBody } from "./decode.ts";
import { propagationOf } from "./deletion.ts";
import type { ObjectStore } from "./objects.ts";

/** How long a recorded disruption counts against a budget (kube's DeletionTimeout). */
const disruptionTimeoutMs = 2 * 60 * 1000;

const allItems = { labels: [], fields: [], limit: 0, continueToken: undefined, resourceVersion: undefined, resourceVersionMatch: undefined };

const phaseOf = (p: KubeObject): string => String(at(p, "status.phase") ?? "Pending");
const isReady = (p: KubeObject): boolean => ((at(p, "status.conditions") as { type?: string; status?: string }[] | undefined) ?? []).some((c) => c.type === "Ready" && c.status === "True");

function scaled(value: unknown, total: number): number {
  if (typeof value === "number") return value;
  const m = /^(\d+)%$/.exec(String(value));
  if (m === null) throw badRequest(`invalid value for IntOrString: invalid value ${JSON.stringify(value)}`);
  return Math.ceil((Number(m[1]) * total) / 100);
}

function selects(budget: KubeObject, pod: KubeObject): boolean {
  const selector = labelSelectorString(at(budget, "spec.selector"));
  return selector !== "<none>" && matchesLabels(parseLabelSelector(selector), pod.metadata.labels);
}

function refuse(budget: string, message: string): ApiError {
  return new ApiError(429, "TooManyRequests", "Cannot evict pod as it would violate the pod's disruption budget.", { causes: [{ reason: "DisruptionBudget", message: `The disruption budget ${budget} ${message}` }] });
}

/** Checks the pod's budget and records the disruption; resolves when the pod may go. */
async function spendDisruption(objects: ObjectStore, namespace: string, pod: KubeObject): Promise<void> {
  const pdbType = resourceTypes.find((t) => t.resource === "poddisruptionbudgets")!;
  const podType = resourceTypes.find((t) => t.resource === "pods" && t.group === "")!;
  for (let attempt = 0; attempt < 5; attempt++) {
    const budgets = (await objects.list(pdbType, "v1", namespace, allItems)).items.filter((b) => selects(b, pod));
    if (budgets.length === 0) return;
    if (budgets.length > 1) throw new ApiError(500, "InternalError", "This pod has more than one PodDisruptionBudget, which the eviction subresource does not support.");
    const budget = budgets[0]!;
    const name = budget.metadata.name ?? "";
    const now = Date.now();
    const disrupted = Object.fromEntries(Object.entries((at(budget, "status.disruptedPods") as Record<string, string> | undefined) ?? {}).filter(([, t]) => now - Date.parse(t) < disruptionTimeoutMs));
    const matching = (await objects.list(podType, "v1", namespace, allItems)).items.filter((p) => selects(budget, p) && !["Succeeded", "Failed"].includes(phaseOf(p)));
    const healthy = matching.filter((p) => isReady(p) && p.metadata.deletionTimestamp === undefined && !(p.metadata.name! in disrupted)).length;
    const minAvailable = at(budget, "spec.minAvailable");
    const maxUnavailable = at(budget, "spec.maxUnavailable");
    const desired = minAvailable !== undefined ? scaled(minAvailable, matching.length) : maxUnavailable !== undefined ? Math.max(0, matching.length - scaled(maxUnavailable, matching.length)) : 0;
    if (!isReady(pod)) {
      // An unhealthy pod takes nothing from the budget; it may go while the budget is met (kube's IfHealthyBudget).
      if (healthy >= desired) return;
      throw refuse(name, `needs ${desired} healthy pods and has ${healthy} currently`);
    }
    const allowed = healthy - desired;
    if (allowed <= 0) throw refuse(name, `needs ${desired} healthy pods and has ${healthy} currently`);
    const status = { ...((budget.status as Record<string, unknown> | undefined) ?? {}) };
    status.disruptedPods = { ...disrupted, [pod.metadata.name!]: new Date(now).toISOString().replace(/\.\d+Z$/, "Z") };
    Object.assign(status, { disruptionsAllowed: allowed - 1, currentHealthy: healthy, desiredHealthy: desired, expectedPods: matching.length, observedGeneration: budget.metadata.generation ?? 1 });
    try {
      await objects.update(pdbType, "v1", namespace, name, { ...budget, status }, "status");
      return;
    } catch (err) {
      if (!(err instanceof ApiError && err.code === 409)) throw err;
    }
  }
  throw new ApiError(429, "TooManyRequests", "Cannot evict pod as it would violate the pod's disruption budget: too many concurrent evictions, try again", { retryAfterSeconds: 1 });
}

export async function handleEviction(objects: ObjectStore, r: ResourceRequest, verb: string): Promise<void> {
  if (r.type.resource !== "pods" || r.type.group !== "") throw pathNotFound(r.req.url ?? "");
  if (verb !== "create") throw methodNotAllowed(r.req.method ?? "");
  const { value } = await readObjectBody(r);
  if (typeof value !== "object" || value === null || Array.isArray(value)) throw badRequest("the body must be an Eviction object");
  const eviction = value as { apiVersion?: unknown; kind?: unknown; metadata?: { name?: unknown }; deleteOptions?: unknown };
  if (eviction.kind !== undefined && eviction.kind !== "Eviction") throw badRequest(`the kind in the body (${String(eviction.kind)}) does not match the expected kind (Eviction)`);
  if (eviction.apiVersion !== undefined && eviction.apiVersion !== "policy/v1" && eviction.apiVersion !== "policy/v1beta1") {
    throw badRequest(`the API version in the data (${String(eviction.apiVersion)}) does not match the expected API version (policy/v1)`);
  }
  const name = r.name!;
  const named = eviction.metadata?.name;
  if (named !== undefined && named !== "" && named !== name) throw badRequest(`name in URL does not match name in Eviction object`);
  const options = (typeof eviction.deleteOptions === "object" && eviction.deleteOptions !== null ? eviction.deleteOptions : {}) as Record<string, unknown>;
  const pre = (options.preconditions ?? {}) as { uid?: string; resourceVersion?: string };
  const pod = await objects.get(r.type, r.version, r.namespace, name);
  // Pods that are not running (pending, finished) or already going take nothing from a budget (kube's canIgnorePDB).
  if (pod.metadata.deletionTimestamp === undefined && phaseOf(pod) === "Running") await spendDisruption(objects, r.namespace ?? "", pod);
  await objects.delete(r.type, r.version, r.namespace, name, {
    uid: pre.uid,
    resourceVersion: pre.resourceVersion,
    gracePeriodSeconds: typeof options.gracePeriodSeconds === "number" ? options.gracePeriodSeconds : undefined,
    ...propagationOf(r.type, name, options, new URLSearchParams()),
  });
  sendJson(r.res, 201, { kind: "Status", apiVersion: "v1", metadata: {}, status: "Success", code: 201 });
}
