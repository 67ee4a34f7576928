// npm start: the embedded local cloud. The same Lambda handlers as in AWS, wired to real engines:
//   ClickHouse (chdb over HTTP)       :8123   <- ingest inserts, REST functions query
//   DynamoDB (dynalite + stream tap)  :8000   <- deltas / connections / memberships
//   REST gateway (CloudFront + URLs)  :3002   -> functions/api/*
//   WebSocket gateway (API GW)        :3003   -> functions/ws/*, @connections for the fan-out
//   Dashboard (CloudFront + S3)       :3004   <- web/dist + generated config.json
// Events come from Kafka (KAFKA_BROKERS set: MSK event-source emulation) or from the built-in
// generator (GENERATOR_RATE events/s, default 200; 0 disables it).
// The AWS SDK warns on every start that future versions need Node 22 (Lambda runs 22; local is 20).
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
const { startLocalCloud } = await import('./cloud.js');
export {};

const cloud = await startLocalCloud({ env: process.env, log: (line) => console.log(line) });

let stopping = false;
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.on(signal, () => {
    if (stopping) return;
    stopping = true;
    console.log('\nstopping the local cloud…');
    cloud.stop().then(
      () => process.exit(0),
      (err: unknown) => {
        console.error(err);
        process.exit(1);
      },
    );
  });
}
