// The LocalStack path shares the stack and its outputs with everything else; what it adds is the
// outputs -> integration-target mapping and a clear refusal without LOCALSTACK_ENDPOINT. LocalStack
// itself cannot run here (no Docker; MSK, API Gateway v2 and CloudFront are paid features there).
import { spawn } from 'node:child_process';
import { expect, test } from 'vitest';
import { integrationTargets, OUTPUT } from '../cdk/lib/outputs.js';
import { TABLES } from '../functions/shared/dynamo/tables.js';
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
