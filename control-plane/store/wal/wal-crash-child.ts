// Child process of wal-crash.test.ts: appends entries to a WAL as fast as it
// can, keeping several saves in flight, and prints each index once its save
// is acknowledged. The parent SIGKILLs it mid-stream and checks that every
// printed index survived. Usage: wal-crash-child.ts <dir> create|continue [preallocate]
import { Wal } from "./wal.ts";
import { entry } from "./test-entries.ts";

const [dir, mode, preallocate] = process.argv.slice(2);
if (!dir || (mode !== "create" && mode !== "continue")) throw new Error("usage: wal-crash-child.ts <dir> create|continue");

const opts = { segmentBytes: 64 * 1024, preallocateBytes: preallocate === "preallocate" ? 16 * 1024 : 0, logger: (e: Record<string, unknown>) => void process.stderr.write(`${JSON.stringify(e)}\n`) };
const { wal, next } =
  mode === "create"
    ? { wal: await Wal.create(dir, new Uint8Array([1]), opts), next: 1 }
    : await Wal.open(dir, { index: 0, term: 0 }, opts).then((c) => ({ wal: c.wal, next: (c.entries.at(-1)?.index ?? 0) + 1 }));

const inFlight = 16;
let index = next;
function saveNext(): void {
  const i = index++;
  // A pipe write is synchronous on Linux, so a printed index has left this process before the next save starts.
  void wal.save([entry(i, 1, 256)], { term: 1, vote: 1, commit: i }).then(() => {
    process.stdout.write(`${i}\n`);
    saveNext();
  });
}
for (let k = 0; k < inFlight; k++) saveNext();
