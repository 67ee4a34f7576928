// npm run produce -- --rate 2000 --duration 60 [--invalid-ratio 0.01] [--brokers 127.0.0.1:9092]
// Produces realistic payment events (the shared generator) to the three topics: keyed by merchant
// (the Java-compatible default partitioner), acks=all, idempotent, sent in batches. A progress line
// every second on stderr, a summary at the end. Also a library: the tests and bench:e2e use produce().
import { Partitioners, type Message, type Producer } from 'kafkajs';
import { EventGenerator, type GeneratedRecord } from '../devkit/generator.js';
import { TOPICS } from '../contracts/event.js';
import { DEFAULT_BROKERS, kafkaClient, parseBrokers } from '../local/msk/client.js';
import { brokersFlag, parseArgs, runCli, stringFlag, UsageError } from './lib/args.js';
import { sleep } from '../local/lib/sleep.js';
import { isMain } from '../local/lib/is-main.js';

export interface ProducedRecord extends GeneratedRecord {
  /** Record timestamp (epoch ms) given to Kafka: the time of the send. */
  timestamp: number;
}

export interface ProduceProgress {
  elapsedMs: number;
  /** Records acknowledged by the broker. */
  total: number;
  /** Records whose send failed after the client's retries. */
  errors: number;
  invalid: number;
  /** Acknowledged records per second over the last interval. */
  rate: number;
}

export interface ProduceSummary extends ProduceProgress {
  byTopic: Record<string, number>;
  /** Average acknowledged records per second over the whole run. */
  averageRate: number;
}

export interface ProduceOptions {
  brokers: string[];
  /** Events per second; Infinity = as fast as the broker takes them. */
  rate: number;
  /** Stop after this many seconds and/or this many events (whichever comes first; at least one). */
  durationS?: number;
  count?: number;
  invalidRatio?: number;
  seed?: number;
  /** Records per send (default 1000). */
  sendSize?: number;
  /** Sends in flight at once (default 1: the idempotent producer numbers records per partition in send order). */
  concurrency?: number;
  onProgress?: (p: ProduceProgress) => void;
  /** Every acknowledged send, with its records (tests keep a reference of what Kafka holds). */
  onAcked?: (records: readonly ProducedRecord[]) => void;
  /** Records to send instead of generating them (benchmarks generate ahead of the clock); implies count. */
  records?: readonly GeneratedRecord[];
  /** Turns a generated record into another (tests mark records). */
  transform?: (record: GeneratedRecord, index: number) => GeneratedRecord;
  signal?: AbortSignal;
  log?: (line: string) => void;
  /** Reuse a connected producer (benchmarks); default: one is created and disconnected. */
  producer?: Producer;
}

export function createProducer(brokers: string[], log?: (line: string) => void): Producer {
  return kafkaClient({ brokers, clientId: 'molam-produce', log }).producer({
    createPartitioner: Partitioners.DefaultPartitioner,
    // Idempotent: a send retried after a lost acknowledgement (a broker restart) is not written twice.
    idempotent: true,
    maxInFlightRequests: 1,
  });
}

export async function produce(opts: ProduceOptions): Promise<ProduceSummary> {
  if (!(opts.rate > 0)) throw new Error('rate must be > 0');
  if (opts.durationS === undefined && opts.count === undefined && !opts.records) throw new Error('give a duration or a count');
  const generator = new EventGenerator({ seed: opts.seed });
  const sendSize = opts.sendSize ?? 1000;
  const concurrency = opts.concurrency ?? 1;
  const deadline = opts.durationS !== undefined ? opts.durationS * 1000 : Infinity;
  const limit = Math.min(opts.count ?? Infinity, opts.records?.length ?? Infinity);
  const producer = opts.producer ?? createProducer(opts.brokers, opts.log);
  if (!opts.producer) await producer.connect();

  const started = performance.now();
  let generated = 0;
  let total = 0;
  let errors = 0;
  let invalid = 0;
  let lastTotal = 0;
  let lastAt = started;
  const byTopic: Record<string, number> = Object.fromEntries(TOPICS.map((t) => [t, 0]));
  const inFlight = new Set<Promise<void>>();
  const progress = (): ProduceProgress => {
    const now = performance.now();
    const rate = ((total - lastTotal) * 1000) / Math.max(1, now - lastAt);
    lastTotal = total;
    lastAt = now;
    return { elapsedMs: Math.round(now - started), total, errors, invalid, rate };
  };
  const ticker = opts.onProgress ? setInterval(() => opts.onProgress!(progress()), 1000) : undefined;

  const send = (records: ProducedRecord[]) => {
    const byT = new Map<string, Message[]>();
    for (const r of records) {
      const list = byT.get(r.topic) ?? [];
      list.push({ key: r.key, value: r.value, timestamp: String(r.timestamp) });
      byT.set(r.topic, list);
    }
    const p = producer
      .sendBatch({ acks: -1, topicMessages: [...byT].map(([topic, messages]) => ({ topic, messages })) })
      .then(
        () => {
          total += records.length;
          for (const r of records) {
            byTopic[r.topic] = (byTopic[r.topic] ?? 0) + 1;
            if (r.invalid) invalid++;
          }
          opts.onAcked?.(records);
        },
        (err: Error) => {
          errors += records.length;
          opts.log?.(`send of ${records.length} records failed: ${err.message}`);
        },
      )
      .finally(() => inFlight.delete(p));
    inFlight.add(p);
  };

  try {
    for (;;) {
      const elapsed = performance.now() - started;
      if (elapsed >= deadline || generated >= limit || opts.signal?.aborted) break;
      // Rate control: everything due by now, at most one send's worth at a time.
      const due = Math.min(limit, opts.rate === Infinity ? generated + sendSize : Math.floor((opts.rate * elapsed) / 1000));
      const n = Math.min(sendSize, due - generated);
      if (n <= 0) {
        await sleep(Math.min(50, Math.max(1, ((generated + 1) * 1000) / opts.rate - elapsed)));
        continue;
      }
      const now = Date.now();
      const records: ProducedRecord[] = [];
      for (let i = 0; i < n; i++) {
        const rec = opts.records ? opts.records[generated + i]! : generator.record(opts.invalidRatio ?? 0);
        records.push({ ...(opts.transform ? opts.transform(rec, generated + i) : rec), timestamp: now });
      }
      generated += n;
      send(records);
      while (inFlight.size >= concurrency) await Promise.race(inFlight);
    }
    await Promise.all(inFlight);
  } finally {
    if (ticker) clearInterval(ticker);
    if (!opts.producer) await producer.disconnect();
  }
  const elapsedMs = performance.now() - started;
  return { ...progress(), elapsedMs: Math.round(elapsedMs), byTopic, averageRate: (total * 1000) / Math.max(1, elapsedMs) };
}

