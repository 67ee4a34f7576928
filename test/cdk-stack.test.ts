// The stack as wiring (cdk/lib/analytics-stack.ts): outputs, and rules every concern follows.
// Unit synths: bundling skipped, built-in validation off (cdk-strict-synth.test.ts has both on).
import { Validations } from 'aws-cdk-lib';
import { expect, test } from 'vitest';
import { ESM_REQUIRE_BANNER } from '../cdk/lib/handler-function.js';
import { TABLES } from '../functions/shared/dynamo/tables.js';
import { ENVS, logicalId, synthUnit } from './cdk-support.js';

test.each(ENVS)('%s: outputs: dashboard URL, API URL, WebSocket URL', (env) => {
  const s = synthUnit(env);
  const dist = logicalId(s, s.stack.distribution);
  const outputs = s.template.toJSON().Outputs;
  expect(outputs.DashboardUrl.Value).toEqual({ 'Fn::Join': ['', ['https://', { 'Fn::GetAtt': [dist, 'DomainName'] }]] });
  expect(outputs.ApiUrl.Value).toEqual({ 'Fn::Join': ['', ['https://', { 'Fn::GetAtt': [dist, 'DomainName'] }, '/api/analytics']] });
  expect(outputs.WebSocketUrl.Value).toEqual({
    'Fn::Join': ['', ['wss://', { Ref: logicalId(s, s.stack.webSocketApi) }, '.execute-api.eu-west-1.', { Ref: 'AWS::URLSuffix' }, `/${env}`]],
  });
  for (const def of TABLES) expect(outputs[`${def.envVar.replace(/_/g, '')}Name`].Value).toEqual({ Ref: logicalId(s, s.stack.tables[def.id]) });
});

test('every acknowledged cdk-nag finding carries a written reason', () => {
  const s = synthUnit('prod');
  const acks: { path: string; id: string; reason: string }[] = [];
  for (const c of s.app.node.findAll()) {
    for (const m of c.node.metadata) {
      if (m.type !== Validations.ACKNOWLEDGED_RULES_METADATA_KEY) continue;
      for (const [ruleId, reason] of Object.entries(m.data as Record<string, string>)) acks.push({ path: c.node.path, id: ruleId, reason });
    }
  }
  expect(acks.filter((a) => a.id.includes('AwsSolutions')).length).toBeGreaterThan(10);
  for (const a of acks) expect(a.reason.trim().length, `${a.path} ${a.id}`).toBeGreaterThan(30);
});

test('the ESM banner gives bundled CommonJS dependencies a require()', () => {
  expect(ESM_REQUIRE_BANNER).toMatch(/createRequire.*import\.meta\.url/);
});
