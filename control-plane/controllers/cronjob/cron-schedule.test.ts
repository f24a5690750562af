import assert from "node:assert/strict";
import { test } from "node:test";
import fc from "fast-check";
import { CronParseError, missedTimes, nextAfter, parseCron } from "./cron-schedule.ts";

const at = (s: string): number => Date.parse(s);
const next = (spec: string, after: string): string => new Date(nextAfter(parseCron(spec), at(after))!).toISOString();

test("examples: steps, ranges, lists, names, macros, @every", () => {
  assert.equal(next("*/1 * * * *", "2026-01-01T10:00:30Z"), "2026-01-01T10:01:00.000Z");
  assert.equal(next("*/15 * * * *", "2026-01-01T10:00:00Z"), "2026-01-01T10:15:00.000Z");
  assert.equal(next("0 9-17/4 * * *", "2026-01-01T10:00:00Z"), "2026-01-01T13:00:00.000Z");
  assert.equal(next("30 2 * * MON,fri", "2026-01-01T00:00:00Z"), "2026-01-02T02:30:00.000Z"); // 1 Jan 2026 is a Thursday
  assert.equal(next("0 0 1 jan-mar *", "2026-04-01T00:00:00Z"), "2027-01-01T00:00:00.000Z");
  assert.equal(next("@hourly", "2026-01-01T10:59:59Z"), "2026-01-01T11:00:00.000Z");
  assert.equal(next("@weekly", "2026-01-01T00:00:00Z"), "2026-01-04T00:00:00.000Z");
  assert.equal(next("0 0 * * 7", "2026-01-01T00:00:00Z"), "2026-01-04T00:00:00.000Z", "7 is Sunday");
  assert.equal(next("@every 90s", "2026-01-01T00:00:00.500Z"), "2026-01-01T00:01:30.000Z");
  // Both day fields restricted: either matches (the 13th, or any Friday).
  assert.equal(next("0 0 13 * 5", "2026-01-01T00:00:00Z"), "2026-01-02T00:00:00.000Z");
  // Day-of-week a star: the day of month alone decides.
  assert.equal(next("0 0 13 * *", "2026-01-01T00:00:00Z"), "2026-01-13T00:00:00.000Z");
  assert.equal(nextAfter(parseCron("0 0 30 2 *"), at("2026-01-01T00:00:00Z")), undefined, "30 February never comes");
});

test("bad schedules are refused with a reason", () => {
  for (const bad of ["* * * *", "60 * * * *", "* 24 * * *", "* * 0 * *", "*/0 * * * *", "5-1 * * * *", "x * * * *", "@often", "@every 5x"]) {
    assert.throws(() => parseCron(bad), CronParseError, bad);
  }
});

test("property: the next time is after the given one, matches the fields, and no minute between matches", () => {
  const list = (min: number, max: number): fc.Arbitrary<string> =>
    fc.oneof(
      fc.constant("*"),
      fc.integer({ min: 1, max: max - min }).map((s) => `*/${s}`),
      fc.uniqueArray(fc.integer({ min, max }), { minLength: 1, maxLength: 4 }).map((v) => v.join(",")),
      fc.tuple(fc.integer({ min, max }), fc.integer({ min, max })).map(([a, b]) => `${Math.min(a, b)}-${Math.max(a, b)}`),
    );
  fc.assert(
    fc.property(list(0, 59), list(0, 23), list(0, 6), fc.integer({ min: at("2020-01-01T00:00:00Z"), max: at("2030-01-01T00:00:00Z") }), (m, h, dow, after) => {
      const s = parseCron(`${m} ${h} * * ${dow}`);
      const t = nextAfter(s, after)!;
      assert.ok(t > after);
      const matches = (x: number): boolean => {
        const d = new Date(x);
        return s.type === "fields" && s.minutes.has(d.getUTCMinutes()) && s.hours.has(d.getUTCHours()) && s.weekdays.has(d.getUTCDay());
      };
      assert.ok(matches(t));
      for (let x = Math.floor(after / 60_000) * 60_000 + 60_000; x < t; x += 60_000) assert.ok(!matches(x), new Date(x).toISOString());
    }),
    { numRuns: 60 },
  );
});

test("missed times: the most recent one and how many, estimated beyond a thousand", () => {
  const s = parseCron("*/1 * * * *");
  assert.deepEqual(missedTimes(s, at("2026-01-01T00:00:00Z"), at("2026-01-01T00:00:59Z")), { mostRecent: undefined, count: 0 });
  assert.deepEqual(missedTimes(s, at("2026-01-01T00:00:00Z"), at("2026-01-01T00:03:10Z")), { mostRecent: at("2026-01-01T00:03:00Z"), count: 3 });
  const many = missedTimes(s, at("2026-01-01T00:00:00Z"), at("2026-01-08T00:00:30Z"));
  assert.equal(many.mostRecent, at("2026-01-08T00:00:00Z"));
  assert.equal(many.count, 7 * 24 * 60);
});
