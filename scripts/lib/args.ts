// Tiny flag parser shared by the CLIs: --name value, --flag (boolean), positionals.
export interface ParsedArgs {
  positionals: string[];
  flags: Map<string, string | true>;
}

export function parseArgs(argv: string[] = process.argv.slice(2)): ParsedArgs {
  const positionals: string[] = [];
  const flags = new Map<string, string | true>();
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (arg.startsWith('--')) {
      const [name, inline] = arg.slice(2).split('=', 2) as [string, string | undefined];
      const next = argv[i + 1];
      if (inline !== undefined) flags.set(name, inline);
      else if (next !== undefined && !next.startsWith('--')) {
        flags.set(name, next);
        i++;
      } else flags.set(name, true);
    } else positionals.push(arg);
  }
  return { positionals, flags };
}

export function numberFlag(args: ParsedArgs, name: string, fallback: number): number {
  const raw = args.flags.get(name);
  if (raw === undefined) return fallback;
  const n = Number(raw);
  if (raw === true || !Number.isFinite(n)) throw new UsageError(`--${name} needs a number`);
  return n;
}

export function stringFlag(args: ParsedArgs, name: string): string | undefined {
  const raw = args.flags.get(name);
  if (raw === true) throw new UsageError(`--${name} needs a value`);
  return raw;
}

export class UsageError extends Error {}

/** Runs a CLI main, printing usage errors without a stack and exiting 2. */
export async function runCli(main: () => Promise<void>, usage: string): Promise<void> {
  try {
    await main();
  } catch (err) {
    if (err instanceof UsageError) {
      console.error(`${err.message}\n\n${usage}`);
      process.exit(2);
    }
    console.error(err instanceof Error ? err.message : err);
    process.exit(1);
  }
}

/** `--brokers host:port,…` (else KAFKA_BROKERS, else the fallback), validated by `parse`. */
export function brokersFlag(args: ParsedArgs, fallback: string, parse: (raw: string) => string[]): string[] {
  let brokers: string[];
  try {
    brokers = parse(stringFlag(args, 'brokers') ?? process.env.KAFKA_BROKERS ?? fallback);
  } catch (err) {
    throw new UsageError(`--brokers: ${(err as Error).message}`);
  }
  if (brokers.length === 0) throw new UsageError('--brokers needs at least one host:port');
  return brokers;
}
