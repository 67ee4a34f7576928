import { describe, expect, it } from 'vitest';
import {
  defaultLocale,
  formatAge,
  formatChange,
  formatCount,
  formatMoney,
  formatPercent,
  formatPointChange,
  relativeChange,
} from './format.js';

// Intl puts narrow no-break spaces in French numbers; compare with plain spaces.
const plain = (s: string) => s.replace(/\s/g, ' ');

describe('formatMoney', () => {
  it('shows XOF and XAF by ISO code (their symbols read alike), without minor units, rounding the exact decimal string', () => {
    expect(plain(formatMoney('1500.0000', 'XOF', 'fr-FR'))).toBe('1 500 XOF');
    expect(plain(formatMoney('999.5000', 'XOF', 'fr-SN'))).toBe('1 000 XOF');
    expect(plain(formatMoney('250000.4999', 'XAF', 'fr-CM'))).toBe('250 000 XAF');
    expect(formatMoney('1500', 'XOF', 'fr-FR')).not.toMatch(/,/);
  });

  it('keeps two decimals for currencies that have them, in French and English conventions', () => {
    expect(plain(formatMoney('1234.5000', 'GHS', 'fr-FR'))).toBe('1 234,50 GHS');
    expect(plain(formatMoney('0.0500', 'USD', 'en-US'))).toBe('$0.05');
    expect(plain(formatMoney('1234.5600', 'NGN', 'en-GB'))).toBe('NGN 1,234.56');
  });

  it('formats decimal strings beyond float precision exactly when not compact', () => {
    // 15 significant digits plus cents: a float would already have lost the last digits.
    expect(plain(formatMoney('12345678901234.5600', 'GHS', 'fr-FR', { compact: false }))).toBe('12 345 678 901 234,56 GHS');
    expect(plain(formatMoney('98765432109876.0000', 'XOF', 'fr-FR', { compact: false }))).toBe('98 765 432 109 876 XOF');
  });

  it('compacts large amounts from a million on, and not below', () => {
    expect(plain(formatMoney('1234567.0000', 'XOF', 'fr-FR'))).toBe('1,2 M XOF');
    expect(plain(formatMoney('2500000000.0000', 'XAF', 'fr-FR'))).toBe('2,5 Md XAF');
    expect(plain(formatMoney('999999.0000', 'XOF', 'fr-FR'))).toBe('999 999 XOF');
    expect(plain(formatMoney('1234567.0000', 'USD', 'en-US'))).toBe('$1.2M');
  });
});

describe('counts, percentages and changes', () => {
  it('formats counts in full below a million and compact above', () => {
    expect(plain(formatCount(12345, 'fr-FR'))).toBe('12 345');
    expect(plain(formatCount(3_400_000, 'fr-FR'))).toBe('3,4 M');
    expect(plain(formatCount(3_400_000, 'fr-FR', { compact: false }))).toBe('3 400 000');
    expect(formatCount(3_400_000, 'en-US')).toBe('3.4M');
  });

  it('formats rates and signed changes', () => {
    expect(plain(formatPercent(0.9734, 'fr-FR'))).toBe('97,3 %');
    expect(relativeChange(120, 100)).toBeCloseTo(0.2);
    expect(relativeChange(5, 0)).toBeUndefined();
    expect(plain(formatChange(0.2, 'fr-FR'))).toBe('+20,0 %');
    expect(plain(formatChange(-0.04, 'fr-FR'))).toBe('-4,0 %');
    expect(plain(formatChange(0, 'fr-FR'))).toBe('0,0 %');
    expect(formatChange(undefined, 'fr-FR')).toBe('—');
    expect(plain(formatPointChange(0.95, 0.9, 'fr-FR'))).toBe('+5,0 pt');
    expect(formatPointChange(null, 0.9, 'fr-FR')).toBe('—');
  });

  it('formats the age of the newest data', () => {
    expect(plain(formatAge(4_200, 'fr-FR'))).toMatch(/^4 ?s$/);
    expect(plain(formatAge(185_000, 'fr-FR'))).toMatch(/^3 ?min$/);
    expect(plain(formatAge(7_300_000, 'fr-FR'))).toMatch(/^2 ?h$/);
  });

  it('defaults to a French-speaking locale', () => {
    expect(defaultLocale(['en-US', 'de-DE'])).toBe('fr-FR');
    expect(defaultLocale(['en-US', 'fr-SN'])).toBe('fr-SN');
    expect(defaultLocale([])).toBe('fr-FR');
  });
});
