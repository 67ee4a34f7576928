// What the status pill may claim. "En direct" only when all of it holds: the WebSocket subscription
// is acknowledged, the last REST refresh succeeded, and the range includes now. The first connect
// reads "Connexion…" (the reconnect machine says "reconnecting" while it has never been live).
import type { LiveStatus } from './reconnect.js';

export type IndicatorState = 'live' | 'connecting' | 'reconnecting' | 'offline' | 'paused' | 'error';

export interface IndicatorInput {
  ws: LiveStatus | 'connecting';
  /** The socket has been live at least once since the page (or the last manual reconnect) started. */
  everLive: boolean;
  /** The last REST fetch failed. */
  restFailed: boolean;
  /** The range shown includes the current time. */
  includesNow: boolean;
  /** Why live updates cannot follow this view at all (scope), if so. */
  unavailable?: string;
  /** The server refused the subscription. */
  refused?: boolean;
}

export interface Indicator {
  state: IndicatorState;
  label: string;
  detail?: string;
  /** Offer the "Reconnecter" action. */
  canReconnect: boolean;
}

export function indicator(i: IndicatorInput): Indicator {
  if (i.restFailed)
    return { state: 'error', label: 'Données indisponibles', detail: 'La dernière actualisation a échoué.', canReconnect: false };
  if (!i.includesNow)
    return {
      state: 'paused',
      label: 'Période passée',
      detail: 'Pas de mise à jour en direct pour une période terminée.',
      canReconnect: false,
    };
  if (i.unavailable) return { state: 'paused', label: 'Direct indisponible', detail: i.unavailable, canReconnect: false };
  if (i.refused)
    return {
      state: 'offline',
      label: 'Direct refusé',
      detail: 'Le serveur a refusé l’abonnement au direct pour cette vue.',
      canReconnect: true,
    };
  switch (i.ws) {
    case 'live':
      return { state: 'live', label: 'En direct', canReconnect: false };
    case 'connecting':
      return { state: 'connecting', label: 'Connexion…', canReconnect: false };
    case 'reconnecting':
      return i.everLive
        ? { state: 'reconnecting', label: 'Reconnexion…', canReconnect: false }
        : { state: 'connecting', label: 'Connexion…', canReconnect: false };
    case 'offline':
      return { state: 'offline', label: 'Hors ligne', detail: 'Le direct est interrompu.', canReconnect: true };
  }
}

/** Whether a range [from, to) includes `now`. */
export function rangeIncludesNow(range: { from: string; to: string; relative: boolean }, now: number): boolean {
  return range.relative || (Date.parse(range.from) <= now && now < Date.parse(range.to));
}
