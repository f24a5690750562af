// Where objects live in the store, and the continue tokens of paged lists.
import { badRequest } from "../errors.ts";
import type { ResourceType } from "../registry/types.ts";

export function resourcePrefix(type: ResourceType): string {
  return type.group === "" ? `/registry/${type.resource}/` : `/registry/${type.group}/${type.resource}/`;
}

/** The prefix of one namespace's objects, or of all of them. */
export function listPrefix(type: ResourceType, namespace: string | undefined): string {
  return type.namespaced && namespace !== undefined ? `${resourcePrefix(type)}${namespace}/` : resourcePrefix(type);
}

export function objectKey(type: ResourceType, namespace: string | undefined, name: string): string {
  return type.namespaced ? `${resourcePrefix(type)}${namespace ?? ""}/${name}` : `${resourcePrefix(type)}${name}`;
}

export interface ContinueToken {
  /** The revision the first page was read at. */
  rv: number;
  /** The key after which the next page starts, relative to the list prefix. */
  start: string;
}

export function encodeContinue(token: ContinueToken): string {
  return Buffer.from(JSON.stringify({ v: "meta.k8s.io/v1", rv: token.rv, start: token.start })).toString("base64url");
}

export function decodeContinue(text: string): ContinueToken {
  try {
    const t = JSON.parse(Buffer.from(text, "base64url").toString("utf8")) as { v?: string; rv?: unknown; start?: unknown };
    if (t.v === "meta.k8s.io/v1" && typeof t.rv === "number" && t.rv > 0 && typeof t.start === "string" && !t.start.includes("..")) return { rv: t.rv, start: t.start };
  } catch {
    // fall through
  }
  throw badRequest(`continue key is not valid: ${text.slice(0, 64)}`);
}
