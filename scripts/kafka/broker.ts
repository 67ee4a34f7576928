/**
 * A real single-node Apache Kafka broker (KRaft, broker+controller in one JVM) for tests and local use.
 *
 * The broker jars come from Maven Central through scripts/kafka/pom.xml and are cached under
 * `.local/kafka/<version>/lib`; after the first download a start needs neither Maven nor the network.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { Kafka, logLevel, type Admin } from 'kafkajs';
import { TOPICS } from '../../contracts/index.js';
import { REPO_ROOT } from '../../local/lib/repo-root.js';
import { sleep } from '../../local/lib/sleep.js';

const POM = path.join(REPO_ROOT, 'scripts/kafka/pom.xml');
const LOG4J_CONFIG = path.join(REPO_ROOT, 'scripts/kafka/log4j2.properties');

/** The pinned broker version: read from the pom so there is one place to change it. */
export const KAFKA_VERSION: string = (() => {
  const m = /<kafka\.version>([^<]+)<\/kafka\.version>/.exec(fs.readFileSync(POM, 'utf8'));
  if (!m?.[1]) throw new Error(`no <kafka.version> in ${POM}`);
  return m[1];
})();

export const KAFKA_HOME = path.join(REPO_ROOT, '.local/kafka');
const INSTALL_HINT = 'install them with: apt-get install -y openjdk-17-jre-headless maven';

export interface StartKafkaOptions {
  /** PLAINTEXT listener port; 0 or absent = pick a free one. */
  port?: number;
  /** KRaft controller listener port; 0 or absent = pick a free one. */
  controllerPort?: number;
  /** Holds server.properties and the log dirs; reused as-is when already formatted. */
  dataDir: string;
  /** Topics to create once the broker is up (default: the three event topics). */
  topics?: readonly string[];
  /** Partitions per created topic (default 3). */
  partitions?: number;
  /** Broker stdout/stderr (default `<dataDir>/broker.log`). */
  logFile?: string;
  /** JVM max heap (default 512m). */
  heap?: string;
  /** Milliseconds to wait for the broker to answer (default 180 s: a JVM start on a busy 2-core machine is slow). */
  readyTimeoutMs?: number;
  /**
   * Run the JVM in its own process group and outlive this process (the `kafka:up` CLI).
   * Otherwise the broker is tied to this process: killed when it exits, even by SIGKILL.
   */
  detached?: boolean;
}

export interface KafkaBroker {
  /** Bootstrap address, `127.0.0.1:PORT`. */
  brokers: string;
  port: number;
  controllerPort: number;
  dataDir: string;
  logFile: string;
  /** Pid of the current JVM (changes on restart). */
  readonly pid: number;
  /** SIGTERM, wait for a clean exit, SIGKILL after a timeout (default 30 s). */
  stop(timeoutMs?: number): Promise<void>;
  /** Stop, then start the same broker on the same ports and data. */
  restart(): Promise<void>;
}

function javaBin(): string {
  return process.env.JAVA_HOME ? path.join(process.env.JAVA_HOME, 'bin/java') : 'java';
}

/** Fails with what to install when Java (17+, Kafka 4's minimum for the broker) is missing. */
export function checkJava(): void {
  const r = spawnSync(javaBin(), ['-version'], { encoding: 'utf8' });
  if (r.error || r.status !== 0) {
    throw new Error(`Kafka needs Java 17+ but \`${javaBin()} -version\` failed (${r.error?.message ?? r.stderr}); ${INSTALL_HINT}`);
  }
  const m = /version "(\d+)(?:\.(\d+))?/.exec(r.stderr);
  const major = m ? (m[1] === '1' ? Number(m[2]) : Number(m[1])) : NaN;
  if (!(major >= 17)) throw new Error(`Kafka ${KAFKA_VERSION} needs Java 17+, found: ${r.stderr.split('\n')[0]}; ${INSTALL_HINT}`);
}

/**
 * Returns the directory holding the broker jars, downloading them with Maven on first use.
 * The jars land in a private temporary directory that is renamed into place, so concurrent
 * first runs (parallel test files) never see a half-filled cache.
 */
