// The real-time concern (cdk/lib/constructs/realtime.ts): WebSocket API, routes, fan-out on the deltas stream.
// Unit synths: bundling skipped, built-in validation off (cdk-strict-synth.test.ts has both on).
import { Match } from 'aws-cdk-lib/assertions';
import { describe, expect, test } from 'vitest';
import { FUNCTIONS } from '../functions/catalog.js';
import { ENVS, logicalId, synthUnit } from './cdk-support.js';

describe('real-time: WebSocket API and fan-out', () => {
  test('API routes by $request.body.action; one route per catalog entry, each integrated with its function', () => {
    const s = synthUnit('prod');
    s.template.hasResourceProperties('AWS::ApiGatewayV2::Api', {
      ProtocolType: 'WEBSOCKET',
      RouteSelectionExpression: '$request.body.action',
    });
    const wsDefs = FUNCTIONS.filter((f) => f.trigger.kind === 'websocket');
    const routes = Object.values(s.template.findResources('AWS::ApiGatewayV2::Route')) as any[];
    expect(routes.map((r) => r.Properties.RouteKey).sort()).toEqual(wsDefs.map((d) => (d.trigger as { routeKey: string }).routeKey).sort());
    const integrations = s.template.findResources('AWS::ApiGatewayV2::Integration');
    for (const def of wsDefs) {
      const route = routes.find((r) => r.Properties.RouteKey === (def.trigger as { routeKey: string }).routeKey);
      const integrationId = route.Properties.Target['Fn::Join'][1][1].Ref;
      expect(JSON.stringify(integrations[integrationId]), def.id).toContain(logicalId(s, s.stack.functions[def.id]!));
    }
    s.template.hasResourceProperties('AWS::ApiGatewayV2::Stage', {
      StageName: 'prod',
      AutoDeploy: true,
      AccessLogSettings: Match.objectLike({ DestinationArn: Match.anyValue() }),
      DefaultRouteSettings: { ThrottlingRateLimit: 500, ThrottlingBurstLimit: 1000 },
    });
  });

  test('fan-out consumes the deltas stream: batch size, bisect, retries, partial failures, DLQ', () => {
    const s = synthUnit('prod');
    s.template.hasResourceProperties('AWS::Lambda::EventSourceMapping', {
      EventSourceArn: { 'Fn::GetAtt': [logicalId(s, s.stack.tables.deltas), 'StreamArn'] },
      FunctionName: { Ref: logicalId(s, s.stack.functions.Fanout!) },
      StartingPosition: 'LATEST',
      BatchSize: 100,
      BisectBatchOnFunctionError: true,
      MaximumRetryAttempts: 3,
      FunctionResponseTypes: ['ReportBatchItemFailures'],
      DestinationConfig: { OnFailure: { Destination: { 'Fn::GetAtt': [logicalId(s, s.stack.fanoutDlq), 'Arn'] } } },
    });
  });
});

test.each(ENVS)('%s: TTL removals never invoke the fan-out: the stream mapping only passes INSERT and MODIFY', (env) => {
  const s = synthUnit(env);
  const mapping = Object.values(
    s.template.findResources('AWS::Lambda::EventSourceMapping', {
      Properties: { EventSourceArn: { 'Fn::GetAtt': [logicalId(s, s.stack.tables.deltas), 'StreamArn'] } },
    }),
  ) as any[];
  expect(mapping).toHaveLength(1);
  const patterns = mapping[0].Properties.FilterCriteria.Filters.map((f: { Pattern: string }) => JSON.parse(f.Pattern));
  expect(patterns).toEqual([{ eventName: ['INSERT', 'MODIFY'] }]);
});
