// The writes to stream-enabled tables, seen on their way to dynalite: each is forwarded under its
// table's lock (so the old image read before it and the outcome after it are exact), and what it
// changed goes to `emit` (record-deriver decides INSERT / MODIFY / REMOVE). The caller gets the
// answer it asked for.
import type { IncomingHttpHeaders, ServerResponse } from 'node:http';
import type { TableDef } from '../../functions/shared/dynamo/tables.js';
import { type Forwarder, respond } from './forwarder.js';
import {
  type AttributeMap,
  batchChanges,
  type Change,
  deleteChange,
  pick,
  putChange,
  requestKey,
  updateChange,
  type WriteRequestItem,
} from './record-deriver.js';

export const WRITE_OPS = new Set(['PutItem', 'UpdateItem', 'DeleteItem', 'BatchWriteItem']);

export interface StreamTable {
  def: TableDef;
  name: string;
  keyNames: string[];
  arn: string;
  /** Serializes writes to this table through the proxy, so old/new images are exact. */
  lock: Promise<void>;
}

/** Runs `fn` holding the locks of `tables` (taken in name order, so two writers never deadlock). */
export function withLocks<T>(tables: StreamTable[], fn: () => Promise<T>): Promise<T> {
  const sorted = [...new Set(tables)].sort((a, b) => a.name.localeCompare(b.name));
  const run = sorted.reduceRight<() => Promise<T>>(
    (inner, st) => () => {
      const prev = st.lock;
      let release!: () => void;
      st.lock = new Promise<void>((r) => (release = r));
      return prev.then(inner).finally(release);
    },
    fn,
  );
  return run();
}

export type Emit = (st: StreamTable, changes: readonly Change[]) => void;

export function createWriteTap(forwarder: Forwarder, tables: ReadonlyMap<string, StreamTable>, emit: Emit) {
  const { forward } = forwarder;

  async function batchWrite(headers: IncomingHttpHeaders, body: Buffer, req: Record<string, unknown>, res: ServerResponse): Promise<void> {
    const items = (req.RequestItems ?? {}) as Record<string, WriteRequestItem[]>;
    const touched = Object.keys(items)
      .map((n) => tables.get(n))
      .filter((t): t is StreamTable => t !== undefined);
    if (touched.length === 0) return respond(res, await forward(headers, body));
    await withLocks(touched, async () => {
      const before = new Map<string, Set<string>>();
      for (const st of touched) {
        const keys = items[st.name]!.map((r) => requestKey(r, st.keyNames));
        before.set(st.name, await forwarder.existingKeys(headers, st.name, st.keyNames, keys));
      }
      const f = await forward(headers, body);
      if (f.status === 200) {
        const out = JSON.parse(f.body.toString('utf8') || '{}') as { UnprocessedItems?: typeof items };
        for (const st of touched) {
          emit(st, batchChanges(items[st.name]!, before.get(st.name)!, out.UnprocessedItems?.[st.name] ?? [], st.keyNames));
        }
      }
      respond(res, f);
    });
  }

  async function putOrDelete(
    op: string,
    st: StreamTable,
    headers: IncomingHttpHeaders,
    body: Buffer,
    req: Record<string, unknown>,
    res: ServerResponse,
  ) {
    // ALL_OLD tells INSERT from MODIFY (and whether a delete removed anything) atomically;
    // the caller gets the response it asked for.
    const inject = req.ReturnValues !== 'ALL_OLD';
    const f = await forward(headers, inject ? Buffer.from(JSON.stringify({ ...req, ReturnValues: 'ALL_OLD' })) : body);
    if (f.status !== 200) return respond(res, f);
    const out = JSON.parse(f.body.toString('utf8') || '{}') as Record<string, unknown>;
    const old = out.Attributes as AttributeMap | undefined;
    const change =
      op === 'PutItem' ? putChange(req.Item as AttributeMap, old, st.keyNames) : deleteChange(req.Key as AttributeMap, old, st.keyNames);
    if (change) emit(st, [change]);
    if (!inject) return respond(res, f);
    delete out.Attributes;
    respond(res, f, Buffer.from(JSON.stringify(out)));
  }

  async function update(st: StreamTable, headers: IncomingHttpHeaders, body: Buffer, req: Record<string, unknown>, res: ServerResponse) {
    // Read before and after; the table lock keeps both exact.
    const key = pick(req.Key as AttributeMap, st.keyNames);
    const before = await forwarder.getItem(headers, st.name, key);
    const f = await forward(headers, body);
    if (f.status === 200) {
      const change = updateChange(key, before, await forwarder.getItem(headers, st.name, key));
      if (change) emit(st, [change]);
    }
    respond(res, f);
  }

  /** Forwards one write (`op` in WRITE_OPS), emitting the stream changes it made. */
  return async function handleWrite(op: string, headers: IncomingHttpHeaders, body: Buffer, res: ServerResponse): Promise<void> {
    let req: Record<string, unknown>;
    try {
      req = JSON.parse(body.toString('utf8')) as Record<string, unknown>;
    } catch {
      return respond(res, await forward(headers, body));
    }
    if (op === 'BatchWriteItem') return batchWrite(headers, body, req, res);
    const st = tables.get(String(req.TableName));
    if (!st) return respond(res, await forward(headers, body));
    await withLocks([st], () => (op === 'UpdateItem' ? update(st, headers, body, req, res) : putOrDelete(op, st, headers, body, req, res)));
  };
}
