import { pathToFileURL } from 'node:url';
import { expect, test } from 'vitest';
import { isMain } from './is-main.js';

test('true only for the script node was started with', () => {
  const argv1 = process.argv[1];
  try {
    process.argv[1] = '/tmp/tool.ts';
    expect(isMain(pathToFileURL('/tmp/tool.ts').href)).toBe(true);
    expect(isMain(pathToFileURL('/tmp/other.ts').href)).toBe(false);
    process.argv[1] = 'relative/tool.ts';
    expect(isMain(pathToFileURL(`${process.cwd()}/relative/tool.ts`).href)).toBe(true);
  } finally {
    process.argv[1] = argv1!;
  }
});
