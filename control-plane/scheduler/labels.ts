// Matching of label selectors (pods) and node selector terms (nodes), with the
// semantics of apimachinery's labels package and the scheduler's node affinity.
import type { LabelSelector, LabelSelectorRequirement, Node, NodeSelector, NodeSelectorRequirement, NodeSelectorTerm } from "./kube-types.ts";

export type Labels = Readonly<Record<string, string>>;

const noLabels: Labels = Object.freeze({});

export function labelsOf(object: { metadata?: { labels?: Record<string, string> } }): Labels {
  return object.metadata?.labels ?? noLabels;
}

function matchesSetRequirement(labels: Labels, r: LabelSelectorRequirement): boolean {
  const has = Object.hasOwn(labels, r.key);
  switch (r.operator) {
    case "In":
      return has && (r.values ?? []).includes(labels[r.key]!);
    case "NotIn":
      return !has || !(r.values ?? []).includes(labels[r.key]!);
    case "Exists":
      return has;
    case "DoesNotExist":
      return !has;
    default:
      return false; // an unknown operator matches nothing, as an invalid selector would
  }
}

/**
 * A LabelSelector as pods use it: an absent selector matches nothing, an empty
 * one matches everything (metav1.LabelSelectorAsSelector).
 */
export function selectorMatches(selector: LabelSelector | undefined, labels: Labels): boolean {
  if (selector === undefined || selector === null) return false;
  for (const [key, value] of Object.entries(selector.matchLabels ?? {})) {
    if (labels[key] !== value) return false;
  }
  for (const r of selector.matchExpressions ?? []) {
    if (!matchesSetRequirement(labels, r)) return false;
  }
  return true;
}

/** Integers as Gt/Lt read them: the label and the value must both be whole numbers. */
function parseInteger(text: string | undefined): number | undefined {
  if (text === undefined || !/^[+-]?\d+$/.test(text)) return undefined;
  return Number(text);
}

function matchesNodeRequirement(value: string | undefined, r: NodeSelectorRequirement): boolean {
  const values = r.values ?? [];
  switch (r.operator) {
    case "In":
      return value !== undefined && values.includes(value);
    case "NotIn":
      return value === undefined || !values.includes(value);
    case "Exists":
      return value !== undefined;
    case "DoesNotExist":
      return value === undefined;
    case "Gt":
    case "Lt": {
      const have = parseInteger(value);
      const want = values.length === 1 ? parseInteger(values[0]) : undefined;
      if (have === undefined || want === undefined) return false;
      return r.operator === "Gt" ? have > want : have < want;
    }
    default:
      return false;
  }
}

/** The fields matchFields may name; Kubernetes supports only metadata.name. */
function nodeField(node: Node, key: string): string | undefined {
  return key === "metadata.name" ? node.metadata?.name : undefined;
}

/** A term matches when all its expressions and fields do; an empty term matches nothing. */
export function nodeSelectorTermMatches(term: NodeSelectorTerm, node: Node): boolean {
  const expressions = term.matchExpressions ?? [];
  const fields = term.matchFields ?? [];
  if (expressions.length === 0 && fields.length === 0) return false;
  const labels = labelsOf(node);
  for (const r of expressions) {
    if (!matchesNodeRequirement(Object.hasOwn(labels, r.key) ? labels[r.key] : undefined, r)) return false;
  }
  for (const r of fields) {
    if (r.operator !== "In" && r.operator !== "NotIn") return false;
    if (!matchesNodeRequirement(nodeField(node, r.key), r)) return false;
  }
  return true;
}

/** Terms are ORed. */
export function nodeSelectorMatches(selector: NodeSelector, node: Node): boolean {
  return (selector.nodeSelectorTerms ?? []).some((term) => nodeSelectorTermMatches(term, node));
}
