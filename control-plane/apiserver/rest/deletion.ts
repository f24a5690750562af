// What a DELETE does to an object's finalizers, as Kubernetes' generic
// registry decides it: propagationPolicy (or the legacy orphanDependents)
// adds the garbage collector's "orphan" or "foregroundDeletion" finalizer;
// without either, a finalizer already on the object, then the kind's
// default (batch/v1 Jobs orphan for backward compatibility) decide.
import { badRequest, invalid } from "../errors.ts";
import type { ResourceType } from "../registry/types.ts";

export const orphanFinalizer = "orphan";
export const foregroundFinalizer = "foregroundDeletion";

export type Propagation = "Orphan" | "Background" | "Foreground";

export interface PropagationOptions {
  propagationPolicy?: Propagation;
  orphanDependents?: boolean;
}

/** Reads propagationPolicy and orphanDependents from DeleteOptions (body first, then query). */
export function propagationOf(type: ResourceType, name: string, options: Record<string, unknown>, query: URLSearchParams): PropagationOptions {
  const policy = options.propagationPolicy ?? query.get("propagationPolicy") ?? undefined;
  if (policy !== undefined && policy !== null && !["Orphan", "Background", "Foreground"].includes(String(policy))) {
    throw badRequest(`DeleteOptions.propagationPolicy: Unsupported value: ${JSON.stringify(policy)}: supported values: "Foreground", "Background", "Orphan"`);
  }
  const orphanRaw = options.orphanDependents ?? query.get("orphanDependents") ?? undefined;
  const orphan = orphanRaw === undefined || orphanRaw === null ? undefined : orphanRaw === true || orphanRaw === "true";
  if (orphan !== undefined && policy !== undefined && policy !== null) {
    throw invalid(type.kind, type.group, name, [{ reason: "FieldValueInvalid", field: "orphanDependents", message: `Invalid value: ${String(orphan)}: orphanDependents and deletionPropagation cannot be both set` }]);
  }
  return { ...(policy === undefined || policy === null ? {} : { propagationPolicy: policy as Propagation }), ...(orphan === undefined ? {} : { orphanDependents: orphan }) };
}

function shouldOrphan(type: ResourceType, version: string, finalizers: string[], o: PropagationOptions): boolean {
  if (o.orphanDependents !== undefined) return o.orphanDependents;
  if (o.propagationPolicy !== undefined) return o.propagationPolicy === "Orphan";
  if (finalizers.includes(orphanFinalizer)) return true;
  if (finalizers.includes(foregroundFinalizer)) return false;
  return type.defaultGcPolicy?.(version) === "OrphanDependents";
}

function shouldDeleteDependents(finalizers: string[], o: PropagationOptions): boolean {
  if (o.orphanDependents !== undefined) return false;
  if (o.propagationPolicy !== undefined) return o.propagationPolicy === "Foreground";
  if (finalizers.includes(foregroundFinalizer)) return true;
  return false;
}

/** The finalizers a delete leaves on the object, or undefined when they stay as they are. */
export function finalizersOnDelete(type: ResourceType, version: string, finalizers: string[], o: PropagationOptions): string[] | undefined {
  const next = finalizers.filter((f) => f !== orphanFinalizer && f !== foregroundFinalizer);
  if (shouldOrphan(type, version, finalizers, o)) next.push(orphanFinalizer);
  if (shouldDeleteDependents(finalizers, o)) next.push(foregroundFinalizer);
  const same = next.length === finalizers.length && next.every((f) => finalizers.includes(f));
  return same ? undefined : next;
}

/** Kubernetes' timestamps: seconds, no fraction. */
export function nowTimestamp(): string {
  return timestampIn(0);
}

/** The timestamp `seconds` from now (a deletionTimestamp: when the grace runs out). */
export function timestampIn(seconds: number): string {
  return new Date(Date.now() + seconds * 1000).toISOString().replace(/\.\d+Z$/, "Z");
}
