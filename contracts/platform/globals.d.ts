// The few web-platform globals the contracts use beyond ECMAScript, as both of their runtimes
// (browsers, and Node 20+ for the Lambdas and tooling) provide them. Only contracts/tsconfig.json
// reads this file: the other projects get the full declarations from the DOM or Node types.
declare class URL {
  constructor(url: string, base?: string);
  readonly protocol: string;
  readonly href: string;
}
declare class TextDecoder {
  constructor(label?: string, options?: { fatal?: boolean; ignoreBOM?: boolean });
  decode(input?: Uint8Array): string;
}
