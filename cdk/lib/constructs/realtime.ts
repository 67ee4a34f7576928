// Real-time: the WebSocket API with one route per catalog entry, its stage and access logs, and
// the fan-out on the deltas stream; connection management scoped to this API's stage.
import { Duration, type RemovalPolicy, Stack } from 'aws-cdk-lib';
import * as apigwv2 from 'aws-cdk-lib/aws-apigatewayv2';
import { WebSocketLambdaIntegration } from 'aws-cdk-lib/aws-apigatewayv2-integrations';
import type * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { DynamoEventSource, SqsDlq } from 'aws-cdk-lib/aws-lambda-event-sources';
import * as logs from 'aws-cdk-lib/aws-logs';
import type * as sqs from 'aws-cdk-lib/aws-sqs';
import type { Construct } from 'constructs';
import { FUNCTIONS } from '../../../functions/catalog.js';
import type { TableDef } from '../../../functions/shared/dynamo/tables.js';
import { catalogFunction, defsOfKind, grantTableUses, type FunctionContext } from '../catalog-function.js';
import { deadLetterQueue } from '../dead-letter-queue.js';
import { acknowledge, logicalIdOf, nagText } from '../nag.js';

export interface RealtimeProps extends FunctionContext {
  tables: Record<TableDef['id'], dynamodb.TableV2>;
  removalPolicy: RemovalPolicy;
}

export class Realtime {
  readonly functions: Record<string, lambda.Function> = {};
  readonly webSocketApi: apigwv2.WebSocketApi;
  readonly stage: apigwv2.WebSocketStage;
  /** https://{api}.execute-api.{region}.{suffix}/{stage}: what the fan-out and the routes post to. */
  readonly managementEndpoint: string;
  readonly fanoutDlq: sqs.Queue;
  /** The function on the deltas stream (its IteratorAge is alarmed on). */
  readonly fanoutFunction: lambda.Function;

