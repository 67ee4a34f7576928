// Test-only clock: with MOLAM_TEST_NOW=<ISO instant>, every `Date` in this process reads as if the
// wall clock had been set to that instant when the process started, and keeps advancing in real
// time (timers and performance.now() are untouched). Loaded by vitest as a setup file and, through
// NODE_OPTIONS, by every Node child process a test starts (CLIs), so a whole test run can be placed
// at an awkward calendar instant. Production code is unchanged: it reads `Date` as ever.
// Plain JavaScript so that `node --import` can load it without a TypeScript loader.
const pinned = process.env.MOLAM_TEST_NOW;
const MARK = Symbol.for('molam.shiftedClock');

if (pinned && !globalThis[MARK]) {
  const RealDate = globalThis.Date;
  const target = RealDate.parse(pinned);
  if (Number.isNaN(target)) throw new Error(`MOLAM_TEST_NOW=${pinned} is not an ISO date-time`);
  // Each test file starts at the pinned instant; child processes share their parent's offset, so
  // a CLI reads the same clock as the test that started it.
  const inherited = process.env.MOLAM_TEST_CLOCK_OFFSET_MS;
  const offset = inherited !== undefined && process.env.MOLAM_TEST_CLOCK_PINNED === pinned ? Number(inherited) : target - RealDate.now();
  process.env.MOLAM_TEST_CLOCK_OFFSET_MS = String(offset);
  process.env.MOLAM_TEST_CLOCK_PINNED = pinned;
  const now = () => RealDate.now() + offset;

  class ShiftedDate extends RealDate {
    constructor(...args) {
      if (args.length === 0) super(now());
      else super(...args);
    }
    static now() {
      return now();
    }
  }
  // `Date()` called as a function returns a string of the current time.
  const DateProxy = new Proxy(ShiftedDate, {
    apply: () => new ShiftedDate().toString(),
  });
  globalThis.Date = DateProxy;
  globalThis[MARK] = { pinned, offset };

  const self = new URL(import.meta.url).pathname;
  const flag = `--import=${self}`;
  if (!(process.env.NODE_OPTIONS ?? '').includes(flag)) process.env.NODE_OPTIONS = `${process.env.NODE_OPTIONS ?? ''} ${flag}`.trim();
}
