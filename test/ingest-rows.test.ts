// Row serialization straight to the insert body (functions/ingest/rows.ts): every field arrives in
// ClickHouse exactly as the record carried it, tabs, newlines, backslashes and non-ASCII included.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestClickHouse, type TestClickHouse } from '../devkit/engines.js';
import { storeBatch } from '../functions/ingest/store.js';
import { sortRecords } from '../functions/ingest/records.js';
import { tsvField } from '../functions/ingest/rows.js';
import { decodeMskRecords } from '../functions/shared/msk.js';
import { buildMskEvent } from '../devkit/msk-events.js';
import { EventGenerator } from '../devkit/generator.js';

let ch: TestClickHouse;
beforeAll(async () => {
  ch = await startTestClickHouse();
});
afterAll(async () => ch?.close());

const NASTY = 'a\tb\nc\\d\re\u0000f\bg\fh "q" \'s\' é 🚀 \\t';

describe('insert bodies', () => {
  it('escape exactly the TabSeparated specials', () => {
    expect(tsvField('plain text, é')).toBe('plain text, é');
    expect(tsvField('a\tb\nc\\d')).toBe('a\\tb\\nc\\\\d');
  });

  it('store valid and quarantined records field for field', async () => {
    const now = Date.now();
    const base = new EventGenerator({ seed: 5, now: () => now }).event('invoice.paid').event;
    const valid = { ...base, event_id: 'evt\\back\\slash', city: 'Ville\\Basse', merchant_id: 'm_\\x', amount: '12.3', fee: '0.0001' };
    const values = [
      JSON.stringify(valid),
      `{"event_id": "${NASTY.replace(/[\\"]/g, '\\$&').replace(/[\u0000-\u001f]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`)}"`,
      `not json ${NASTY}`,
    ];
    const records = decodeMskRecords(
      buildMskEvent(
        values.map((value, i) => ({ topic: 'invoice.paid', partition: 2, offset: 100 + i, timestamp: now - i, key: `k\t${i}\\`, value })),
      ),
    );
    const sorted = sortRecords(records, now);
    expect(sorted.valid.length).toBe(1);
    expect(sorted.rejected.length).toBe(2);
    await storeBatch(ch.client, { records, ...sorted }, now);

    const raw = await (
      await ch.client.query({
        query: `SELECT event_id, city, merchant_id, toString(amount) AS amount, toString(fee) AS fee, zone, country, currency, status, topic, partition, toString(offset) AS offset,
                     toUnixTimestamp64Milli(occurred_at) AS occurred, toUnixTimestamp64Milli(kafka_timestamp) AS kts FROM analytics_events_raw`,
        format: 'JSONEachRow',
      })
    ).json<Record<string, string | number>>();
    expect(raw).toEqual([
      {
        event_id: valid.event_id,
        city: valid.city,
        merchant_id: valid.merchant_id,
        amount: '12.3',
        fee: '0.0001',
        zone: valid.zone,
        country: valid.country,
        currency: valid.currency,
        status: 'succeeded',
        topic: 'invoice.paid',
        partition: 2,
        offset: '100',
        occurred: String(Date.parse(valid.occurred_at)),
        kts: String(now),
      },
    ]);

    const rejected = await (
      await ch.client.query({
        query:
          'SELECT key, payload, payload_base64, detail, reason, toString(offset) AS offset FROM analytics_events_rejected ORDER BY offset',
        format: 'JSONEachRow',
      })
    ).json<{ key: string; payload: string; payload_base64: string; detail: string; reason: string; offset: string }>();
    expect(rejected.map((r) => r.offset)).toEqual(['101', '102']);
    for (const [i, row] of rejected.entries()) {
      const record = sorted.rejected[i]!;
      expect(row.key).toBe(record.record.key);
      expect(row.payload).toBe(values[i + 1]);
      expect(row.payload_base64).toBe(record.record.valueBase64);
      expect(row.detail).toBe(record.reject.reason);
      expect(row.reason).toBe(record.reject.code);
    }
    expect(rejected[1]!.payload).toContain(NASTY);
  });
});
