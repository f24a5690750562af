// Server-side printing: the meta.k8s.io/v1 Table that `kubectl get` asks for.
import { ageColumn, nameColumn } from "../registry/printing.ts";
import type { Column, KubeObject, ResourceType } from "../registry/types.ts";

export type IncludeObject = "None" | "Metadata" | "Object";

export function columnsOf(type: ResourceType): Column[] {
  const cols = type.columns;
  if (cols.some((c) => c.name === "Name")) return cols;
  return [nameColumn, ...cols, ...(cols.some((c) => c.name === "Age") ? [] : [ageColumn])];
}

function rowObject(type: ResourceType, obj: KubeObject, include: IncludeObject): unknown {
  if (include === "None") return undefined;
  if (include === "Object") return obj;
  return { kind: "PartialObjectMetadata", apiVersion: "meta.k8s.io/v1", metadata: obj.metadata };
}

export interface TableListMeta {
  resourceVersion?: string;
  continue?: string;
}

export function toTable(type: ResourceType, objects: KubeObject[], include: IncludeObject, listMeta: TableListMeta, now = Date.now()): Record<string, unknown> {
  const columns = columnsOf(type);
  return {
    kind: "Table",
    apiVersion: "meta.k8s.io/v1",
    metadata: listMeta,
    columnDefinitions: columns.map((c) => ({ name: c.name, type: c.type, format: c.format ?? "", description: c.description ?? "", priority: c.priority ?? 0 })),
    rows: objects.map((o) => {
      const row: Record<string, unknown> = { cells: columns.map((c) => c.cell(o, now)) };
      const object = rowObject(type, o, include);
      if (object !== undefined) row.object = object;
      return row;
    }),
  };
}
