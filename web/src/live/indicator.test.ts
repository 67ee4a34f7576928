import { describe, expect, it } from 'vitest';
import { indicator, rangeIncludesNow } from './indicator.js';

const base = { ws: 'live' as const, everLive: true, restFailed: false, includesNow: true };

describe('live indicator', () => {
  it('is live only with an acknowledged socket, a good REST refresh and a range including now', () => {
    expect(indicator(base).state).toBe('live');
    expect(indicator({ ...base, restFailed: true })).toMatchObject({ state: 'error', label: 'Données indisponibles' });
    expect(indicator({ ...base, includesNow: false })).toMatchObject({ state: 'paused', label: 'Période passée' });
    expect(indicator({ ...base, unavailable: 'raison' })).toMatchObject({ state: 'paused', detail: 'raison' });
    expect(indicator({ ...base, refused: true })).toMatchObject({ state: 'offline', canReconnect: true });
  });

  it('never flashes "Reconnexion…" before the first live, offers a reconnect when offline', () => {
    expect(indicator({ ...base, ws: 'reconnecting', everLive: false })).toMatchObject({ state: 'connecting', label: 'Connexion…' });
    expect(indicator({ ...base, ws: 'reconnecting' })).toMatchObject({ state: 'reconnecting', label: 'Reconnexion…' });
    expect(indicator({ ...base, ws: 'offline' })).toMatchObject({ state: 'offline', label: 'Hors ligne', canReconnect: true });
    expect(indicator({ ...base, ws: 'connecting', everLive: false }).canReconnect).toBe(false);
  });

  it('a fixed range includes now only between its bounds', () => {
    const r = { from: '2025-01-01T00:00:00.000Z', to: '2025-01-02T00:00:00.000Z', relative: false };
    expect(rangeIncludesNow(r, Date.parse('2025-01-01T12:00:00Z'))).toBe(true);
    expect(rangeIncludesNow(r, Date.parse('2025-01-02T00:00:00Z'))).toBe(false);
    expect(rangeIncludesNow({ ...r, relative: true }, Date.parse('2030-01-01T00:00:00Z'))).toBe(true);
  });
});
