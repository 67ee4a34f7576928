// `npm run token -- --zones WAEMU,CEMAC --ttl 1h` prints a dev token signed with the local Molam ID
// key (generated under .local/keys on first use). Only the token goes to stdout, so
// `TOKEN=$(npm run -s token -- --zones '*')` works.
import { parseArgs } from 'node:util';
import { DEV_AUDIENCE, DEV_ISSUER, DEV_SUBJECT, defaultKeysDir, ensureDevKeys, parseDuration, signDevToken } from '../devkit/dev-keys.js';

const USAGE = `usage: npm run token -- --zones <ZONE[,ZONE...]|*> [--ttl 30s|15m|1h|2d] [--sub <subject>]
                      [--aud <audience>] [--iss <issuer>] [--keys-dir <dir>]
  --zones     zones the token grants, comma-separated; '*' for all zones (required)
  --ttl       lifetime (default 1h)
  --sub       subject (default ${DEV_SUBJECT})
  --aud       audience (default ${DEV_AUDIENCE})
  --iss       issuer (default ${DEV_ISSUER})
  --keys-dir  key directory (default $MOLAM_LOCAL_DIR/keys or .local/keys)`;

function fail(message: string): never {
  process.stderr.write(`token: ${message}\n${USAGE}\n`);
  process.exit(2);
}

function parseOptions() {
  try {
    return parseArgs({
      args: process.argv.slice(2),
      options: {
        zones: { type: 'string' },
        ttl: { type: 'string', default: '1h' },
        sub: { type: 'string' },
        aud: { type: 'string' },
        iss: { type: 'string' },
        'keys-dir': { type: 'string' },
        help: { type: 'boolean', short: 'h' },
      },
      strict: true,
      allowPositionals: false,
    }).values;
  } catch (err) {
    return fail((err as Error).message);
  }
}

async function main(): Promise<void> {
  const values = parseOptions();
  if (values.help) {
    process.stdout.write(`${USAGE}\n`);
    return;
  }
  if (values.zones === undefined) fail('--zones is required');
  const zones = values.zones
    .split(',')
    .map((z) => z.trim())
    .filter(Boolean);
  if (zones.length === 0) fail('--zones needs at least one zone');
  if (zones.includes('*') && zones.length > 1) fail("'*' already grants every zone; give it alone");
  const bad = zones.find((z) => z !== '*' && !/^[^\s,]{1,32}$/.test(z));
  if (bad !== undefined) fail(`invalid zone ${JSON.stringify(bad)} (1-32 characters, no spaces)`);
  const ttlSeconds = parseDuration(values.ttl);
  if (ttlSeconds === undefined) fail(`invalid --ttl ${JSON.stringify(values.ttl)} (e.g. 30s, 15m, 1h, 2d)`);
  if (values.sub !== undefined && values.sub.trim() === '') fail('--sub must not be empty');

  const keys = await ensureDevKeys(values['keys-dir'] ?? defaultKeysDir());
  const token = await signDevToken(
    {
      zones,
      ttlSeconds,
      ...(values.sub !== undefined ? { sub: values.sub } : {}),
      ...(values.aud !== undefined ? { audience: values.aud } : {}),
      ...(values.iss !== undefined ? { issuer: values.iss } : {}),
    },
    keys,
  );
  process.stdout.write(`${token}\n`);
}

main().catch((err: unknown) => {
  process.stderr.write(`token: ${(err as Error).stack ?? String(err)}\n`);
  process.exit(1);
});