export function ensureKafkaLib(): string {
  const versionDir = path.join(KAFKA_HOME, KAFKA_VERSION);
  const lib = path.join(versionDir, 'lib');
  if (fs.existsSync(lib)) return lib;
  const mvn = spawnSync('mvn', ['-v'], { encoding: 'utf8' });
  if (mvn.error || mvn.status !== 0) {
    throw new Error(`Kafka ${KAFKA_VERSION} is fetched from Maven Central with Maven, but \`mvn\` is missing; ${INSTALL_HINT}`);
  }
  fs.mkdirSync(versionDir, { recursive: true });
  const tmp = fs.mkdtempSync(path.join(versionDir, 'lib.tmp-'));
  const r = spawnSync(
    'mvn',
    ['-q', '-B', '-f', POM, 'dependency:copy-dependencies', '-DincludeScope=runtime', `-DoutputDirectory=${tmp}`],
    { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] },
  );
  if (r.status !== 0 || !fs.existsSync(path.join(tmp, `kafka_2.13-${KAFKA_VERSION}.jar`))) {
    fs.rmSync(tmp, { recursive: true, force: true });
    const out = `${r.stdout ?? ''}${r.stderr ?? ''}`.trim().split('\n').slice(-20).join('\n');
    throw new Error(`mvn could not fetch org.apache.kafka:kafka_2.13:${KAFKA_VERSION} from Maven Central:\n${out}`);
  }
  try {
    fs.chmodSync(tmp, 0o755); // mkdtemp makes it private
    fs.renameSync(tmp, lib);
  } catch (e) {
    // Another process finished first: its copy is as good as ours.
    fs.rmSync(tmp, { recursive: true, force: true });
    if (!fs.existsSync(lib)) throw e;
  }
  return lib;
}

/** A port that was free a moment ago on 127.0.0.1. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.unref();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as net.AddressInfo;
      srv.close(() => resolve(port));
    });
  });
}

/** True when something accepts TCP connections on 127.0.0.1:port. */
export function portOpen(port: number, timeoutMs = 1000): Promise<boolean> {
  return new Promise((resolve) => {
    const sock = net.connect({ host: '127.0.0.1', port });
    const done = (open: boolean) => {
      sock.destroy();
      resolve(open);
    };
    sock.setTimeout(timeoutMs, () => done(false));
    sock.once('connect', () => done(true));
    sock.once('error', () => done(false));
  });
}

