// npm run replay -- --topic <topic> (--from-offset N | --from-time ISO) [--group analytics-consumer]
//                   [--partition P] [--brokers host:port]
// Moves the consumer group's committed offsets of one topic back (or forward) so the MSK event
// source (or the local emulation) reads those records again — the predecessor's "reset offsets"
// procedure. Safe because ingest counts every event once by its event_id (README "Exactly once"):
// a replay stores only what is missing, whatever the offsets. Also a library (replayOffsets) for
// the tests.
import type { Admin } from 'kafkajs';
import { TOPICS } from '../contracts/event.js';
import { DEFAULT_BROKERS, DEFAULT_CONSUMER_GROUP, kafkaClient, parseBrokers } from '../local/msk/client.js';
import { brokersFlag, parseArgs, runCli, stringFlag, UsageError } from './lib/args.js';
import { isMain } from '../local/lib/is-main.js';

export interface ReplayOptions {
  brokers: string[];
  topic: string;
  groupId?: string;
  /** Exactly one of fromOffset / fromTime. */
  fromOffset?: number;
  fromTime?: Date;
  /** Only this partition (default: all partitions of the topic). */
  partition?: number;
}

export interface ReplayPartition {
  partition: number;
  /** Committed offset before the reset (-1: none). */
  before: number;
  after: number;
  low: number;
  high: number;
  /** Records the group will read again (or skip, when negative). */
  toReprocess: number;
  /** Why the requested position was adjusted, if it was. */
  note?: string;
}

/** Thrown when the group still has members: offsets can only be set on an inactive group. */
export class GroupActiveError extends Error {
  constructor(
    readonly groupId: string,
    readonly state: string,
    readonly members: number,
  ) {
    super(
      `consumer group "${groupId}" is active (${state}, ${members} member${members === 1 ? '' : 's'}): Kafka only lets the offsets of an inactive group be set. ` +
        'Stop its consumers first — locally stop `npm start` (or the test/bench using it); in AWS disable the MSK event source mapping ' +
        '(aws lambda update-event-source-mapping --uuid … --no-enabled), wait for the group to become Empty, replay, then enable it again.',
    );
  }
}

async function withAdmin<T>(brokers: string[], fn: (admin: Admin) => Promise<T>): Promise<T> {
  const admin = kafkaClient({ brokers, clientId: 'molam-replay', retry: { retries: 5, initialRetryTime: 300 } }).admin();
  await admin.connect();
  try {
    return await fn(admin);
  } finally {
    await admin.disconnect();
  }
}

export async function replayOffsets(opts: ReplayOptions): Promise<ReplayPartition[]> {
  const groupId = opts.groupId ?? DEFAULT_CONSUMER_GROUP;
  if ((opts.fromOffset === undefined) === (opts.fromTime === undefined)) throw new Error('give exactly one of fromOffset and fromTime');
  return withAdmin(opts.brokers, async (admin) => {
    const { groups } = await admin.describeGroups([groupId]);
    const group = groups[0];
    if (group && group.members.length > 0) throw new GroupActiveError(groupId, group.state, group.members.length);

    let offsets = await admin.fetchTopicOffsets(opts.topic); // throws for an unknown topic
    if (opts.partition !== undefined) {
      offsets = offsets.filter((o) => o.partition === opts.partition);
      if (offsets.length === 0) throw new Error(`topic ${opts.topic} has no partition ${opts.partition}`);
    }
    const committed = new Map<number, number>();
    for (const t of await admin.fetchOffsets({ groupId, topics: [opts.topic] })) {
      for (const p of t.partitions) committed.set(p.partition, Number(p.offset));
    }
    const byTime = opts.fromTime
      ? new Map((await admin.fetchTopicOffsetsByTimestamp(opts.topic, opts.fromTime.getTime())).map((p) => [p.partition, Number(p.offset)]))
      : undefined;

    const plan: ReplayPartition[] = [...offsets]
      .sort((a, b) => a.partition - b.partition)
      .map((o) => {
        const low = Number(o.low);
        const high = Number(o.high);
        let target = byTime ? (byTime.get(o.partition) ?? high) : opts.fromOffset!;
        let note: string | undefined;
        // No record at or after the time: the end of the log (nothing to replay there).
        if (target < 0) target = high;
        if (target < low) {
          note = `offset ${target} was deleted by retention; starting at the log start ${low}`;
          target = low;
        } else if (target > high) {
          note = `offset ${target} is past the end; set to the end ${high}`;
          target = high;
        }
        const before = committed.get(o.partition) ?? -1;
        return {
          partition: o.partition,
          before,
          after: target,
          low,
          high,
          toReprocess: (before >= 0 ? before : high) - target,
          ...(note ? { note } : {}),
        };
      });
    await admin.setOffsets({
      groupId,
      topic: opts.topic,
      partitions: plan.map((p) => ({ partition: p.partition, offset: String(p.after) })),
    });
    return plan;
  });
}

