import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { Node } from "./kube-types.ts";
import { nodeSelectorMatches, nodeSelectorTermMatches, selectorMatches } from "./labels.ts";

const node = (name: string, labels: Record<string, string>): Node => ({ metadata: { name, labels } });

describe("label selectors", () => {
  const labels = { app: "web", tier: "front" };

  it("an absent selector matches nothing, an empty one everything", () => {
    assert.equal(selectorMatches(undefined, labels), false);
    assert.equal(selectorMatches({}, labels), true);
  });

  it("matchLabels and matchExpressions are ANDed", () => {
    assert.equal(selectorMatches({ matchLabels: { app: "web" } }, labels), true);
    assert.equal(selectorMatches({ matchLabels: { app: "db" } }, labels), false);
    assert.equal(selectorMatches({ matchLabels: { app: "web" }, matchExpressions: [{ key: "tier", operator: "In", values: ["back"] }] }, labels), false);
    assert.equal(selectorMatches({ matchExpressions: [{ key: "tier", operator: "NotIn", values: ["back"] }] }, labels), true);
    assert.equal(selectorMatches({ matchExpressions: [{ key: "zone", operator: "NotIn", values: ["a"] }] }, labels), true);
    assert.equal(selectorMatches({ matchExpressions: [{ key: "zone", operator: "Exists" }] }, labels), false);
    assert.equal(selectorMatches({ matchExpressions: [{ key: "zone", operator: "DoesNotExist" }] }, labels), true);
    assert.equal(selectorMatches({ matchExpressions: [{ key: "app", operator: "Bogus" }] }, labels), false);
  });
});

describe("node selector terms", () => {
  const n = node("n1", { "disk": "ssd", "cores": "16", "zone": "a" });

  it("supports In, NotIn, Exists, DoesNotExist, Gt and Lt", () => {
    const t = (key: string, operator: string, values?: string[]) => nodeSelectorTermMatches({ matchExpressions: [{ key, operator, values }] }, n);
    assert.equal(t("disk", "In", ["ssd", "nvme"]), true);
    assert.equal(t("disk", "In", ["hdd"]), false);
    assert.equal(t("disk", "NotIn", ["hdd"]), true);
    assert.equal(t("gpu", "NotIn", ["x"]), true);
    assert.equal(t("disk", "Exists"), true);
    assert.equal(t("gpu", "Exists"), false);
    assert.equal(t("gpu", "DoesNotExist"), true);
    assert.equal(t("cores", "Gt", ["8"]), true);
    assert.equal(t("cores", "Gt", ["16"]), false);
    assert.equal(t("cores", "Lt", ["32"]), true);
    assert.equal(t("zone", "Lt", ["32"]), false, "a non-integer label never satisfies Lt");
    assert.equal(t("gpu", "Gt", ["0"]), false, "a missing label never satisfies Gt");
  });

  it("matchFields selects by metadata.name only", () => {
    assert.equal(nodeSelectorTermMatches({ matchFields: [{ key: "metadata.name", operator: "In", values: ["n1"] }] }, n), true);
    assert.equal(nodeSelectorTermMatches({ matchFields: [{ key: "metadata.name", operator: "NotIn", values: ["n1"] }] }, n), false);
    assert.equal(nodeSelectorTermMatches({ matchFields: [{ key: "metadata.uid", operator: "In", values: ["n1"] }] }, n), false);
  });

  it("an empty term matches nothing; terms are ORed, requirements ANDed", () => {
    assert.equal(nodeSelectorTermMatches({}, n), false);
    const selector = {
      nodeSelectorTerms: [
        { matchExpressions: [{ key: "disk", operator: "In", values: ["hdd"] }] },
        { matchExpressions: [{ key: "zone", operator: "In", values: ["a"] }, { key: "disk", operator: "Exists" }] },
      ],
    };
    assert.equal(nodeSelectorMatches(selector, n), true);
    assert.equal(nodeSelectorMatches({ nodeSelectorTerms: [selector.nodeSelectorTerms[0]!] }, n), false);
    assert.equal(nodeSelectorMatches({ nodeSelectorTerms: [] }, n), false);
  });
});
