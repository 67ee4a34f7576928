// npm run -s event -- msk --count 1000 [--invalid 5] [--seed 42] [--partitions 3] [--start-offset 0] [--out batch.json]
// Writes a realistic MSK-shaped event (the generator the local cloud uses) to stdout or --out.
import { writeFile } from 'node:fs/promises';
import { EventGenerator, toMskEvent } from '../devkit/generator.js';
import { numberFlag, parseArgs, runCli, stringFlag, UsageError } from './lib/args.js';

const USAGE = 'usage: npm run -s event -- msk --count N [--invalid N] [--seed N] [--partitions N] [--start-offset N] [--out FILE]';

await runCli(async () => {
  const args = parseArgs();
  if (args.positionals[0] !== 'msk') throw new UsageError('the only event kind is "msk"');
  const count = numberFlag(args, 'count', 100);
  const invalid = numberFlag(args, 'invalid', 0);
  if (count < 1 || invalid < 0 || invalid > count) throw new UsageError('--count must be ≥ 1 and --invalid between 0 and --count');
  const generator = new EventGenerator({ seed: numberFlag(args, 'seed', Math.floor(Math.random() * 2 ** 31)) });
  const event = toMskEvent(generator.records(count, invalid), {
    partitions: numberFlag(args, 'partitions', 3),
    startOffset: numberFlag(args, 'start-offset', 0),
  });
  const json = JSON.stringify(event, null, 2);
  const out = stringFlag(args, 'out');
  if (out) await writeFile(out, json);
  else process.stdout.write(`${json}\n`);
}, USAGE);