const USAGE = `usage: npm run replay -- --topic <topic> (--from-offset N | --from-time ISO-8601) [--group ${DEFAULT_CONSUMER_GROUP}] [--partition P] [--brokers host:port[,…]]

Resets the consumer group's committed offsets of one topic so its records are read again.
  --topic        one of ${TOPICS.join(', ')}
  --from-offset  first offset to read again, in every partition (clamped to the log)
  --from-time    first record at or after this time (e.g. 2026-11-27T10:00:00Z), per partition
  --group        consumer group, default $KAFKA_CONSUMER_GROUP or ${DEFAULT_CONSUMER_GROUP}
  --partition    only this partition
  --brokers      bootstrap brokers, default $KAFKA_BROKERS or ${DEFAULT_BROKERS}
The group must be inactive (consumers stopped) while its offsets are set.`;

const ISO = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,3})?)?(Z|[+-]\d{2}:\d{2})$/;

function integer(raw: string | undefined, name: string): number | undefined {
  if (raw === undefined) return undefined;
  if (!/^\d+$/.test(raw) || !Number.isSafeInteger(Number(raw)))
    throw new UsageError(`--${name} must be a whole number ≥ 0, got ${JSON.stringify(raw)}`);
  return Number(raw);
}

async function main(): Promise<void> {
  const args = parseArgs();
  const known = new Set(['topic', 'from-offset', 'from-time', 'group', 'partition', 'brokers']);
  for (const name of args.flags.keys()) if (!known.has(name)) throw new UsageError(`unknown flag --${name}`);
  if (args.positionals.length > 0) throw new UsageError(`unexpected argument ${JSON.stringify(args.positionals[0])}`);
  const topic = stringFlag(args, 'topic');
  if (!topic) throw new UsageError('--topic is required');
  if (!(TOPICS as readonly string[]).includes(topic))
    throw new UsageError(`--topic must be one of ${TOPICS.join(', ')}, got ${JSON.stringify(topic)}`);
  const fromOffset = integer(stringFlag(args, 'from-offset'), 'from-offset');
  const rawTime = stringFlag(args, 'from-time');
  if ((fromOffset === undefined) === (rawTime === undefined)) throw new UsageError('give exactly one of --from-offset and --from-time');
  let fromTime: Date | undefined;
  if (rawTime !== undefined) {
    fromTime = new Date(rawTime);
    if (!ISO.test(rawTime) || Number.isNaN(fromTime.getTime()))
      throw new UsageError(`--from-time must be an ISO-8601 time like 2026-11-27T10:00:00Z, got ${JSON.stringify(rawTime)}`);
  }
  const partition = integer(stringFlag(args, 'partition'), 'partition');
  const groupId = stringFlag(args, 'group') ?? (process.env.KAFKA_CONSUMER_GROUP || DEFAULT_CONSUMER_GROUP);
  const brokers = brokersFlag(args, DEFAULT_BROKERS, parseBrokers);

  const plan = await replayOffsets({
    brokers,
    topic,
    groupId,
    ...(fromOffset !== undefined ? { fromOffset } : { fromTime }),
    ...(partition !== undefined ? { partition } : {}),
  });
  console.log(`consumer group "${groupId}", topic ${topic}: offsets set`);
  for (const p of plan) {
    console.log(
      `  partition ${p.partition}: committed ${p.before < 0 ? '(none)' : p.before} -> ${p.after}  (log ${p.low}..${p.high}; ${p.toReprocess >= 0 ? `${p.toReprocess} records to read again` : `${-p.toReprocess} records skipped`})${p.note ? `  — ${p.note}` : ''}`,
    );
  }
  console.log(
    [
      '',
      'Start the consumers again (npm start with KAFKA_BROKERS, or enable the event source mapping) to reprocess.',
      'Events already in ClickHouse are dropped on the way in by their event_id, so a replay stores only what is',
      'missing and never double counts — also records of a batch sent to the on-failure destination. To re-count',
      'data that was lost or deleted in ClickHouse, restore it (raw and analytics_event_ids together) first.',
    ].join('\n'),
  );
}

if (isMain(import.meta.url)) {
  await runCli(main, USAGE);
}
