// The event_id rule, pure: an event is counted at most once by its event_id. Given the events of a
// batch and the versions already stored under the same ids, each event is fresh (store it), a
// duplicate (identical content: counted in the metrics, not stored) or a conflict (same id,
// different content: the first version stays counted, this one is quarantined as
// `duplicate_conflict` with the stored version's key fields in the detail).
import { DUPLICATE_CONFLICT, EVENT_CONTENT_FIELDS, type PaymentEvent, type Reject } from '../../contracts/event.js';
import { fromUnits, toUnits } from '../../contracts/decimal.js';

/** The fields that make up an event's content; two versions equal on all of them are the same event. */
export const CONTENT_FIELDS = EVENT_CONTENT_FIELDS;
/** The key fields an operator needs to tell the versions of a conflict apart (quoted in the reject detail). */
export const KEY_FIELDS = ['type', 'occurred_at', 'amount', 'currency', 'zone', 'country', 'city'] as const;

export type EventContent = Pick<PaymentEvent, 'event_id' | (typeof CONTENT_FIELDS)[number]>;

/** Normalises a version read back from ClickHouse (decimals may lose trailing zeros) to the contract's form. */
export function canonicalContent(e: EventContent): EventContent {
  return {
    ...e,
    amount: fromUnits(toUnits(e.amount)),
    fee: fromUnits(toUnits(e.fee)),
    occurred_at: new Date(Date.parse(e.occurred_at)).toISOString(),
  };
}

export function sameContent(a: EventContent, b: EventContent): boolean {
  return CONTENT_FIELDS.every((f) => a[f] === b[f]);
}

export function conflictReject(stored: EventContent, event: EventContent): Reject {
  const differs = CONTENT_FIELDS.filter((f) => stored[f] !== event[f]);
  const storedKeys = Object.fromEntries(KEY_FIELDS.map((f) => [f, stored[f]]));
  return {
    code: DUPLICATE_CONFLICT,
    field: differs[0],
    reason: `event_id ${JSON.stringify(event.event_id)} already counted with different ${differs.join(', ')}; stored: ${JSON.stringify(storedKeys)}`,
  };
}

export interface Classified<T> {
  fresh: T[];
  /** Identical re-sends of a stored event. */
  duplicates: T[];
  conflicts: Array<{ item: T; reject: Reject }>;
}

/** Splits `items` by what `stored` (event_id -> canonical stored version) already holds. */
export function classifyAgainstStored<T extends { event: EventContent }>(
  items: readonly T[],
  stored: ReadonlyMap<string, EventContent>,
): Classified<T> {
  const out: Classified<T> = { fresh: [], duplicates: [], conflicts: [] };
  for (const item of items) {
    const prior = stored.get(item.event.event_id);
    if (!prior) out.fresh.push(item);
    else if (sameContent(prior, item.event)) out.duplicates.push(item);
    else out.conflicts.push({ item, reject: conflictReject(prior, item.event) });
  }
  return out;
}
