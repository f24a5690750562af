import assert from "node:assert/strict";
import { test } from "node:test";
import { wantsTable } from "./respond.ts";

test("Accept headers kubectl sends", () => {
  assert.equal(wantsTable("application/json;as=Table;v=v1;g=meta.k8s.io,application/json;as=Table;v=v1beta1;g=meta.k8s.io,application/json"), true);
  assert.equal(wantsTable("application/json"), false);
  assert.equal(wantsTable(undefined), false);
  assert.equal(wantsTable("application/json;as=PartialObjectMetadataList;v=v1;g=meta.k8s.io,application/json"), false);
});
