// CPU time of running processes, read from /proc: the store benchmark
// divides its members' CPU by the writes they acknowledged, a figure far less
// sensitive to a loaded machine than wall-clock throughput.
import { readFileSync } from "node:fs";

/** Linux's USER_HZ: /proc reports CPU times in these ticks. */
const ticksPerSecond = 100;

/** User + system CPU seconds `pid` has used so far; 0 once it is gone. */
export function cpuSeconds(pid: number): number {
  let stat: string;
  try {
    stat = readFileSync(`/proc/${pid}/stat`, "utf8");
  } catch {
    return 0;
  }
  // Fields after the command name (which may hold spaces) start at state: utime and stime are the 12th and 13th.
  const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  return (Number(fields[11]) + Number(fields[12])) / ticksPerSecond;
}
