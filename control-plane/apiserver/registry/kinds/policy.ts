// policy/v1 (and v1beta1) PodDisruptionBudget. It also makes policy/v1 a
// served group-version, where kubectl drain finds the Eviction kind of
// pods/eviction. No disruption controller keeps its status; evictions
// evaluate the budget themselves and write status (rest/eviction.ts).
import { age, at, col, num } from "../printing.ts";
import type { KubeObject } from "../types.ts";
import { checkMetadata } from "../validation.ts";
import { defineKind } from "./define.ts";

const intOrPercent = (path: string) => (o: KubeObject): string => {
  const v = at(o, path);
  return v === undefined || v === null ? "N/A" : String(v);
};

export const podDisruptionBudgets = defineKind({
  group: "policy",
  versions: ["v1", "v1beta1"],
  resource: "poddisruptionbudgets",
  kind: "PodDisruptionBudget",
  namespaced: true,
  shortNames: ["pdb"],
  statusSubresource: true,
  hasSpec: true,
  columns: [
    col("Min Available", intOrPercent("spec.minAvailable")),
    col("Max Unavailable", intOrPercent("spec.maxUnavailable")),
    col("Allowed Disruptions", (o) => num(o, "status.disruptionsAllowed"), { type: "integer" }),
    col("Age", age),
  ],
  validate: (o) => checkMetadata(o),
  prepareCreate: (o) => {
    o.status = { disruptionsAllowed: 0, currentHealthy: 0, desiredHealthy: 0, expectedPods: 0 };
  },
});
