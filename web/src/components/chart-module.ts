// The chart.js chunk, loaded once and rendered without Suspense: React holds a revealed Suspense
// boundary back for up to 300 ms after its fallback showed (FALLBACK_THROTTLE_MS), which delayed
// every chart by that much after its data was in. A panel shows its skeleton until the module is
// here (it is requested while the KPIs load, so it normally is).
import { useEffect, useState } from 'react';

type ChartsModule = typeof import('./charts.js');

let loaded: ChartsModule | undefined;
let loading: Promise<ChartsModule> | undefined;

export function loadCharts(): Promise<ChartsModule> {
  loading ??= import('./charts.js').then((m) => (loaded = m));
  return loading;
}

/** The chart components once their chunk is loaded, else undefined (and a re-render when it is). */
export function useCharts(): ChartsModule | undefined {
  const [m, setM] = useState(loaded);
  useEffect(() => {
    if (m) return;
    let live = true;
    loadCharts().then(
      (mod) => live && setM(mod),
      () => undefined,
    );
    return () => {
      live = false;
    };
  }, [m]);
  return m;
}
