// `npm run test:localstack`: deploy the dev stack to LocalStack with cdklocal, then run the
// integration suite against the stack's outputs instead of the local cloud.
//
// Before anything starts it checks the prerequisites and names every missing one (Docker,
// LOCALSTACK_AUTH_TOKEN, each required service and whether it is a licensed LocalStack feature);
// the environment it builds for cdklocal (scripts/localstack-env.ts) is unit-tested.
//
// Env: LOCALSTACK_ENDPOINT (required, e.g. http://127.0.0.1:4566), LOCALSTACK_AUTH_TOKEN,
// LOCALSTACK_ENV (default dev), INTEGRATION_TESTS (vitest filter, default test/integration).
import { spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { loadConfig } from '../cdk/lib/config.js';
import { integrationTargets } from '../cdk/lib/outputs.js';
import { ensureDevKeys, DEV_AUDIENCE, DEV_ISSUER } from '../devkit/dev-keys.js';
import { localDir } from '../local/config.js';
import { cdklocalEnvironment, LOCALSTACK_ACCOUNT, missingPrerequisites } from './localstack-env.js';

const endpoint = process.env.LOCALSTACK_ENDPOINT?.trim();
if (!endpoint) {
  console.error(
    'test:localstack: LOCALSTACK_ENDPOINT is not set.\n' +
      'Start LocalStack (with Docker and LOCALSTACK_AUTH_TOKEN: MSK, API Gateway v2 and CloudFront are licensed features) and run\n' +
      '  LOCALSTACK_ENDPOINT=http://127.0.0.1:4566 npm run test:localstack\n' +
      'Without it, `npm test` runs the same integration suite against the embedded local cloud.',
  );
  process.exit(2);
}

async function localstackServices(url: string): Promise<Record<string, string> | undefined> {
  try {
    const res = await fetch(new URL('/_localstack/health', url), { signal: AbortSignal.timeout(5000) });
    return ((await res.json()) as { services?: Record<string, string> }).services ?? {};
  } catch {
    return undefined;
  }
}

const missing = missingPrerequisites({
  docker: spawnSync('docker', ['info'], { stdio: 'ignore' }).status === 0,
  authToken: process.env.LOCALSTACK_AUTH_TOKEN,
  services: await localstackServices(endpoint),
});
if (missing.length > 0) {
  console.error(`test:localstack: cannot deploy to LocalStack at ${endpoint}:\n${missing.map((m) => `  - ${m}`).join('\n')}`);
  process.exit(2);
}

const envName = process.env.LOCALSTACK_ENV ?? 'dev';
const config = loadConfig(envName, (k) => (k === 'account' ? LOCALSTACK_ACCOUNT : undefined));
const outDir = join(process.cwd(), '.local', 'localstack');
mkdirSync(outDir, { recursive: true });
const outputsFile = join(outDir, 'outputs.json');
const awsEnv = cdklocalEnvironment(endpoint, config.region, process.env);

function run(cmd: string, args: string[], env: NodeJS.ProcessEnv): void {
  console.log(`$ ${cmd} ${args.join(' ')}`);
  const r = spawnSync(cmd, args, { stdio: 'inherit', env });
  if (r.error) throw r.error;
  if (r.status !== 0) process.exit(r.status ?? 1);
}

// cdklocal (npm aws-cdk-local) wraps the installed CDK CLI with LocalStack endpoints.
const cdklocal = spawnSync('npx', ['--no-install', 'cdklocal', '--version'], { env: awsEnv, encoding: 'utf8' });
if (cdklocal.status !== 0) {
  console.error('test:localstack: cdklocal is not installed: npm install --save-dev aws-cdk-local');
  process.exit(2);
}
// The deployment trusts the local dev key, so the suite (test/integration/targets.ts) can sign tokens.
const keys = await ensureDevKeys(join(localDir(), 'keys'));
const ctx = [
  '-c',
  `env=${envName}`,
  '-c',
  `account=${config.account}`,
  '-c',
  `molamIdPublicKey=${keys.publicKeyPem}`,
  '-c',
  `molamIdAudience=${DEV_AUDIENCE}`,
  '-c',
  `molamIdIssuer=${DEV_ISSUER}`,
];
run('npx', ['--no-install', 'cdklocal', 'bootstrap', ...ctx], awsEnv);
run(
  'npx',
  ['--no-install', 'cdklocal', 'deploy', config.stackName, ...ctx, '--require-approval', 'never', '--outputs-file', outputsFile],
  awsEnv,
);

const targets = integrationTargets(JSON.parse(readFileSync(outputsFile, 'utf8')), config.stackName, endpoint);
console.log('integration targets:', targets);
run('npx', ['vitest', 'run', process.env.INTEGRATION_TESTS ?? 'test/integration'], { ...awsEnv, ...targets });
