// Catalog functions (cdk/lib/catalog-function.ts, handler-function.ts): runtime, environment, VPC, logs.
// Unit synths: bundling skipped, built-in validation off (cdk-strict-synth.test.ts has both on).
import { App } from 'aws-cdk-lib';
import { describe, expect, test } from 'vitest';
import { buildApp, cdkJsonContext } from '../cdk/lib/app.js';
import { FUNCTIONS } from '../functions/catalog.js';
import { TABLES } from '../functions/shared/dynamo/tables.js';
import { METRICS_NAMESPACE } from '../functions/shared/observability-names.js';
import { logicalId, synthUnit, tempDir } from './cdk-support.js';

describe('functions come from the catalog', () => {
  test('every catalog function: Node 22, arm64, JSON logs, table names via envVar, service name', () => {
    const s = synthUnit('prod');
    for (const def of FUNCTIONS) {
      const fn = s.stack.functions[def.id]!;
      const res = s.template.toJSON().Resources[logicalId(s, fn)];
      expect(res.Properties.Runtime, def.id).toBe('nodejs22.x');
      expect(res.Properties.Architectures).toEqual(['arm64']);
      expect(res.Properties.LoggingConfig.LogFormat).toBe('JSON');
      const vars = res.Properties.Environment.Variables;
      for (const t of TABLES) expect(vars[t.envVar], `${def.id} ${t.envVar}`).toEqual({ Ref: logicalId(s, s.stack.tables[t.id]) });
      expect(vars.POWERTOOLS_METRICS_NAMESPACE).toBe(METRICS_NAMESPACE);
      expect(vars.NODE_OPTIONS).toBe('--enable-source-maps');
      expect(vars.POWERTOOLS_SERVICE_NAME).toBe(
        { msk: 'ingest', 'dynamodb-stream': 'fanout', invoke: 'fanout', websocket: 'websocket', http: 'api' }[def.trigger.kind],
      );
    }
    // Every catalog function + the BucketDeployment provider.
    s.template.resourceCountIs('AWS::Lambda::Function', FUNCTIONS.length + 1);
  });

  test('auth, ClickHouse and management-endpoint variables reach the functions that need them', () => {
    const s = synthUnit('prod');
    const vars = (fid: string) => s.template.toJSON().Resources[logicalId(s, s.stack.functions[fid]!)].Properties.Environment.Variables;
    const c = s.stack.config;
    for (const fid of ['WsConnect', 'ApiOverview']) {
      expect(vars(fid)).toMatchObject({
        MOLAM_ID_JWKS_URL: c.auth.jwksUrl,
        MOLAM_ID_AUDIENCE: c.auth.audience,
        MOLAM_ID_ISSUER: c.auth.issuer,
      });
    }
    for (const fid of ['Ingest', 'ApiOverview', 'ApiHealth']) {
      expect(vars(fid)).toMatchObject({ CLICKHOUSE_SECRET_ARN: c.clickhouse.secretArn, CLICKHOUSE_DATABASE: c.clickhouse.database });
    }
    expect(vars('Fanout').CLICKHOUSE_SECRET_ARN).toBeUndefined();
    expect(vars('Ingest').MOLAM_ID_JWKS_URL).toBeUndefined();
    const endpoint = {
      'Fn::Join': [
        '',
        ['https://', { Ref: logicalId(s, s.stack.webSocketApi) }, '.execute-api.eu-west-1.', { Ref: 'AWS::URLSuffix' }, '/prod'],
      ],
    };
    for (const fid of ['Fanout', 'WsSubscribe', 'WsConnect', 'WsResume']) expect(vars(fid).WS_MANAGEMENT_ENDPOINT, fid).toEqual(endpoint);
  });

  test('a PEM public key goes to MOLAM_ID_PUBLIC_KEY', () => {
    const pem = '-----BEGIN PUBLIC KEY-----\nMFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAE\n-----END PUBLIC KEY-----';
    const s = synthUnit('dev', { molamIdPublicKey: pem });
    const vars = s.template.toJSON().Resources[logicalId(s, s.stack.functions.WsConnect!)].Properties.Environment.Variables;
    expect(vars.MOLAM_ID_PUBLIC_KEY).toBe(pem);
    expect(vars.MOLAM_ID_JWKS_URL).toBeUndefined();
  });

  test('every function that calls ClickHouse (ingest, REST) runs in the private subnets; the others do not', () => {
    const s = synthUnit('prod');
    const c = s.stack.config;
    const res = s.template.toJSON().Resources;
    for (const def of FUNCTIONS) {
      const vpc = res[logicalId(s, s.stack.functions[def.id]!)].Properties.VpcConfig;
      if (def.trigger.kind === 'msk' || def.trigger.kind === 'http') {
        expect(vpc, def.id).toEqual({ SubnetIds: [...c.network.privateSubnetIds], SecurityGroupIds: [c.network.securityGroupId] });
      } else {
        expect(vpc, def.id).toBeUndefined();
      }
    }
  });

  test('X-Ray active tracing on ingest, fan-out and API functions; off with -c tracing=false', () => {
    const s = synthUnit('prod');
    for (const def of FUNCTIONS) {
      const tracing = s.template.toJSON().Resources[logicalId(s, s.stack.functions[def.id]!)].Properties.TracingConfig;
      expect(tracing, def.id).toEqual(def.trigger.kind === 'websocket' ? undefined : { Mode: 'Active' });
    }
    const off = synthUnit('prod', { tracing: 'false' });
    for (const def of FUNCTIONS) {
      expect(
        off.template.toJSON().Resources[logicalId(off, off.stack.functions[def.id]!)].Properties.TracingConfig,
        def.id,
      ).toBeUndefined();
    }
  });

  test.each([
    ['dev', 7],
    ['staging', 30],
    ['prod', 90],
  ] as const)('%s: every function log group keeps %i days', (env, days) => {
    const s = synthUnit(env);
    const res = s.template.toJSON().Resources;
    for (const def of FUNCTIONS) {
      const fn = res[logicalId(s, s.stack.functions[def.id]!)];
      const logGroupId = fn.Properties.LoggingConfig.LogGroup.Ref;
      expect(res[logGroupId].Properties.RetentionInDays, def.id).toBe(days);
      expect(res[logGroupId].DeletionPolicy).toBe(env === 'prod' ? 'Retain' : 'Delete');
    }
  });

  test('a missing handler fails a bundling synth with a clear message', () => {
    const root = tempDir('cdk-root-');
    const app = new App({ outdir: tempDir('cdk-unit-'), context: { ...cdkJsonContext(), env: 'dev' } });
    expect(() => buildApp({ app, nag: false, repoRoot: root })).toThrow(/functions\/ingest\/handler\.ts of Ingest does not exist/);
  });
});
