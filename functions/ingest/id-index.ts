// The in-batch event_id index of sortRecords: the first value stored under each id. A Map did the
// same but was a tenth of validation in the profile (hashing 10k fresh id strings in the engine,
// then rehashing as it grew); this table is sized once for the batch and hashes in one pass.

/** Per-process seed, so which ids collide cannot be worked out in advance from the source. */
const SEED = (Math.random() * 0x1_0000_0000) >>> 0;

export interface IdIndex<T> {
  /** The value stored under `id`, or undefined after storing `value` under it. */
  firstOrAdd(id: string, value: T): T | undefined;
  readonly size: number;
}

/** FNV-1a over UTF-16 code units, seeded. */
function hash(id: string): number {
  let h = 0x811c9dc5 ^ SEED;
  for (let i = 0; i < id.length; i++) h = Math.imul(h ^ id.charCodeAt(i), 0x01000193);
  return h >>> 0;
}

/** An index for up to about `expected` ids (it grows past that, at a cost). */
export function idIndex<T>(expected: number): IdIndex<T> {
  let capacity = 16;
  while (capacity < expected * 2) capacity *= 2;
  let slots = new Int32Array(capacity);
  const ids: string[] = [];
  const values: T[] = [];
  const place = (id: string, at: number): void => {
    const mask = slots.length - 1;
    let s = hash(id) & mask;
    while (slots[s] !== 0) s = (s + 1) & mask;
    slots[s] = at + 1;
  };
  return {
    get size() {
      return ids.length;
    },
    firstOrAdd(id, value) {
      const mask = slots.length - 1;
      let s = hash(id) & mask;
      for (let slot = slots[s]!; slot !== 0; slot = slots[s]!) {
        if (ids[slot - 1] === id) return values[slot - 1];
        s = (s + 1) & mask;
      }
      slots[s] = ids.push(id);
      values.push(value);
      // Kept at most half full, so probes stay short.
      if (ids.length * 2 > slots.length) {
        slots = new Int32Array(slots.length * 2);
        ids.forEach(place);
      }
      return undefined;
    },
  };
}
