// Every error the page shows, in French. The API's own messages are in English (they are for
// developers and logs); the page says what happened and what to do, and keeps the API's text out.
import { ApiHttpError } from './api.js';

export function describeErrorFr(err: unknown): string {
  if (err instanceof ApiHttpError) {
    if (err.status === 401) return 'Votre session a expiré : rechargez la page pour vous reconnecter.';
    if (err.status === 403) return 'Accès refusé : cette vue sort des zones de votre compte.';
    if (err.status === 400)
      return err.parameter
        ? `La demande a été refusée (paramètre « ${err.parameter} »). Modifiez les filtres.`
        : 'La demande a été refusée. Modifiez les filtres.';
    if (err.status >= 500) return `Le service d’analyse est en panne (erreur ${err.status}). Réessayez dans un instant.`;
    return `Le service d’analyse a répondu ${err.status}.`;
  }
  if (err instanceof TypeError) return 'Le service d’analyse est injoignable (réseau coupé ou bloqué).';
  return 'Une erreur inattendue est survenue.';
}
