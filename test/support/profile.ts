// SKIFF_PROFILE_DIR=DIR makes the processes tests and benches start (apiserver,
// scheduler, controller manager) write V8 CPU profiles there when they exit
// cleanly (NODE_OPTIONS may not carry --cpu-prof). Open them in Chrome DevTools
// or summarise them with test/bench/profile-summary.ts.
export function profileArgs(): string[] {
  const dir = process.env.SKIFF_PROFILE_DIR;
  return dir === undefined || dir === "" ? [] : ["--cpu-prof", `--cpu-prof-dir=${dir}`];
}
