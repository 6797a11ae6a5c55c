// Tests that need something a machine may lack (Chromium, a WebGPU adapter) are skipped with the reason, except
// where TAUGHTNET_REQUIRE_ALL=1 (.ci/run sets it): there a missing requirement fails the run instead of thinning it.
export function skipUnless(available: boolean, reason: string): string | false {
  if (available) return false;
  if (process.env.TAUGHTNET_REQUIRE_ALL === '1') throw new Error(`TAUGHTNET_REQUIRE_ALL is set, but ${reason}`);
  return reason;
}
