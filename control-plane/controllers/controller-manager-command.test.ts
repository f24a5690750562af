import assert from "node:assert/strict";
import { test } from "node:test";
import { parseFlags } from "./controller-manager-command.ts";

test("flags: --kubeconfig in either form, --concurrent-syncs, refusals", () => {
  assert.deepEqual(parseFlags(["--kubeconfig", "/k"]), { kubeconfig: "/k", workers: 5 });
  assert.deepEqual(parseFlags(["--kubeconfig=/k", "--concurrent-syncs=2"]), { kubeconfig: "/k", workers: 2 });
  assert.throws(() => parseFlags(["--kubeconfig=/k", "--concurrent-syncs=0"]), /positive integer/);
  assert.throws(() => parseFlags(["--kubeconfig=/k", "--leader-elect"]), /not there yet/);
  assert.throws(() => parseFlags(["--kubeconfig=/k", "--bogus=1"]), /unknown flag --bogus/);
  assert.throws(() => parseFlags(["--kubeconfig"]), /needs a value/);
});
