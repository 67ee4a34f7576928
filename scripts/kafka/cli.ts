/**
 * `npm run kafka:up`   start a local broker on 127.0.0.1:9092 in the background (idempotent)
 * `npm run kafka:down` stop it cleanly
 * `npm run kafka:up -- status` tell whether it runs (the last command word wins)
 *
 * State lives in .local/kafka: data/ (KRaft logs), broker.pid, broker.log.
 * KAFKA_PORT / KAFKA_CONTROLLER_PORT override the ports 9092 / 9093.
 */
import fs from 'node:fs';
import path from 'node:path';
import { KAFKA_HOME, KAFKA_VERSION, ensureTopics, portOpen, startKafka, waitForGroupCoordinator, waitForKafka } from './broker.js';
import { sleep } from '../../local/lib/sleep.js';

const PID_FILE = path.join(KAFKA_HOME, 'broker.pid');
const LOG_FILE = path.join(KAFKA_HOME, 'broker.log');
const DATA_DIR = path.join(KAFKA_HOME, 'data');
const PORT = Number(process.env.KAFKA_PORT ?? 9092);
const CONTROLLER_PORT = Number(process.env.KAFKA_CONTROLLER_PORT ?? 9093);
const BROKERS = `127.0.0.1:${PORT}`;

/** The pid from the pid file, if that process is still our Kafka JVM (not a recycled pid). */
function runningPid(): number | undefined {
  let pid: number;
  try {
    pid = Number(fs.readFileSync(PID_FILE, 'utf8').trim());
  } catch {
    return undefined;
  }
  if (!Number.isInteger(pid) || pid <= 0) return undefined;
  try {
    const cmdline = fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8');
    return cmdline.includes('kafka.Kafka') ? pid : undefined;
  } catch {
    return undefined;
  }
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

async function up(): Promise<void> {
  const pid = runningPid();
  if (pid) {
    await waitForKafka(BROKERS, 120_000);
    await waitForGroupCoordinator(BROKERS);
    await ensureTopics(BROKERS);
    console.log(`Kafka ${KAFKA_VERSION} already running (pid ${pid}); bootstrap: ${BROKERS}`);
    console.log(`KAFKA_BROKERS=${BROKERS}`);
    return;
  }
  if (await portOpen(PORT)) {
    throw new Error(`127.0.0.1:${PORT} is taken by another process (no broker of ours in ${PID_FILE}); stop it or set KAFKA_PORT`);
  }
  fs.mkdirSync(KAFKA_HOME, { recursive: true });
  const started = Date.now();
  console.log(`starting Kafka ${KAFKA_VERSION} (first run downloads it from Maven Central; log: ${LOG_FILE}) ...`);
  const broker = await startKafka({ port: PORT, controllerPort: CONTROLLER_PORT, dataDir: DATA_DIR, logFile: LOG_FILE, detached: true });
  fs.writeFileSync(PID_FILE, `${broker.pid}\n`);
  console.log(
    `Kafka ${KAFKA_VERSION} ready in ${((Date.now() - started) / 1000).toFixed(1)} s (pid ${broker.pid}); bootstrap: ${broker.brokers}`,
  );
  console.log(`KAFKA_BROKERS=${broker.brokers}`);
}

async function down(): Promise<void> {
  const pid = runningPid();
  if (!pid) {
    fs.rmSync(PID_FILE, { force: true });
    console.log('Kafka is not running');
    return;
  }
  process.kill(pid, 'SIGTERM');
  const deadline = Date.now() + 30_000;
  while (alive(pid) && Date.now() < deadline) await sleep(200);
  if (alive(pid)) {
    console.log(`Kafka (pid ${pid}) did not stop within 30 s: SIGKILL`);
    process.kill(pid, 'SIGKILL');
    while (alive(pid)) await sleep(100);
  }
  fs.rmSync(PID_FILE, { force: true });
  console.log(`Kafka stopped (pid ${pid})`);
}

async function status(): Promise<void> {
  const pid = runningPid();
  console.log(pid ? `Kafka ${KAFKA_VERSION} running (pid ${pid}); bootstrap: ${BROKERS}` : 'Kafka is not running');
  process.exitCode = pid ? 0 : 1;
}

const commands: Record<string, () => Promise<void>> = { up, down, status };
const cmd = process.argv
  .slice(2)
  .filter((a) => a in commands)
  .pop();
if (!cmd) {
  console.error('usage: tsx scripts/kafka/cli.ts up|down|status');
  process.exit(2);
}
commands[cmd]!().catch((e: unknown) => {
  console.error(e instanceof Error ? e.message : e);
  process.exit(1);
});
