// The pure parts of `npm run test:localstack`: the environment cdklocal (aws-cdk-local 3.x) needs,
// and the prerequisite check that says precisely what is missing before anything starts.
//
// cdklocal 3.x refuses AWS_ENDPOINT_URL without AWS_ENDPOINT_URL_S3, drops every AWS_* variable
// not named in AWS_ENVAR_ALLOWLIST (the region would silently become us-east-1), and LocalStack
// takes a 12-digit access key id as the account id.

/** The account LocalStack derives from the access key id below. */
export const LOCALSTACK_ACCOUNT = '000000000000';

/** What the stack needs from LocalStack; the ones marked licensed are LocalStack paid features. */
export const REQUIRED_SERVICES: readonly { service: string; licensed: boolean }[] = [
  { service: 'cloudformation', licensed: false },
  { service: 's3', licensed: false },
  { service: 'iam', licensed: false },
  { service: 'sts', licensed: false },
  { service: 'dynamodb', licensed: false },
  { service: 'dynamodbstreams', licensed: false },
  { service: 'lambda', licensed: false },
  { service: 'sqs', licensed: false },
  { service: 'sns', licensed: false },
  { service: 'kms', licensed: false },
  { service: 'logs', licensed: false },
  { service: 'cloudwatch', licensed: false },
  { service: 'secretsmanager', licensed: false },
  // API Gateway v2 (WebSocket), CloudFront, MSK: licensed in LocalStack.
  { service: 'apigateway', licensed: true },
  { service: 'cloudfront', licensed: true },
  { service: 'kafka', licensed: true },
];

export function cdklocalEnvironment(endpoint: string, region: string, base: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
  const aws = {
    AWS_ENDPOINT_URL: endpoint,
    AWS_ENDPOINT_URL_S3: endpoint,
    AWS_ACCESS_KEY_ID: LOCALSTACK_ACCOUNT,
    AWS_SECRET_ACCESS_KEY: 'test',
    AWS_REGION: region,
    AWS_DEFAULT_REGION: region,
  };
  return { ...base, ...aws, AWS_ENVAR_ALLOWLIST: Object.keys(aws).join(',') };
}

export interface Prerequisites {
  /** `docker info` succeeded (LocalStack runs Lambda functions in containers). */
  docker: boolean;
  authToken?: string;
  /** Service -> state from LocalStack's /_localstack/health; undefined if it did not answer. */
  services?: Record<string, string>;
}

/** Every missing prerequisite, one precise line each ([] = ready). */
export function missingPrerequisites(p: Prerequisites): string[] {
  const out: string[] = [];
  if (!p.docker) out.push('Docker is not available (`docker info` failed): LocalStack runs Lambda functions and DynamoDB in containers');
  if (!p.authToken?.trim())
    out.push('LOCALSTACK_AUTH_TOKEN is not set: the LocalStack CLI and the licensed services need an account token');
  if (!p.services) {
    out.push('LocalStack did not answer /_localstack/health at LOCALSTACK_ENDPOINT');
    return out;
  }
  for (const { service, licensed } of REQUIRED_SERVICES) {
    const state = p.services[service];
    if (state === 'available' || state === 'running') continue;
    out.push(
      `LocalStack service ${service} is ${state ?? 'absent'}${licensed ? ' (a licensed LocalStack feature: needs a paid plan and LOCALSTACK_AUTH_TOKEN)' : ''}`,
    );
  }
  return out;
}
