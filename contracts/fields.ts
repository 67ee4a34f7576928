// The one declaration of each field's shape. The event contract, the REST parameters and their
// OpenAPI schemas, the token's zone claim, the room names and the dashboard's URL filters all
// derive from these, so a limit or a pattern changes here and nowhere else.

/**
 * Most characters of each free-text field, counted in code points (`textLength`): what JSON
 * Schema's maxLength counts, so the OpenAPI document states the same limit the validators apply.
 */
export const FIELD_MAX_LENGTH = {
  event_id: 64,
  zone: 32,
  city: 64,
  merchant_id: 64,
} as const;
export type LimitedField = keyof typeof FIELD_MAX_LENGTH;

/** ISO-3166 alpha-2 country and ISO-4217 currency: this many upper-case ASCII letters. */
export const COUNTRY_CODE_LENGTH = 2;
export const CURRENCY_CODE_LENGTH = 3;

/** Pattern sources (ECMA-262, also valid JSON Schema patterns) and their RegExps. */
export const COUNTRY_PATTERN_SOURCE = `^[A-Z]{${COUNTRY_CODE_LENGTH}}$`;
export const CURRENCY_PATTERN_SOURCE = `^[A-Z]{${CURRENCY_CODE_LENGTH}}$`;
export const COUNTRY_PATTERN = new RegExp(COUNTRY_PATTERN_SOURCE);
export const CURRENCY_PATTERN = new RegExp(CURRENCY_PATTERN_SOURCE);

/**
 * A zone name: an upper-case letter, then upper-case letters, digits or `_`, at most
 * FIELD_MAX_LENGTH.zone. Excludes `*`, separators (`:` is the room separator) and invisible
 * characters, so one zone cannot appear under two spellings.
 */
export const ZONE_PATTERN = new RegExp(`^[A-Z][A-Z0-9_]{0,${FIELD_MAX_LENGTH.zone - 1}}$`);

/**
 * The length of a string as every contract counts it: in code points (an emoji is 1), as JSON
 * Schema does. A lone surrogate counts 1 (the event contract refuses those on its own).
 */
export function textLength(s: string): number {
  let n = s.length;
  // Only a string with surrogate pairs differs from its UTF-16 length: one pass, no allocation.
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c >= 0xd800 && c <= 0xdbff && i + 1 < s.length) {
      const d = s.charCodeAt(i + 1);
      if (d >= 0xdc00 && d <= 0xdfff) {
        n--;
        i++;
      }
    }
  }
  return n;
}

/** True when `s` is 1..max code points; O(1) when its UTF-16 length already decides it. */
export function withinLength(s: string, max: number): boolean {
  const units = s.length;
  if (units === 0) return false;
  // Code points <= units <= 2 × code points.
  if (units <= max) return true;
  if (units > 2 * max) return false;
  return textLength(s) <= max;
}
