// Reference geography: which countries belong to which monetary zone, their cities and currency.
// Used to scope rooms by zone (a token holds zones, a room may name a country or a city), by the
// event generator, and by the event contract: an event's country must be listed here and its zone
// must be that country's (else `unknown_country` / `zone_country_mismatch`), so the zone column
// and the geography never disagree about which zone an event belongs to. Cities are free text.

export interface CountryInfo {
  zone: string;
  currency: string;
  cities: readonly string[];
}

export const COUNTRIES: Readonly<Record<string, CountryInfo>> = {
  // West African Economic and Monetary Union (XOF)
  SN: { zone: 'WAEMU', currency: 'XOF', cities: ['Dakar', 'Thiès', 'Saint-Louis', 'Touba'] },
  CI: { zone: 'WAEMU', currency: 'XOF', cities: ['Abidjan', 'Bouaké', 'Yamoussoukro'] },
  ML: { zone: 'WAEMU', currency: 'XOF', cities: ['Bamako', 'Sikasso'] },
  BF: { zone: 'WAEMU', currency: 'XOF', cities: ['Ouagadougou', 'Bobo-Dioulasso'] },
  BJ: { zone: 'WAEMU', currency: 'XOF', cities: ['Cotonou', 'Porto-Novo'] },
  TG: { zone: 'WAEMU', currency: 'XOF', cities: ['Lomé'] },
  NE: { zone: 'WAEMU', currency: 'XOF', cities: ['Niamey'] },
  // Central African Economic and Monetary Community (XAF)
  CM: { zone: 'CEMAC', currency: 'XAF', cities: ['Douala', 'Yaoundé'] },
  GA: { zone: 'CEMAC', currency: 'XAF', cities: ['Libreville'] },
  CG: { zone: 'CEMAC', currency: 'XAF', cities: ['Brazzaville', 'Pointe-Noire'] },
  TD: { zone: 'CEMAC', currency: 'XAF', cities: ["N'Djamena"] },
  // West African Monetary Zone (own currencies)
  GH: { zone: 'WAMZ', currency: 'GHS', cities: ['Accra', 'Kumasi'] },
  NG: { zone: 'WAMZ', currency: 'NGN', cities: ['Lagos', 'Abuja', 'Kano'] },
  GN: { zone: 'WAMZ', currency: 'GNF', cities: ['Conakry'] },
};

export const ZONES: readonly string[] = [...new Set(Object.values(COUNTRIES).map((c) => c.zone))];

export function zoneOfCountry(country: string): string | undefined {
  return COUNTRIES[country]?.zone;
}

export function countriesOfZone(zone: string): string[] {
  return Object.entries(COUNTRIES)
    .filter(([, info]) => info.zone === zone)
    .map(([code]) => code);
}
