// The parts of the ClickHouse HTTP protocol that are pure functions: which URL parameters are
// settings, how errors look on the wire, which format a query answers in.

/** URL parameters that belong to the HTTP interface itself, never to the query. */
const HTTP_ONLY_PARAMS = new Set([
  'query',
  'database',
  'default_format',
  'query_id',
  'user',
  'password',
  'quota_key',
  'session_id',
  'session_timeout',
  'session_check',
  'role',
  'buffer_size',
  'wait_end_of_query',
  'enable_http_compression',
  'send_progress_in_http_headers',
  'decompress',
  'compress',
  'add_http_cors_header',
  'client_protocol_version',
  'stacktrace',
  'default_session_timeout',
  'cancel_http_readonly_queries_on_client_close',
  // readonly cannot be undone by `SET readonly = DEFAULT` once applied, so it would leak into the
  // next request; the local endpoint has a single trusted user anyway.
  'readonly',
]);

const SETTING_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

export interface RequestParts {
  settings: Map<string, string>;
  params: Record<string, string>;
  dropped: string[];
}

/** Split URL (or multipart) parameters into per-query settings and `{name:Type}` values. */
export function classifyParams(entries: Iterable<[string, string]>): RequestParts {
  const settings = new Map<string, string>();
  const params: Record<string, string> = {};
  const dropped: string[] = [];
  for (const [key, value] of entries) {
    if (key.startsWith('param_')) {
      params[key.slice('param_'.length)] = value;
    } else if (HTTP_ONLY_PARAMS.has(key) || key.startsWith('http_')) {
      dropped.push(key);
    } else if (SETTING_NAME.test(key)) {
      settings.set(key, value);
    } else {
      dropped.push(key);
    }
  }
  return { settings, params, dropped };
}

/** A ClickHouse string literal; settings accept string literals for every type. */
export function sqlString(value: string): string {
  return `'${value.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`;
}

export function sqlIdentifier(name: string): string {
  return `\`${name.replace(/\\/g, '\\\\').replace(/`/g, '\\`')}\``;
}

/** `SET a = '1', b = 'x'` for the request's settings (names were validated by classifyParams). */
export function setStatement(settings: Map<string, string>): string {
  return `SET ${[...settings].map(([k, v]) => `${k} = ${sqlString(v)}`).join(', ')}`;
}

export function resetStatement(names: Iterable<string>): string {
  return `SET ${[...names].map((k) => `${k} = DEFAULT`).join(', ')}`;
}

/** True when the statement is an INSERT whose data follows it (the client puts it in `query`). */
export function isInsertStatement(sql: string): boolean {
  return /^\s*(?:(?:--[^\n]*\n|\/\*[\s\S]*?\*\/)\s*)*INSERT\b/i.test(sql);
}

/** The `FORMAT x` clause at the end of a query, if any. */
export function trailingFormat(sql: string): string | undefined {
  const m = /\bFORMAT\s+([A-Za-z][A-Za-z0-9_]*)\s*;?\s*$/i.exec(sql);
  return m?.[1];
}

const CONTENT_TYPES: Array<[RegExp, string]> = [
  [
    /^JSON(Compact)?(Strings)?(EachRow)?(WithNames)?(AndTypes)?$|^JSONLines$|^NDJSON$|^JSONObjectEachRow$/i,
    'application/json; charset=UTF-8',
  ],
  [/^JSON/i, 'application/json; charset=UTF-8'],
  [/^(TSV|TabSeparated)/i, 'text/tab-separated-values; charset=UTF-8'],
  [/^CSV/i, 'text/csv; charset=UTF-8; header=absent'],
  [/^(RowBinary|Native|Parquet|Arrow|ArrowStream|ORC|Avro)/i, 'application/octet-stream'],
];

export function contentTypeFor(format: string): string {
  for (const [re, type] of CONTENT_TYPES) if (re.test(format)) return type;
  return 'text/plain; charset=UTF-8';
}

export interface ParsedError {
  code: number;
  type: string;
  text: string;
}

