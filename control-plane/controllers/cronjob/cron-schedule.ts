// Standard 5-field cron schedules as Kubernetes reads them (robfig/cron's
// ParseStandard): minute hour day-of-month month day-of-week, with lists,
// ranges, steps, month and weekday names, the @yearly...@hourly macros and
// `@every <duration>`. Times are UTC. When both day fields are restricted a
// day matches either of them; when one starts with `*` or `?` both must.

export type CronSchedule =
  | { type: "fields"; minutes: Set<number>; hours: Set<number>; days: Set<number>; months: Set<number>; weekdays: Set<number>; dayStar: boolean; weekdayStar: boolean }
  | { type: "every"; ms: number };

interface FieldRange {
  min: number;
  max: number;
  names?: string[];
}

const ranges: FieldRange[] = [
  { min: 0, max: 59 },
  { min: 0, max: 23 },
  { min: 1, max: 31 },
  { min: 1, max: 12, names: ["jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"] },
  // 7 is Sunday too, as in most crons.
  { min: 0, max: 7, names: ["sun", "mon", "tue", "wed", "thu", "fri", "sat"] },
];

const macros: Record<string, string> = {
  "@yearly": "0 0 1 1 *",
  "@annually": "0 0 1 1 *",
  "@monthly": "0 0 1 * *",
  "@weekly": "0 0 * * 0",
  "@daily": "0 0 * * *",
  "@midnight": "0 0 * * *",
  "@hourly": "0 * * * *",
};

export class CronParseError extends Error {}

function value(text: string, r: FieldRange): number {
  const named = r.names?.indexOf(text.toLowerCase()) ?? -1;
  if (named >= 0) return named + r.min;
  if (!/^\d+$/.test(text)) throw new CronParseError(`failed to parse int from ${text}`);
  return Number(text);
}

/** One field: returns its values and whether it starts with `*` or `?`. */
function field(text: string, r: FieldRange): { values: Set<number>; star: boolean } {
  const values = new Set<number>();
  let star = false;
  for (const part of text.split(",")) {
    const [rangeText = "", stepText, extra] = part.split("/");
    if (extra !== undefined) throw new CronParseError(`too many slashes: ${part}`);
    let lo: number;
    let hi: number;
    if (rangeText === "*" || rangeText === "?") {
      [lo, hi] = [r.min, r.max === 7 ? 6 : r.max];
      star = true;
    } else {
      const [a = "", b, more] = rangeText.split("-");
      if (more !== undefined) throw new CronParseError(`too many hyphens: ${rangeText}`);
      lo = value(a, r);
      hi = b === undefined ? (stepText === undefined ? lo : r.max) : value(b, r);
    }
    const step = stepText === undefined ? 1 : value(stepText, { min: 0, max: 0 });
    if (lo < r.min || hi > r.max) throw new CronParseError(`value out of range (${r.min}-${r.max}): ${part}`);
    if (lo > hi) throw new CronParseError(`beginning of range (${lo}) beyond end of range (${hi}): ${part}`);
    if (step < 1) throw new CronParseError(`step of range should be a positive number: ${part}`);
    for (let v = lo; v <= hi; v += step) values.add(v);
  }
  return { values, star };
}

/** A Go duration such as 90s, 1m30s or 1h (no fractions). */
function goDuration(text: string): number {
  const unit: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 };
  if (!/^(\d+(ms|s|m|h))+$/.test(text)) throw new CronParseError(`failed to parse duration @every ${text}`);
  let ms = 0;
  for (const m of text.matchAll(/(\d+)(ms|s|m|h)/g)) ms += Number(m[1]) * unit[m[2]!]!;
  return ms;
}

export function parseCron(spec: string): CronSchedule {
  const text = spec.trim();
  if (text.startsWith("@every ")) {
    const ms = Math.floor(goDuration(text.slice(7).trim()) / 1000) * 1000;
    return { type: "every", ms: Math.max(ms, 1000) };
  }
  const expanded = macros[text.toLowerCase()] ?? text;
  if (expanded.startsWith("@")) throw new CronParseError(`unrecognized descriptor: ${text}`);
  const parts = expanded.split(/\s+/);
  if (parts.length !== 5) throw new CronParseError(`expected exactly 5 fields, found ${parts.length}: ${text}`);
  const [minutes, hours, days, months, weekdays] = parts.map((p, i) => field(p, ranges[i]!));
  const wd = new Set([...weekdays!.values].map((d) => d % 7));
  return { type: "fields", minutes: minutes!.values, hours: hours!.values, days: days!.values, months: months!.values, weekdays: wd, dayStar: days!.star, weekdayStar: weekdays!.star };
}

const dayMs = 86_400_000;
/** Five years of days: a schedule with no time in them (30 February) has none. */
const searchDays = 5 * 366;

function dayMatches(s: Extract<CronSchedule, { type: "fields" }>, d: Date): boolean {
  if (!s.months.has(d.getUTCMonth() + 1)) return false;
  const dom = s.days.has(d.getUTCDate());
  const dow = s.weekdays.has(d.getUTCDay());
  return s.dayStar || s.weekdayStar ? dom && dow : dom || dow;
}

/** The first scheduled time strictly after `after` (ms), or undefined if there is none within five years. */
export function nextAfter(s: CronSchedule, after: number): number | undefined {
  if (s.type === "every") return Math.floor(after / 1000) * 1000 + s.ms;
  // Start at the next whole minute.
  const start = Math.floor(after / 60_000) * 60_000 + 60_000;
  const firstDay = Math.floor(start / dayMs) * dayMs;
  const hours = [...s.hours].sort((a, b) => a - b);
  const minutes = [...s.minutes].sort((a, b) => a - b);
  for (let i = 0; i <= searchDays; i++) {
    const day = firstDay + i * dayMs;
    if (!dayMatches(s, new Date(day))) continue;
    for (const h of hours) {
      for (const m of minutes) {
        const t = day + h * 3_600_000 + m * 60_000;
        if (t >= start) return t;
      }
    }
  }
  return undefined;
}

/**
 * Scheduled times in (earliest, now]: the most recent one and how many
 * there were (kube's mostRecentScheduleTime; beyond a thousand the count
 * is estimated from the interval between the first two, as kube does).
 */
export function missedTimes(s: CronSchedule, earliest: number, now: number): { mostRecent?: number; count: number } {
  let mostRecent: number | undefined;
  let count = 0;
  for (let t = nextAfter(s, earliest); t !== undefined && t <= now; t = nextAfter(s, t)) {
    mostRecent = t;
    if (++count >= 1000) {
      const first = nextAfter(s, earliest)!;
      const interval = nextAfter(s, first)! - first;
      const estimate = Math.floor((now - first) / interval) + 1;
      let last = t;
      for (let u = nextAfter(s, Math.max(t, now - 2 * interval)); u !== undefined && u <= now; u = nextAfter(s, u)) last = u;
      return { mostRecent: last, count: Math.max(estimate, count) };
    }
  }
  return { mostRecent, count };
}
