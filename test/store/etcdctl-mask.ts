// Masking of etcdctl output, so that a transcript taken against skiff and one
// taken against etcd can be compared as text. Only what legitimately differs
// between two fresh clusters is masked: member, cluster and lease ids (named
// after what they are), ports, raft terms and indexes, server versions, db
// sizes, durations and timestamps. A lease's remaining seconds may differ by
// one; such numbers are written `~N` and compared with that tolerance.
// Revisions, keys, values, counts, flags, exit codes and error texts are kept.

export class Masks {
  /** Literal text → placeholder, e.g. "127.0.0.1:34567" → "<m1.client>". */
  private readonly literals = new Map<string, string>();
  /** Id (as a bigint, printed in hex or decimal) → placeholder. */
  private readonly ids = new Map<bigint, string>();

  addLiteral(text: string, name: string): void {
    this.literals.set(text, `<${name}>`);
  }

  /** An id as etcdctl prints it: hex (member and lease ids) unless it is all decimal digits and `decimal` is set. */
  addId(text: string, name: string, decimal = false): void {
    this.ids.set(decimal ? BigInt(text) : BigInt(`0x${text}`), `<${name}>`);
  }

  apply(text: string): string {
    let out = text;
    for (const [lit, name] of [...this.literals].sort((a, b) => b[0].length - a[0].length)) out = out.split(lit).join(name);
    for (const [id, name] of this.ids) {
      // etcdctl prints some ids with %16x: padding spaces (beyond one separator) go with the id.
      out = out.replace(new RegExp(`(?<![0-9a-fA-F])( ?) *0*${id.toString(16)}(?![0-9a-fA-F])`, "g"), `$1${name}`);
      out = out.replace(new RegExp(`(?<![0-9])${id.toString(10)}(?![0-9])`, "g"), name);
    }
    return maskVolatile(out);
  }
}

/** Numbers that two fresh clusters never share: terms, indexes, sizes, versions, times. */
export function maskVolatile(text: string): string {
  return (
    text
      // JSON headers and status (etcdctl -w json).
      .replace(/"(raft_term|raftTerm|raftIndex|raftAppliedIndex|dbSize|dbSizeInUse)":\d+/g, '"$1":<n>')
      .replace(/"version":"[^"]*"/g, '"version":"<version>"')
      .replace(/"hash":\d+/g, '"hash":<hash>')
      // -w fields.
      .replace(/"(RaftTerm|RaftIndex|RaftAppliedIndex|DBSize|DBSizeInUse)" : \d+/g, '"$1" : <n>')
      .replace(/"Version" : "[^"]*"/g, '"Version" : "<version>"')
      // Lease time to live: remaining seconds, with a tolerance of one.
      .replace(/remaining\((\d+)s\)/g, "remaining(~$1s)")
      .replace(/"ttl":(\d+)/g, '"ttl":~$1')
      // endpoint health.
      .replace(/took = [\d.]+[µnm]?s/g, "took = <t>")
      .replace(/"took":"[\d.]+[µnm]?s"/g, '"took":"<t>"')
      // The client's own log lines on retried calls.
      .replace(/"ts":"[^"]*"/g, '"ts":"<ts>"')
      .replace(/endpoint:\/\/client-[0-9a-f-]+/g, "endpoint://client-<uuid>")
      .replace(/\d{4}\/\d\d\/\d\d \d\d:\d\d:\d\d(\.\d+)?/g, "<time>")
      // Tables: column widths follow the (masked) contents.
      .split("\n")
      .map((l) => (/^(out\| )?[+|]/.test(l) ? l.replace(/-{2,}/g, "-").replace(/ {2,}/g, " ") : l))
      .join("\n")
  );
}