  constructor(scope: Construct, props: RealtimeProps) {
    const { config, tables, removalPolicy } = props;
    const stack = Stack.of(scope);
    const wsDefs = defsOfKind(FUNCTIONS, 'websocket');
    const streamDefs = defsOfKind(FUNCTIONS, 'dynamodb-stream');
    const workerDefs = defsOfKind(FUNCTIONS, 'invoke');
    for (const def of [...streamDefs, ...workerDefs, ...wsDefs]) this.functions[def.id] = catalogFunction(scope, def, props);
    this.fanoutFunction = this.functions[streamDefs[0]!.id]!;
    this.fanoutDlq = deadLetterQueue(scope, 'FanoutDlq', 'deltas stream batches the fan-out function failed on');

    const wsApi = new apigwv2.WebSocketApi(scope, 'WebSocketApi', {
      apiName: `molam-analytics-${config.envName}`,
      routeSelectionExpression: '$request.body.action',
    });
    for (const def of wsDefs) {
      const route = wsApi.addRoute(def.trigger.routeKey, {
        integration: new WebSocketLambdaIntegration(`${def.id}Integration`, this.functions[def.id]!),
      });
      acknowledge(
        route,
        'AwsSolutions-APIG4',
        'Auth is a Molam ID JWT verified with jose in the $connect function (token query parameter); other routes only exist on an accepted connection',
      );
    }
    const wsAccessLogs = new logs.LogGroup(scope, 'WebSocketAccessLogs', {
      retention: config.logRetentionDays as logs.RetentionDays,
      removalPolicy,
    });
    const stage = new apigwv2.WebSocketStage(scope, 'WebSocketStage', {
      webSocketApi: wsApi,
      stageName: config.webSocketStageName,
      autoDeploy: true,
      throttle: { rateLimit: 500, burstLimit: 1000 },
      accessLogSettings: { destination: new apigwv2.LogGroupLogDestination(wsAccessLogs) },
    });
    this.webSocketApi = wsApi;
    this.stage = stage;
    const managementEndpoint = `https://${wsApi.apiId}.execute-api.${stack.region}.${stack.urlSuffix}/${stage.stageName}`;
    this.managementEndpoint = managementEndpoint;
    // Only this API's stage: POST (send), GET (info), DELETE (close) on @connections.
    const manageConnections = new iam.PolicyStatement({
      sid: 'ManageConnectionsOfThisStage',
      actions: ['execute-api:ManageConnections'],
      resources: [stack.formatArn({ service: 'execute-api', resource: wsApi.apiId, resourceName: `${stage.stageName}/*/@connections/*` })],
    });
    // cdk-nag v3 acknowledges wildcard findings one by one, by the resource as it renders it.
    const connectionsFinding = `AwsSolutions-IAM5[Resource::arn:${nagText(scope, stack.partition)}:execute-api:${nagText(scope, stack.region)}:${nagText(scope, stack.account)}:<${logicalIdOf(wsApi)}>/${stage.stageName}/*/@connections/*]`;
    const connectionsReason =
      "Connection ids are only known at runtime; the resource is already narrowed to this API's own stage (@connections of one stage)";

    for (const def of wsDefs) {
      const fn = this.functions[def.id]!;
      fn.addEnvironment('WS_MANAGEMENT_ENDPOINT', managementEndpoint);
      // Exactly what the handler's code calls (catalog `uses`, checked against the code by
      // test/cdk-least-privilege.test.ts): ping answers through the resume path, so it reads deltas.
      grantTableUses(fn, def, tables);
      if (def.uses?.postToConnection) {
        fn.addToRolePolicy(manageConnections);
        acknowledge(fn.role!, connectionsFinding, connectionsReason);
      }
    }
    for (const def of streamDefs) {
      const fn = this.functions[def.id]!;
      fn.addEnvironment('WS_MANAGEMENT_ENDPOINT', managementEndpoint);
      fn.addEventSource(
        new DynamoEventSource(tables.deltas, {
          startingPosition: lambda.StartingPosition.LATEST,
          batchSize: config.fanout.batchSize,
          maxBatchingWindow: Duration.seconds(config.fanout.maxBatchingWindowSeconds),
          bisectBatchOnError: true,
          retryAttempts: config.fanout.retryAttempts,
          reportBatchItemFailures: true,
          parallelizationFactor: config.fanout.parallelizationFactor,
          maxRecordAge: Duration.seconds(config.fanout.maxRecordAgeSeconds),
          onFailure: new SqsDlq(this.fanoutDlq),
          // Snapshots expire by TTL: those REMOVE records must never invoke the fan-out.
          filters: [lambda.FilterCriteria.filter({ eventName: lambda.FilterRule.or(...def.trigger.eventNames) })],
        }),
      );
      grantTableUses(fn, def, tables);
      if (def.uses?.postToConnection) {
        fn.addToRolePolicy(manageConnections);
        acknowledge(fn.role!, connectionsFinding, connectionsReason);
      }
    }
    // Workers a function invokes synchronously (the fan-out's per-chunk workers): they post and
    // prune like the fan-out; the caller may invoke exactly its worker and learns its name.
    for (const def of workerDefs) {
      const fn = this.functions[def.id]!;
      const caller = this.functions[def.trigger.by];
      if (!caller) throw new Error(`${def.id} is invoked by ${def.trigger.by}, which is not a real-time function`);
      fn.addEnvironment('WS_MANAGEMENT_ENDPOINT', managementEndpoint);
      grantTableUses(fn, def, tables);
      if (def.uses?.postToConnection) {
        fn.addToRolePolicy(manageConnections);
        acknowledge(fn.role!, connectionsFinding, connectionsReason);
      }
      caller.addEnvironment(def.trigger.envVar, fn.functionName);
      caller.addToRolePolicy(
        new iam.PolicyStatement({ sid: `Invoke${def.id}`, actions: ['lambda:InvokeFunction'], resources: [fn.functionArn] }),
      );
    }
  }
}
