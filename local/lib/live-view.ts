/**
 * An object whose `keys` read `source`'s current values on every access (counters one piece keeps
 * and another shows), instead of a hand-written getter per counter.
 */
export function liveView<T extends object, K extends keyof T>(source: T, keys: readonly K[]): { readonly [P in K]: T[P] } {
  const view = {} as { [P in K]: T[P] };
  for (const key of keys) Object.defineProperty(view, key, { get: () => source[key], enumerable: true });
  return view;
}