const USAGE = `usage: npm run produce -- --rate <events/s> --duration <seconds> [--invalid-ratio 0..1] [--brokers host:port[,…]] [--seed N]

Produces realistic payment events to ${TOPICS.join(', ')}, keyed by merchant, acks=all.
  --rate           events per second (> 0)
  --duration       seconds to run (> 0)
  --invalid-ratio  share of deliberately invalid (poison) records, default 0
  --brokers        bootstrap brokers, default $KAFKA_BROKERS or ${DEFAULT_BROKERS}
  --seed           generator seed (reproducible events)`;

function positiveNumber(raw: string | undefined, name: string, opts: { max?: number; allowZero?: boolean } = {}): number | undefined {
  if (raw === undefined) return undefined;
  const n = Number(raw);
  if (raw.trim() === '' || !Number.isFinite(n) || n < 0 || (n === 0 && !opts.allowZero) || (opts.max !== undefined && n > opts.max)) {
    throw new UsageError(
      `--${name} must be a number ${opts.allowZero ? '≥ 0' : '> 0'}${opts.max !== undefined ? ` and ≤ ${opts.max}` : ''}, got ${JSON.stringify(raw)}`,
    );
  }
  return n;
}

async function main(): Promise<void> {
  const args = parseArgs();
  const known = new Set(['rate', 'duration', 'invalid-ratio', 'brokers', 'seed']);
  for (const name of args.flags.keys()) if (!known.has(name)) throw new UsageError(`unknown flag --${name}`);
  if (args.positionals.length > 0) throw new UsageError(`unexpected argument ${JSON.stringify(args.positionals[0])}`);
  const rate = positiveNumber(stringFlag(args, 'rate'), 'rate');
  const duration = positiveNumber(stringFlag(args, 'duration'), 'duration');
  if (rate === undefined) throw new UsageError('--rate is required');
  if (duration === undefined) throw new UsageError('--duration is required');
  const invalidRatio = positiveNumber(stringFlag(args, 'invalid-ratio'), 'invalid-ratio', { max: 1, allowZero: true }) ?? 0;
  const seed = positiveNumber(stringFlag(args, 'seed'), 'seed', { allowZero: true });
  const brokers = brokersFlag(args, DEFAULT_BROKERS, parseBrokers);

  const controller = new AbortController();
  process.once('SIGINT', () => controller.abort());
  console.error(`producing ${rate} events/s for ${duration} s to ${brokers.join(',')} (invalid ratio ${invalidRatio}); Ctrl-C stops early`);
  const summary = await produce({
    brokers,
    rate,
    durationS: duration,
    invalidRatio,
    ...(seed !== undefined ? { seed } : {}),
    signal: controller.signal,
    log: (line) => console.error(line),
    onProgress: (p) =>
      console.error(
        `[produce] ${(p.elapsedMs / 1000).toFixed(0).padStart(4)} s  rate ${Math.round(p.rate).toString().padStart(6)}/s  total ${p.total}  errors ${p.errors}  invalid ${p.invalid}`,
      ),
  });
  console.log(
    [
      `produced ${summary.total} events in ${(summary.elapsedMs / 1000).toFixed(1)} s (${Math.round(summary.averageRate)}/s average), ${summary.errors} errors, ${summary.invalid} deliberately invalid`,
      ...Object.entries(summary.byTopic).map(([t, n]) => `  ${t.padEnd(20)} ${n}`),
    ].join('\n'),
  );
  if (summary.errors > 0) process.exitCode = 1;
}

if (isMain(import.meta.url)) {
  await runCli(main, USAGE);
}
