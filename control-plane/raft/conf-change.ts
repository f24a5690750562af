// Membership changes, one member at a time, carried in EntryConfChange log
// entries. The byte layout is ours (the core imports no codec): one type byte,
// the node id as 8 bytes little endian, then an opaque context for the host.
import type { NodeId } from "./types.ts";

export enum ConfChangeType {
  AddNode = 0,
  RemoveNode = 1,
  UpdateNode = 2,
  AddLearnerNode = 3,
}

export interface ConfChange {
  type: ConfChangeType;
  nodeId: NodeId;
  /** Host data, e.g. the new member's peer URLs. */
  context?: Uint8Array;
}

export function encodeConfChange(cc: ConfChange): Uint8Array {
  const ctx = cc.context ?? new Uint8Array(0);
  const out = new Uint8Array(9 + ctx.byteLength);
  const view = new DataView(out.buffer);
  view.setUint8(0, cc.type);
  view.setBigUint64(1, BigInt(cc.nodeId), true);
  out.set(ctx, 9);
  return out;
}

export function decodeConfChange(data: Uint8Array): ConfChange {
  if (data.byteLength < 9) throw new Error(`conf change too short: ${data.byteLength} bytes`);
  const view = new DataView(data.buffer, data.byteOffset, data.byteLength);
  const type = view.getUint8(0);
  if (!(type in ConfChangeType)) throw new Error(`unknown conf change type ${type}`);
  const nodeId = Number(view.getBigUint64(1, true));
  const context = data.slice(9);
  return context.byteLength > 0 ? { type, nodeId, context } : { type, nodeId };
}

export function describeConfChange(cc: ConfChange): string {
  const verb: Record<ConfChangeType, string> = {
    [ConfChangeType.AddNode]: "v",
    [ConfChangeType.RemoveNode]: "r",
    [ConfChangeType.UpdateNode]: "u",
    [ConfChangeType.AddLearnerNode]: "l",
  };
  return `${verb[cc.type]}${cc.nodeId}`;
}
