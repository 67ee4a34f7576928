// Running a child process at another instant: the environment that makes test/support/shifted-clock.mjs
// place its clock there (see that file). For tests of behaviour across calendar boundaries that a
// single run cannot wait for, such as a re-run of a CLI in the following month.
import { fileURLToPath } from 'node:url';

const SHIFTED_CLOCK = fileURLToPath(new URL('./shifted-clock.mjs', import.meta.url));

export function clockAt(instant: number, env: NodeJS.ProcessEnv = process.env): NodeJS.ProcessEnv {
  const flag = `--import=${SHIFTED_CLOCK}`;
  const options = (env.NODE_OPTIONS ?? '').includes(flag) ? env.NODE_OPTIONS : `${env.NODE_OPTIONS ?? ''} ${flag}`.trim();
  return { ...env, MOLAM_TEST_NOW: new Date(instant).toISOString(), MOLAM_TEST_CLOCK_OFFSET_MS: undefined, NODE_OPTIONS: options };
}
