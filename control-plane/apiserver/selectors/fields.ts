// Field selectors: `a=b`, `a==b`, `a!=b` joined by commas, over the fields a
// resource allows (metadata.name and metadata.namespace everywhere).

export interface FieldRequirement {
  field: string;
  value: string;
  negate: boolean;
}

export class FieldSelectorError extends Error {}

export function parseFieldSelector(selector: string): FieldRequirement[] {
  if (selector.trim() === "") return [];
  return selector.split(",").map((raw) => {
    const m = /^\s*([^=!\s]+)\s*(==|=|!=)\s*(.*?)\s*$/.exec(raw);
    if (m === null) throw new FieldSelectorError(`invalid selector: '${selector}'; can't understand '${raw}'`);
    return { field: m[1]!, value: m[3]!, negate: m[2] === "!=" };
  });
}

export type FieldGetter = (obj: Record<string, unknown>) => string;

export function matchesFields(requirements: FieldRequirement[], getters: Record<string, FieldGetter>, obj: Record<string, unknown>): boolean {
  return requirements.every((r) => {
    const get = getters[r.field];
    if (get === undefined) return false;
    return (get(obj) === r.value) !== r.negate;
  });
}

/** The first field a resource does not support, if any. */
export function unsupportedField(requirements: FieldRequirement[], getters: Record<string, FieldGetter>): string | undefined {
  return requirements.find((r) => getters[r.field] === undefined)?.field;
}