function serverProperties(port: number, controllerPort: number, logDir: string, partitions: number): string {
  return `${[
    '# Written by scripts/kafka/broker.ts: single-node KRaft broker for tests and local use.',
    'process.roles=broker,controller',
    'node.id=1',
    `controller.quorum.voters=1@127.0.0.1:${controllerPort}`,
    `listeners=PLAINTEXT://127.0.0.1:${port},CONTROLLER://127.0.0.1:${controllerPort}`,
    `advertised.listeners=PLAINTEXT://127.0.0.1:${port}`,
    'controller.listener.names=CONTROLLER',
    'inter.broker.listener.name=PLAINTEXT',
    'listener.security.protocol.map=PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT',
    `log.dirs=${logDir}`,
    // One node: every internal topic has a single replica.
    'offsets.topic.replication.factor=1',
    // 50 partitions (the default) only slow down the first group coordinator lookup here.
    'offsets.topic.num.partitions=10',
    'transaction.state.log.replication.factor=1',
    'transaction.state.log.min.isr=1',
    'transaction.state.log.num.partitions=5',
    'share.coordinator.state.topic.replication.factor=1',
    'share.coordinator.state.topic.min.isr=1',
    'min.insync.replicas=1',
    'default.replication.factor=1',
    // Tests start consumers right away; the 3 s default only delays the first rebalance.
    'group.initial.rebalance.delay.ms=0',
    // Topics are created explicitly (like MSK with auto-create off): a typo must fail, not create.
    'auto.create.topics.enable=false',
    `num.partitions=${partitions}`,
    'log.retention.hours=168',
    'log.segment.bytes=67108864',
  ].join('\n')}\n`;
}

/** A Kafka cluster id: 16 random bytes in URL-safe base64, as `kafka-storage random-uuid` prints. */
function clusterId(): string {
  // As Kafka's own Uuid.randomUuid(): an id starting with '-' would be read as an option by
  // kafka-storage (1 run in 64 failed with "argument --cluster-id/-t: expected one argument").
  for (;;) {
    const id = randomBytes(16).toString('base64url');
    if (!id.startsWith('-')) return id;
  }
}

function tail(file: string, lines = 30): string {
  try {
    return fs.readFileSync(file, 'utf8').trimEnd().split('\n').slice(-lines).join('\n');
  } catch {
    return '(no log)';
  }
}

function formatStorage(lib: string, propsFile: string, logDir: string, logFile: string): void {
  if (fs.existsSync(path.join(logDir, 'meta.properties'))) return;
  const fd = fs.openSync(logFile, 'a');
  try {
    const r = spawnSync(
      javaBin(),
      [
        `-Dlog4j2.configurationFile=${LOG4J_CONFIG}`,
        '-cp',
        path.join(lib, '*'),
        'kafka.tools.StorageTool',
        'format',
        '--ignore-formatted',
        '-t',
        clusterId(),
        '-c',
        propsFile,
      ],
      { stdio: ['ignore', fd, fd] },
    );
    if (r.status !== 0) throw new Error(`kafka storage format failed (exit ${r.status}); see ${logFile}:\n${tail(logFile)}`);
  } finally {
    fs.closeSync(fd);
  }
}

// Brokers tied to this process: killed if it exits without stopping them (a crashed test).
const live = new Set<ChildProcess>();
let hooksInstalled = false;
function killAllLive(): void {
  for (const child of live) {
    try {
      child.kill('SIGKILL');
    } catch {
      /* already gone */
    }
  }
  live.clear();
}
function installExitHooks(): void {
  if (hooksInstalled) return;
  hooksInstalled = true;
  process.on('exit', killAllLive);
  for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
    const onSignal = () => {
      killAllLive();
      process.off(sig, onSignal);
      // Nobody else handles it: keep the default behaviour (die by the signal).
      if (process.listenerCount(sig) === 0) process.kill(process.pid, sig);
    };
    process.on(sig, onSignal);
  }
}

/**
 * Guards against SIGKILL of this process, which runs no exit hook: a tiny shell polls this
 * process and terminates the JVM when it is gone. It ends by itself when the JVM exits.
 */
function spawnWatchdog(javaPid: number): ChildProcess {
  const script =
    `while kill -0 ${process.pid} 2>/dev/null && kill -0 ${javaPid} 2>/dev/null; do sleep 1; done; ` +
    `if kill -0 ${javaPid} 2>/dev/null; then kill -TERM ${javaPid}; sleep 15; kill -KILL ${javaPid} 2>/dev/null; fi`;
  const dog = spawn('sh', ['-c', script], { stdio: 'ignore', detached: true });
  dog.unref();
  return dog;
}

function exited(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => child.once('exit', () => resolve()));
}

async function withAdmin<T>(brokers: string, fn: (admin: Admin) => Promise<T>): Promise<T> {
  const kafka = new Kafka({
    clientId: 'kafka-broker-script',
    brokers: [brokers],
    logLevel: logLevel.NOTHING,
    connectionTimeout: 2000,
    retry: { retries: 3, initialRetryTime: 200 },
  });
  const admin = kafka.admin();
  await admin.connect();
  try {
    return await fn(admin);
  } finally {
    await admin.disconnect();
  }
}

/** Waits until the broker answers a metadata request, or fails (early if `child` dies). */
export async function waitForKafka(brokers: string, timeoutMs = 120_000, child?: ChildProcess, logFile?: string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    if (child && (child.exitCode !== null || child.signalCode !== null)) {
      throw new Error(
        `Kafka exited during start-up (${child.exitCode ?? child.signalCode})${logFile ? `; ${logFile}:\n${tail(logFile)}` : ''}`,
      );
    }
    try {
      await withAdmin(brokers, (admin) => admin.listTopics());
      return;
    } catch (e) {
      last = e;
    }
    if (Date.now() > deadline) throw new Error(`Kafka at ${brokers} not ready after ${timeoutMs} ms: ${String(last)}`);
    await sleep(300);
  }
}

/**
 * Waits until the group coordinator answers. On a new broker the first FindCoordinator creates
 * `__consumer_offsets`; after a restart the coordinator reloads it. Until then group calls fail
 * with "coordinator is loading / not available", which would hit the first consumer or admin call.
 */
export async function waitForGroupCoordinator(brokers: string, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      await withAdmin(brokers, (admin) => admin.fetchOffsets({ groupId: 'kafka-broker-script-probe' }));
      return;
    } catch (e) {
      if (Date.now() > deadline) throw new Error(`Kafka group coordinator at ${brokers} not ready after ${timeoutMs} ms: ${String(e)}`);
      await sleep(300);
    }
  }
}

/** Creates the missing topics; existing ones are left alone. */
export async function ensureTopics(brokers: string, topics: readonly string[] = TOPICS, partitions = 3): Promise<void> {
  await withAdmin(brokers, async (admin) => {
    const existing = new Set(await admin.listTopics());
    const missing = topics.filter((t) => !existing.has(t));
    if (missing.length > 0) {
      await admin.createTopics({
        topics: missing.map((topic) => ({ topic, numPartitions: partitions, replicationFactor: 1 })),
        waitForLeaders: true,
      });
    }
  });
}

export async function startKafka(opts: StartKafkaOptions): Promise<KafkaBroker> {
  checkJava();
  const lib = ensureKafkaLib();
  const dataDir = path.resolve(opts.dataDir);
  fs.mkdirSync(dataDir, { recursive: true });
  const port = opts.port || (await freePort());
  let controllerPort = opts.controllerPort || (await freePort());
  while (controllerPort === port) controllerPort = await freePort();
  const logFile = path.resolve(opts.logFile ?? path.join(dataDir, 'broker.log'));
  fs.mkdirSync(path.dirname(logFile), { recursive: true });
  const logDir = path.join(dataDir, 'kraft-logs');
  const propsFile = path.join(dataDir, 'server.properties');
  const partitions = opts.partitions ?? 3;
  const topics = opts.topics ?? TOPICS;
  const brokers = `127.0.0.1:${port}`;
  fs.writeFileSync(propsFile, serverProperties(port, controllerPort, logDir, partitions));
  formatStorage(lib, propsFile, logDir, logFile);

  let child: ChildProcess | undefined;
  let dog: ChildProcess | undefined;

  const launch = async (): Promise<void> => {
    for (const p of [port, controllerPort]) {
      if (await portOpen(p, 500)) throw new Error(`cannot start Kafka: 127.0.0.1:${p} is already in use`);
    }
    const fd = fs.openSync(logFile, 'a');
    try {
      child = spawn(
        javaBin(),
        [
          `-Xmx${opts.heap ?? '512m'}`,
          '-Xms128m',
          '-XX:+UseG1GC',
          '-XX:MaxGCPauseMillis=20',
          '-XX:+ExitOnOutOfMemoryError',
          '-Djava.awt.headless=true',
          `-Dlog4j2.configurationFile=${LOG4J_CONFIG}`,
          '-cp',
          path.join(lib, '*'),
          'kafka.Kafka',
          propsFile,
        ],
        { stdio: ['ignore', fd, fd], detached: !!opts.detached, cwd: dataDir },
      );
    } finally {
      fs.closeSync(fd);
    }
    const c = child;
    await new Promise<void>((resolve, reject) => {
      c.once('spawn', resolve);
      c.once('error', reject);
    });
    if (opts.detached) {
      c.unref();
    } else {
      installExitHooks();
      live.add(c);
      c.once('exit', () => live.delete(c));
      dog = spawnWatchdog(c.pid!);
    }
    try {
      await waitForKafka(brokers, opts.readyTimeoutMs ?? 180_000, c, logFile);
      await waitForGroupCoordinator(brokers);
    } catch (e) {
      await stop(5000);
      throw e;
    }
  };

  const stop = async (timeoutMs = 30_000): Promise<void> => {
    const c = child;
    if (!c) return;
    if (c.exitCode === null && c.signalCode === null) {
      c.kill('SIGTERM');
      const timer = setTimeout(() => c.kill('SIGKILL'), timeoutMs);
      await exited(c);
      clearTimeout(timer);
    }
    live.delete(c);
    if (dog && dog.exitCode === null && dog.signalCode === null) dog.kill('SIGKILL');
    dog = undefined;
  };

  await launch();
  await ensureTopics(brokers, topics, partitions);

  return {
    brokers,
    port,
    controllerPort,
    dataDir,
    logFile,
    get pid() {
      return child?.pid ?? -1;
    },
    stop,
    async restart() {
      await stop();
      await launch();
    },
  };
}
