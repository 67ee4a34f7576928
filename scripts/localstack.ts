// `npm run test:localstack`: deploy the dev stack to LocalStack with cdklocal, then run the
// integration suite against the stack's outputs instead of the local cloud.
//
// LocalStack cannot run on the development machines of this project (it needs Docker, and MSK,
// API Gateway v2 and CloudFront are paid LocalStack features), so this path is kept small: the
// parts it shares with the default path (the stack, its outputs, the output -> target mapping) are
// covered by test/cdk-*.test.ts.
//
// Env: LOCALSTACK_ENDPOINT (required, e.g. http://localhost:4566), LOCALSTACK_ENV (default dev),
// INTEGRATION_TESTS (vitest filter, default test/integration).
import { spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { loadConfig } from '../cdk/lib/config.js';
import { integrationTargets } from '../cdk/lib/outputs.js';
import { ensureDevKeys, DEV_AUDIENCE, DEV_ISSUER } from '../local/dev-keys.js';
import { localDir } from '../local/config.js';

const endpoint = process.env.LOCALSTACK_ENDPOINT?.trim();
if (!endpoint) {
  console.error(
    'test:localstack: LOCALSTACK_ENDPOINT is not set.\n' +
      'Start LocalStack (Pro: MSK, API Gateway v2 and CloudFront are paid features; it needs Docker) and run\n' +
      '  LOCALSTACK_ENDPOINT=http://localhost:4566 npm run test:localstack\n' +
      'Without it, `npm test` runs the same integration suite against the embedded local cloud.',
  );
  process.exit(2);
}

const envName = process.env.LOCALSTACK_ENV ?? 'dev';
const config = loadConfig(envName, () => undefined);
const outDir = join(process.cwd(), '.local', 'localstack');
mkdirSync(outDir, { recursive: true });
const outputsFile = join(outDir, 'outputs.json');
const awsEnv = {
  ...process.env,
  AWS_ENDPOINT_URL: endpoint,
  AWS_ACCESS_KEY_ID: process.env.AWS_ACCESS_KEY_ID ?? 'test',
  AWS_SECRET_ACCESS_KEY: process.env.AWS_SECRET_ACCESS_KEY ?? 'test',
  AWS_REGION: config.region,
  AWS_DEFAULT_REGION: config.region,
};

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
  '-c', `env=${envName}`,
  '-c', `account=${config.account}`,
  '-c', `molamIdPublicKey=${keys.publicKeyPem}`,
  '-c', `molamIdAudience=${DEV_AUDIENCE}`,
  '-c', `molamIdIssuer=${DEV_ISSUER}`,
];
run('npx', ['--no-install', 'cdklocal', 'bootstrap', ...ctx], awsEnv);
run('npx', ['--no-install', 'cdklocal', 'deploy', config.stackName, ...ctx, '--require-approval', 'never', '--outputs-file', outputsFile], awsEnv);

const targets = integrationTargets(JSON.parse(readFileSync(outputsFile, 'utf8')), config.stackName, endpoint);
console.log('integration targets:', targets);
run('npx', ['vitest', 'run', process.env.INTEGRATION_TESTS ?? 'test/integration'], { ...awsEnv, ...targets });
