// The EntryConfChange byte layout: a type byte, the node id (8 bytes, little
// endian), then the host's opaque context.
import assert from "node:assert/strict";
import { test } from "node:test";
import { type ConfChange, ConfChangeType, decodeConfChange, describeConfChange, encodeConfChange } from "./conf-change.ts";

test("every change type round-trips", () => {
  for (const type of [ConfChangeType.AddNode, ConfChangeType.RemoveNode, ConfChangeType.UpdateNode, ConfChangeType.AddLearnerNode]) {
    const cc: ConfChange = { type, nodeId: 3 };
    assert.deepEqual(decodeConfChange(encodeConfChange(cc)), cc);
  }
});

test("the layout is a type byte then a little-endian 64-bit id", () => {
  const bytes = encodeConfChange({ type: ConfChangeType.AddLearnerNode, nodeId: 0x0102 });
  assert.deepEqual([...bytes], [3, 0x02, 0x01, 0, 0, 0, 0, 0, 0]);
});

test("large node ids survive the 64-bit encoding", () => {
  for (const nodeId of [1, 2 ** 32 + 5, Number.MAX_SAFE_INTEGER]) {
    assert.equal(decodeConfChange(encodeConfChange({ type: ConfChangeType.AddNode, nodeId })).nodeId, nodeId);
  }
});

test("the context round-trips; an empty context decodes as none", () => {
  const context = new TextEncoder().encode("http://10.0.0.3:2380");
  const got = decodeConfChange(encodeConfChange({ type: ConfChangeType.AddNode, nodeId: 3, context }));
  assert.deepEqual(got, { type: ConfChangeType.AddNode, nodeId: 3, context });
  const empty = decodeConfChange(encodeConfChange({ type: ConfChangeType.AddNode, nodeId: 3, context: new Uint8Array(0) }));
  assert.equal("context" in empty, false);
});

test("the decoded context does not alias the entry's bytes", () => {
  const bytes = encodeConfChange({ type: ConfChangeType.UpdateNode, nodeId: 4, context: new Uint8Array([7, 8]) });
  const got = decodeConfChange(bytes);
  bytes[9] = 99;
  assert.deepEqual([...got.context!], [7, 8]);
});

test("decoding works on a view into a larger buffer", () => {
  const inner = encodeConfChange({ type: ConfChangeType.RemoveNode, nodeId: 9, context: new Uint8Array([1]) });
  const outer = new Uint8Array(inner.byteLength + 5);
  outer.set(inner, 3);
  const view = outer.subarray(3, 3 + inner.byteLength);
  assert.deepEqual(decodeConfChange(view), { type: ConfChangeType.RemoveNode, nodeId: 9, context: new Uint8Array([1]) });
});

test("input shorter than the header is rejected", () => {
  for (const len of [0, 1, 8]) {
    assert.throws(() => decodeConfChange(new Uint8Array(len)), new RegExp(`too short: ${len} bytes`));
  }
});

test("an unknown change type is rejected", () => {
  const bytes = encodeConfChange({ type: ConfChangeType.AddNode, nodeId: 1 });
  bytes[0] = 42;
  assert.throws(() => decodeConfChange(bytes), /unknown conf change type 42/);
});

test("describeConfChange uses the transcript shorthand", () => {
  assert.equal(describeConfChange({ type: ConfChangeType.AddNode, nodeId: 2 }), "v2");
  assert.equal(describeConfChange({ type: ConfChangeType.RemoveNode, nodeId: 3 }), "r3");
  assert.equal(describeConfChange({ type: ConfChangeType.UpdateNode, nodeId: 4 }), "u4");
  assert.equal(describeConfChange({ type: ConfChangeType.AddLearnerNode, nodeId: 5 }), "l5");
});
