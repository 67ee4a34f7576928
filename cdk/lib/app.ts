// Builds the app for one environment; the CLI entry (cdk/bin/app.ts) and the tests share it, so
// what the tests synthesize is what `cdk synth` synthesizes.
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { App, type AppProps, Validations } from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';
import { AnalyticsStack } from './analytics-stack.js';
import { loadConfig } from './config.js';

export const REPO_ROOT = fileURLToPath(new URL('../../', import.meta.url));

/** The `context` of cdk.json (feature flags and optional `molam:<env>` objects). */
export function cdkJsonContext(): Record<string, unknown> {
  const json = JSON.parse(readFileSync(new URL('../../cdk.json', import.meta.url), 'utf8')) as { context?: Record<string, unknown> };
  return json.context ?? {};
}

export interface BuildOptions {
  /** An existing App (the CLI's); otherwise one is created from `appProps`. */
  app?: App;
  appProps?: AppProps;
  /** Run cdk-nag AwsSolutions as a validation plugin (default true). */
  nag?: boolean;
  repoRoot?: string;
}

export function buildApp(opts: BuildOptions = {}): { app: App; stack: AnalyticsStack } {
  const app = opts.app ?? new App(opts.appProps);
  const config = loadConfig(app.node.tryGetContext('env'), (k) => app.node.tryGetContext(k));
  const stack = new AnalyticsStack(app, config.stackName, {
    config,
    repoRoot: opts.repoRoot ?? REPO_ROOT,
    env: { account: config.account, region: config.region },
    description: `Molam Analytics (${config.envName}): MSK ingest, DynamoDB, WebSocket, CloudFront, alarms`,
    tags: { project: 'molam-analytics', environment: config.envName },
  });
  if (opts.nag ?? true) Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
  return { app, stack };
}
