// The CLI path CI uses: `npx cdk synth -c env=prod --no-lookups` from cdk.json, offline, bundling
// every catalog function for real with the local esbuild (no Docker), with cdk-nag and the built-in
// CloudFormation validation active. The one test here that bundles.
import { spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect, test } from 'vitest';
import { FUNCTIONS } from '../functions/catalog.js';
import { tempDir } from './cdk-support.js';

function run(cmd: string, args: string[]): Promise<{ code: number | null; out: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { cwd: process.cwd(), env: { ...process.env, CDK_DISABLE_VERSION_CHECK: 'true' } });
    let out = '';
    child.stdout.on('data', (d) => (out += d));
    child.stderr.on('data', (d) => (out += d));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, out }));
  });
}

test('npx cdk synth -c env=prod --no-lookups bundles every handler to ESM with source maps', async () => {
  const outdir = tempDir('cdk-cli-');
  const { code, out } = await run('npx', ['cdk', 'synth', '-c', 'env=prod', '--no-lookups', '--no-notices', '-q', '-o', outdir]);
  expect(code, out.slice(-4000)).toBe(0);
  const template = JSON.parse(readFileSync(join(outdir, 'MolamAnalytics-prod.template.json'), 'utf8'));
  const resources = template.Resources as Record<string, any>;
  for (const def of FUNCTIONS) {
    const [logicalId, fn] = Object.entries(resources).find(
      ([k, r]) => r.Type === 'AWS::Lambda::Function' && k.startsWith(def.id) && r.Properties.Handler === 'index.handler',
    )!;
    expect(fn.Properties.Runtime, logicalId).toBe('nodejs22.x');
    const assetDir = join(outdir, `asset.${String(fn.Properties.Code.S3Key).replace(/\.zip$/, '')}`);
    const bundle = join(assetDir, 'index.mjs');
    expect(existsSync(bundle), `${def.id}: ${bundle}`).toBe(true);
    expect(existsSync(`${bundle}.map`), def.id).toBe(true);
    const code = readFileSync(bundle, 'utf8');
    expect(code.startsWith('import { createRequire as __molamCreateRequire }'), def.id).toBe(true);
    expect(code, def.id).toMatch(/export\s*\{[^}]*\bas handler\b|export\s*\{\s*handler\s*\}/);
    expect(code, def.id).not.toContain('client-dynamodb/dist-cjs'); // the SDK comes from the runtime
  }
}, 600_000);
