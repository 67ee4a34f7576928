// The LocalStack path shares the stack and its outputs with everything else; what it adds is the
// environment it builds for cdklocal, the prerequisite check, the outputs -> integration-target
// mapping and clear refusals. LocalStack itself cannot deploy the stack here (no Docker; MSK, API
// Gateway v2 and CloudFront are licensed LocalStack features).
import { spawn } from 'node:child_process';
import { expect, test } from 'vitest';
import { integrationTargets, OUTPUT } from '../cdk/lib/outputs.js';
import { TABLES } from '../functions/shared/dynamo/tables.js';
import { cdklocalEnvironment, LOCALSTACK_ACCOUNT, missingPrerequisites, REQUIRED_SERVICES } from '../scripts/localstack-env.js';
import { synthUnit } from './cdk-support.js';

test('npm run test:localstack refuses to start without LOCALSTACK_ENDPOINT, saying why', async () => {
  const env = { ...process.env };
  delete env.LOCALSTACK_ENDPOINT;
  const result = await new Promise<{ code: number | null; err: string }>((resolve, reject) => {
    const child = spawn('npx', ['tsx', 'scripts/localstack.ts'], { env });
    let err = '';
    child.stderr.on('data', (d) => (err += d));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, err }));
  });
  expect(result.code).toBe(2);
  expect(result.err).toContain('LOCALSTACK_ENDPOINT is not set');
});

test('integration targets come from the outputs the stack really declares', () => {
  const s = synthUnit('dev');
  const declared = Object.keys(s.template.toJSON().Outputs);
  // What `cdk deploy --outputs-file` would write: every declared output with a value.
  const outputsFile = { [s.stack.stackName]: Object.fromEntries(declared.map((k) => [k, `value-of-${k}`])) };
  const targets = integrationTargets(outputsFile, s.stack.stackName, 'http://localhost:4566');
  expect(targets).toMatchObject({
    ANALYTICS_TARGET: 'localstack',
    ANALYTICS_API_URL: `value-of-${OUTPUT.apiUrl}`,
    ANALYTICS_WS_URL: `value-of-${OUTPUT.webSocketUrl}`,
    WS_MANAGEMENT_ENDPOINT: `value-of-${OUTPUT.managementEndpoint}`,
    AWS_ENDPOINT_URL: 'http://localhost:4566',
    DYNAMODB_ENDPOINT: 'http://localhost:4566',
  });
  for (const t of TABLES) expect(targets[t.envVar]).toMatch(/^value-of-/);
  expect(() => integrationTargets({ [s.stack.stackName]: {} }, s.stack.stackName, 'x')).toThrow(/has no output ApiUrl/);
  expect(() => integrationTargets({}, s.stack.stackName, 'x')).toThrow(/no outputs for stack MolamAnalytics-dev/);
});

function runScript(env: NodeJS.ProcessEnv): Promise<{ code: number | null; err: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn('npx', ['tsx', 'scripts/localstack.ts'], { env });
    let err = '';
    child.stderr.on('data', (d) => (err += d));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, err }));
  });
}

test('the cdklocal environment: S3 endpoint too, every AWS_* variable allow-listed, a 12-digit access key id', () => {
  const env = cdklocalEnvironment('http://127.0.0.1:4566', 'eu-west-1', { PATH: '/usr/bin', AWS_REGION: 'us-east-1' });
  expect(env).toMatchObject({
    PATH: '/usr/bin',
    AWS_ENDPOINT_URL: 'http://127.0.0.1:4566',
    AWS_ENDPOINT_URL_S3: 'http://127.0.0.1:4566',
    AWS_REGION: 'eu-west-1',
    AWS_DEFAULT_REGION: 'eu-west-1',
    AWS_ACCESS_KEY_ID: LOCALSTACK_ACCOUNT,
  });
  expect(env.AWS_ACCESS_KEY_ID).toMatch(/^\d{12}$/);
  const allow = env.AWS_ENVAR_ALLOWLIST!.split(',');
  for (const name of Object.keys(env).filter((k) => k.startsWith('AWS_') && k !== 'AWS_ENVAR_ALLOWLIST'))
    expect(allow, name).toContain(name);
});

test('prerequisites: each missing one is named, licensed services say so; a ready LocalStack passes', () => {
  const all = Object.fromEntries(REQUIRED_SERVICES.map((s) => [s.service, 'available']));
  expect(missingPrerequisites({ docker: true, authToken: 'ls-token', services: all })).toEqual([]);
  const community = { ...all, apigateway: 'disabled' } as Record<string, string>;
  delete community.kafka;
  expect(missingPrerequisites({ docker: false, services: community })).toEqual([
    expect.stringMatching(/^Docker is not available/),
    expect.stringMatching(/^LOCALSTACK_AUTH_TOKEN is not set/),
    'LocalStack service apigateway is disabled (a licensed LocalStack feature: needs a paid plan and LOCALSTACK_AUTH_TOKEN)',
    'LocalStack service kafka is absent (a licensed LocalStack feature: needs a paid plan and LOCALSTACK_AUTH_TOKEN)',
  ]);
  expect(missingPrerequisites({ docker: true, authToken: 't' })).toEqual([
    'LocalStack did not answer /_localstack/health at LOCALSTACK_ENDPOINT',
  ]);
});

test('npm run test:localstack checks its prerequisites before deploying anything', async () => {
  const env: NodeJS.ProcessEnv = { ...process.env, LOCALSTACK_ENDPOINT: 'http://127.0.0.1:9' };
  delete env.LOCALSTACK_AUTH_TOKEN;
  const result = await runScript(env);
  expect(result.code).toBe(2);
  expect(result.err).toContain('cannot deploy to LocalStack at http://127.0.0.1:9');
  expect(result.err).toContain('LOCALSTACK_AUTH_TOKEN is not set');
  expect(result.err).toContain('did not answer /_localstack/health');
}, 60_000);
