import assert from "node:assert/strict";
import { test } from "node:test";
import { TokenFileError, authorize, parseTokenFile } from "./auth.ts";

test("token file: kube-apiserver's CSV with quoted groups", () => {
  const users = parseTokenFile('# comment\nabc,alice,u1,"system:masters,dev"\ndef,bob,u2\n\n');
  assert.deepEqual(users.get("abc"), { name: "alice", uid: "u1", groups: ["system:masters", "dev", "system:authenticated"] });
  assert.deepEqual(users.get("def")?.groups, ["system:authenticated"]);
  assert.throws(() => parseTokenFile("only-a-token\n"), TokenFileError);
});

test("authorizer: masters write, everyone else reads", () => {
  const admin = { name: "a", uid: "", groups: ["system:masters"] };
  const viewer = { name: "v", uid: "", groups: ["skiff:viewers"] };
  assert.equal(authorize(admin, "delete"), true);
  assert.equal(authorize(viewer, "list"), true);
  assert.equal(authorize(viewer, "create"), false);
  assert.equal(authorize(viewer, "patch"), false);
});