/** Normalizes any failure to ClickHouse's `Code: N. DB::Exception: … (TYPE) (version …)` text. */
export function toClickHouseError(err: unknown, version: string): ParsedError {
  const raw = err instanceof Error ? err.message : String(err);
  const m = /Code: (\d+)\. DB::Exception: [\s\S]*\(([A-Z0-9_]*[A-Z]{3}[A-Z0-9_]*)\)/.exec(raw);
  if (m) {
    const text = /\(version [^)]*\)/.test(raw) ? raw : `${raw.trimEnd()} (version ${version})`;
    return { code: Number(m[1]), type: m[2]!, text: text.endsWith('\n') ? text : `${text}\n` };
  }
  return { code: 1001, type: 'STD_EXCEPTION', text: `Code: 1001. DB::Exception: ${raw}. (STD_EXCEPTION) (version ${version})\n` };
}

const BAD_REQUEST = new Set([
  'BAD_ARGUMENTS',
  'CANNOT_COMPILE_REGEXP',
  'CANNOT_PARSE_TEXT',
  'CANNOT_PARSE_ESCAPE_SEQUENCE',
  'CANNOT_PARSE_QUOTED_STRING',
  'CANNOT_PARSE_DATE',
  'CANNOT_PARSE_DATETIME',
  'CANNOT_PARSE_NUMBER',
  'CANNOT_PARSE_DOMAIN_VALUE_FROM_STRING',
  'CANNOT_PARSE_IPV4',
  'CANNOT_PARSE_IPV6',
  'CANNOT_PARSE_INPUT_ASSERTION_FAILED',
  'CANNOT_PARSE_UUID',
  'DUPLICATE_COLUMN',
  'ILLEGAL_COLUMN',
  'UNKNOWN_ELEMENT_IN_AST',
  'UNKNOWN_TYPE_OF_AST_NODE',
  'THERE_IS_NO_COLUMN',
  'TOO_DEEP_AST',
  'TOO_BIG_AST',
  'UNEXPECTED_AST_STRUCTURE',
  'SYNTAX_ERROR',
  'INCORRECT_DATA',
  'TYPE_MISMATCH',
  'VALUE_IS_OUT_OF_RANGE_OF_DATA_TYPE',
]);
const NOT_FOUND = new Set([
  'UNKNOWN_TABLE',
  'UNKNOWN_FUNCTION',
  'UNKNOWN_IDENTIFIER',
  'UNKNOWN_TYPE',
  'UNKNOWN_STORAGE',
  'UNKNOWN_DATABASE',
  'UNKNOWN_SETTING',
  'UNKNOWN_DIRECTION_OF_SORTING',
  'UNKNOWN_AGGREGATE_FUNCTION',
  'UNKNOWN_FORMAT',
  'UNKNOWN_DATABASE_ENGINE',
  'UNKNOWN_TYPE_OF_QUERY',
  'UNKNOWN_ROLE',
]);

/** The HTTP status ClickHouse's HTTP handler gives an exception (exceptionCodeToHTTPStatus). */
export function httpStatusFor(type: string): number {
  if (BAD_REQUEST.has(type)) return 400;
  if (NOT_FOUND.has(type)) return 404;
  switch (type) {
    case 'REQUIRED_PASSWORD':
      return 401;
    case 'UNKNOWN_USER':
    case 'WRONG_PASSWORD':
    case 'AUTHENTICATION_FAILED':
    case 'ACCESS_DENIED':
      return 403;
    case 'QUERY_IS_TOO_LARGE':
      return 413;
    case 'NOT_IMPLEMENTED':
      return 501;
    case 'SOCKET_TIMEOUT':
    case 'CANNOT_OPEN_FILE':
    case 'CANNOT_SCHEDULE_TASK':
      return 503;
    case 'TIMEOUT_EXCEEDED':
      return 408;
    case 'UNSUPPORTED_MEDIA_TYPE':
      return 415;
    default:
      return 500;
  }
}

/** Minimal multipart/form-data reader: the client sends `query` and `param_*` this way for long params. */
export function parseMultipart(body: Buffer, contentType: string): Array<[string, string]> {
  const b = /boundary=(?:"([^"]+)"|([^;]+))/i.exec(contentType);
  const boundary = b?.[1] ?? b?.[2];
  if (!boundary) return [];
  const text = body.toString('utf8');
  const out: Array<[string, string]> = [];
  for (const part of text.split(`--${boundary}`)) {
    const headerEnd = part.indexOf('\r\n\r\n');
    if (headerEnd < 0) continue;
    const name = /name="([^"]*)"/i.exec(part.slice(0, headerEnd))?.[1];
    if (name === undefined) continue;
    let value = part.slice(headerEnd + 4);
    if (value.endsWith('\r\n')) value = value.slice(0, -2);
    out.push([name, value]);
  }
  return out;
}