/** `endpoint status` rows (simple or table): mask version, db size, term and indexes by column. */
export function maskStatusRows(text: string): string {
  return text
    .split("\n")
    .map((line) => {
      const table = /^out\| \| /.test(line) && !line.includes("ENDPOINT");
      const simple = /^out\| [^|+]/.test(line) && line.split(", ").length >= 9;
      if (!table && !simple) return line;
      const cells = table ? line.split(" | ") : line.split(", ");
      // A table row splits into "out|", then the cells.
      const first = table ? 1 : 0;
      for (const i of [2, 3, 6, 7, 8]) if (cells[first + i] !== undefined) cells[first + i] = "<n>";
      return cells.join(table ? " | " : ", ");
    })
    .join("\n");
}

/** Sorts the stdout lines and the stderr lines of a step (member list rows, health lines, lease lists come in id or arrival order). */
export function sortOutLines(text: string): string {
  const lines = text.split("\n");
  for (const prefix of ["out| ", "err| "]) {
    const sorted = lines.filter((l) => l.startsWith(prefix)).sort();
    let i = 0;
    lines.forEach((l, j) => {
      if (l.startsWith(prefix)) lines[j] = sorted[i++]!;
    });
  }
  return lines.join("\n");
}

/** Sorts table body rows (lines starting with `| ` that are not the header). */
export function sortTableRows(text: string): string {
  const lines = text.split("\n");
  const isRow = (l: string): boolean => l.startsWith("out| | ") && !/\| (ENDPOINT|ID|STATUS|HEALTH) /.test(l);
  const rows = lines.filter(isRow).sort();
  let i = 0;
  return lines.map((l) => (isRow(l) ? rows[i++]! : l)).join("\n");
}

/** Sorts the objects of JSON arrays named `field` (members come in id order, which differs). */
export function sortJsonArray(field: string): (text: string) => string {
  return (text) =>
    // Objects of these arrays hold no nested objects, so the array ends at the first "}]".
    text.replace(new RegExp(`"${field}":\\[(.*?\\})\\]`, "g"), (_whole, body: string) => {
      const items = body.split(/(?<=\}),(?=\{)/).sort();
      return `"${field}":[${items.join(",")}]`;
    });
}

/** A lease's attached keys: etcd lists them in map order. */
export function sortLeaseKeys(text: string): string {
  return text
    .replace(/attached keys\(\[([^\]]*)\]\)/g, (_w, list: string) => `attached keys([${list.split(" ").sort().join(" ")}])`)
    .replace(/"keys":\[([^\]]*)\]/g, (_w, list: string) => `"keys":[${list.split(",").sort().join(",")}]`);
}

/** The comma lists in `member add`'s ETCD_INITIAL_CLUSTER line, sorted. */
export function sortInitialCluster(text: string): string {
  return text.replace(/ETCD_INITIAL_CLUSTER="([^"]*)"/, (_w, list: string) => `ETCD_INITIAL_CLUSTER="${list.split(",").sort().join(",")}"`);
}

export interface Difference {
  index: number;
  command: string;
  skiff: string;
  etcd: string;
}

const fuzzy = /~(\d+)/g;

/** Equal after masking, with `~N` numbers allowed to differ by one. */
export function sameOutput(a: string, b: string): boolean {
  if (a.replace(fuzzy, "~") !== b.replace(fuzzy, "~")) return false;
  const na = [...a.matchAll(fuzzy)].map((m) => Number(m[1]));
  const nb = [...b.matchAll(fuzzy)].map((m) => Number(m[1]));
  return na.every((n, i) => Math.abs(n - nb[i]!) <= 1);
}

/** A readable report: each differing step with both outputs, line by line. */
export function describeDifferences(diffs: readonly Difference[]): string {
  return diffs
    .map((d) => {
      const a = d.skiff.split("\n");
      const b = d.etcd.split("\n");
      const lines: string[] = [`#${d.index} ${d.command}`];
      for (let i = 0; i < Math.max(a.length, b.length); i++) {
        if (a[i] === b[i]) lines.push(`    ${a[i]}`);
        else {
          if (b[i] !== undefined) lines.push(`  - ${b[i]}   (etcd)`);
          if (a[i] !== undefined) lines.push(`  + ${a[i]}   (skiff)`);
        }
      }
      return lines.join("\n");
    })
    .join("\n\n");
}
