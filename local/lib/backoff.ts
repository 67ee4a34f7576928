// The local cloud's retry delays come from the runtime's one backoff (functions/shared/backoff.ts),
// so an emulated event source mapping and the code it drives retry by the same rule.
export { backoffMs, type BackoffOptions, type Jitter } from '../../functions/shared/backoff.js';
