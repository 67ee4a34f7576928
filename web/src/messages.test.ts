import { describe, expect, it } from 'vitest';
import { ApiHttpError } from './api.js';
import { describeErrorFr } from './messages.js';

describe('error messages', () => {
  it('are French and never echo the API text', () => {
    expect(describeErrorFr(new ApiHttpError(500, 'internal', 'boom'))).toBe(
      'Le service d’analyse est en panne (erreur 500). Réessayez dans un instant.',
    );
    expect(describeErrorFr(new ApiHttpError(403, 'forbidden', 'zone "CEMAC" is outside the token\'s scope'))).toMatch(/^Accès refusé/);
    expect(describeErrorFr(new ApiHttpError(400, 'bad_request', 'granularity=minute allows…', 'granularity'))).toContain('« granularity »');
    expect(describeErrorFr(new TypeError('Failed to fetch'))).toMatch(/injoignable/);
    expect(describeErrorFr(new Error('x'))).not.toContain('x');
  });
});
