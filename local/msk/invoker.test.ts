import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { MSKEvent } from 'aws-lambda';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import type { OutgoingRecord } from '../../devkit/msk-events.js';
import { createInvoker, type InvokerOptions } from './invoker.js';
import { type Buffered, newRunState } from './run-state.js';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'msk-invoker-'));
});
afterAll(() => rm(dir, { recursive: true, force: true }));

const item = (partition: number, offset: number): Buffered => ({
  record: { topic: 't', partition, offset, timestamp: 1_700_000_000_000, key: null, value: Buffer.from('{}') },
  bytes: 10,
  arrivedAt: 0,
  generation: 0,
});

function setup(invoke: (e: MSKEvent) => Promise<unknown>, extra: Partial<InvokerOptions> = {}) {
  const state = newRunState(() => undefined);
  const commits: OutgoingRecord[][] = [];
  const files: string[] = [];
  const deliver = createInvoker({
    invoke,
    bootstrapServers: 'b:9092',
    groupId: 'g',
    dir,
    maxRetries: 2,
    retryBaseMs: 1,
    retryMaxMs: 4,
    state,
    onFailureFiles: files,
    commit: async (records) => void commits.push([...records]),
    halt: async () => {
      state.halted = true;
    },
    ...extra,
  });
  return { state, commits, files, deliver };
}

describe('invoker', () => {
  test('a success is counted and committed once', async () => {
    const events: MSKEvent[] = [];
    const { deliver, commits, state } = setup(async (e) => void events.push(e));
    expect(await deliver([item(0, 1), item(0, 2)])).toBe('done');
    expect(Object.keys(events[0]!.records)).toEqual(['t-0']);
    expect(commits.map((c) => c.map((r) => r.offset))).toEqual([[1, 2]]);
    expect(state.stats).toMatchObject({ invocations: 1, batches: 1, records: 2, failedInvocations: 0 });
  });

  test('after 1 + maxRetries failed invocations the batch goes to on-failure and is committed past', async () => {
    const { deliver, commits, files, state } = setup(async () => {
      throw new Error('clickhouse down');
    });
    expect(await deliver([item(1, 10)])).toBe('done');
    expect(state.stats).toMatchObject({ invocations: 3, failedInvocations: 3, onFailureBatches: 1, onFailureRecords: 1, batches: 0 });
    expect(commits).toHaveLength(1);
    const doc = JSON.parse(await readFile(files[0]!, 'utf8'));
    expect(doc.requestContext.approximateInvokeCount).toBe(3);
    expect(doc.error.message).toBe('clickhouse down');
    expect(doc.KafkaBatchInfo.consumerGroup).toBe('g');
  });

  test('a splittable batch of several partitions is handed back after its first failure, uncommitted', async () => {
    const { deliver, commits, state } = setup(async () => {
      throw new Error('one partition is poison');
    });
    expect(await deliver([item(0, 1), item(1, 1)], { splittable: true })).toBe('split');
    expect(state.stats.invocations).toBe(1);
    expect(commits).toHaveLength(0);
  });

  test('a batch of a past generation is dropped without invoking', async () => {
    let calls = 0;
    const { deliver, state } = setup(async () => void calls++);
    state.generation = 1;
    expect(await deliver([item(0, 1)])).toBe('done');
    expect(calls).toBe(0);
  });

  test('afterInvoke throwing halts before the commit', async () => {
    const { deliver, commits, state } = setup(async () => undefined, {
      afterInvoke: () => {
        throw new Error('killed');
      },
    });
    expect(await deliver([item(0, 1)])).toBe('done');
    expect(commits).toHaveLength(0);
    expect(state.halted).toBe(true);
  });
});
