// Fills the parts of a ResourceType most kinds share.
import type { ResourceType } from "../types.ts";

type Required = Pick<ResourceType, "group" | "versions" | "resource" | "kind" | "namespaced">;

export function defineKind(t: Required & Partial<ResourceType>): ResourceType {
  return {
    singular: t.kind.toLowerCase(),
    shortNames: [],
    categories: [],
    model: `${t.versions[0]!.charAt(0).toUpperCase()}${t.versions[0]!.slice(1)}${t.kind}`,
    statusSubresource: false,
    hasSpec: false,
    columns: [],
    fields: {},
    ...t,
  };
}
