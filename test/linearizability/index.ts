// The public face of the linearizability checker (`@skiff/test/linearizability`).

export { checkOperations } from "./checker.ts";
export { checkKvHistory, kvModel } from "./kv-model.ts";
export type { KvInput, KvOperation, KvOutput, KvState } from "./kv-model.ts";
export type {
  CheckIllegal,
  CheckOk,
  CheckOptions,
  CheckResult,
  CheckUnknown,
  Model,
  Operation,
  Partition,
} from "./types.ts";
