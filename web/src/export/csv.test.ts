import { describe, expect, it } from 'vitest';
import { toCsv } from './csv.js';

describe('toCsv', () => {
  it('quotes what needs it and keeps decimals exact', () => {
    expect(
      toCsv(
        ['clé', 'volume'],
        [
          ["N'Djamena", '12345678901234.5600'],
          ['a,"b"', null],
        ],
      ),
    ).toBe('clé,volume\r\nN\'Djamena,12345678901234.5600\r\n"a,""b""",\r\n');
  });
});
