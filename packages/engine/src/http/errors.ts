// The error pages pound itself sends (spec §5.4), byte for byte per dialect.
import type { Dialect } from '../model/types.js';

const LEGACY_STATUS: Record<number, string> = {
  400: 'Bad Request', // 2.8a really omits the number
  414: '414 Request URI too long',
  500: '500 Internal Server Error',
  501: '501 Not Implemented',
  503: '503 Service Unavailable',
};

const LEGACY_BODY: Record<number, string> = {
  414: 'Request URI is too long',
  500: 'An internal server error occurred. Please try again later.',
  501: 'This method may not be used.',
  503: 'The service is not available. Please try again later.',
};

/** The four fixed 400 texts of pound 2.x (its Err files never apply to them). */
export const LEGACY_400 = {
  transferEncoding: 'Bad request: multiple Transfer-encoding values',
  multipleLength: 'Bad request: multiple Content-length values',
  badLength: 'Bad request: Content-length bad value',
  both: 'Bad request: Transfer-encoding and Content-length headers present',
  // Ours: pound passed folded lines through; we refuse them (COMPAT.md).
  folded: 'Bad request: folded header line',
} as const;

export const REASONS: Record<number, string> = {
  400: 'Bad Request',
  401: 'Unauthorized',
  403: 'Forbidden',
  404: 'Not Found',
  405: 'Method Not Allowed',
  413: 'Payload Too Large',
  414: 'URI Too Long',
  429: 'Too Many Requests',
  500: 'Internal Server Error',
  501: 'Not Implemented',
  503: 'Service Unavailable',
};

const MODERN_TEXT: Record<number, string> = {
  400: 'Your browser (or proxy) sent a request that this server could not understand.',
  401: 'This server could not verify that you are authorized to access the document requested.',
  403: "You don't have permission to access this resource.",
  404: 'The requested URL was not found on this server.',
  405: 'The request method is not supported for the requested resource.',
  413: 'The request is larger than the server is willing or able to process.',
  414: 'The URI provided was too long for the server to process.',
  429: 'Too many requests.',
  500: 'The server encountered an internal error and was unable to complete your request.',
  501: 'The server does not support the action requested.',
  503: 'The server is temporarily unable to service your request due to maintenance downtime or capacity problems. Please try again later.',
};

const CACHE_HEADERS = 'Expires: now\r\nPragma: no-cache\r\nCache-control: no-cache,no-store\r\n';

/** pound 2.x: HTTP/1.0, five fixed headers, the Err file (or built-in text) as body. */
export function legacyError(status: number, body: Buffer | string | undefined): Buffer {
  const b =
    body === undefined ? Buffer.from(LEGACY_BODY[status] ?? '', 'latin1') : typeof body === 'string' ? Buffer.from(body, 'latin1') : body;
  const head =
    `HTTP/1.0 ${LEGACY_STATUS[status] ?? `${status} ${REASONS[status] ?? 'Error'}`}\r\n` +
    `Content-Type: text/html\r\nContent-Length: ${b.length}\r\n${CACHE_HEADERS}\r\n`;
  return Buffer.concat([Buffer.from(head, 'latin1'), b]);
}

/** Split a pound 4 ErrorFile that starts with header lines from its body. */
function splitErrorFile(file: Buffer): { headers: string; body: Buffer } {
  const text = file.toString('latin1');
  if (/^[A-Za-z0-9-]+:[^\n]*\r?\n/.test(text)) {
    const m = /\r?\n\r?\n/.exec(text);
    if (m) {
      const headers = text
        .slice(0, m.index)
        .split(/\r?\n/)
        .map((l) => l + '\r\n')
        .join('');
      return { headers, body: file.subarray(Buffer.byteLength(text.slice(0, m.index + m[0].length), 'latin1')) };
    }
  }
  return { headers: '', body: file };
}

/** pound 4: status line in the client's version, HTML page or ErrorFile. */
export function modernError(status: number, minor: 0 | 1, file: Buffer | undefined): Buffer {
  const reason = REASONS[status] ?? 'Error';
  let headers = '';
  let body: Buffer;
  if (file) {
    const split = splitErrorFile(file);
    headers = split.headers;
    body = split.body;
  } else {
    body = Buffer.from(
      `<!DOCTYPE HTML PUBLIC "-//IETF//DTD HTML 2.0//EN"><html><head><title>${status} ${reason}</title></head>` +
        `<body><h1>${reason}</h1><p>${MODERN_TEXT[status] ?? reason}</p></body></html>`,
      'latin1',
    );
  }
  let head = `HTTP/1.${minor} ${status} ${reason}\r\n`;
  if (minor === 1) head += `Content-Length: ${body.length}\r\nConnection: close\r\n`;
  head += headers;
  if (!/^content-type:/im.test(headers)) head += 'Content-Type: text/html\r\n';
  head += CACHE_HEADERS + '\r\n';
  return Buffer.concat([Buffer.from(head, 'latin1'), body]);
}

/** Error responses of one listener, built once per (status, version, text). */
export class ErrorPages {
  private readonly cache = new Map<string, Buffer>();
  constructor(
    private readonly dialect: Dialect,
    private readonly files: Map<number, Buffer>,
  ) {}

  get(status: number, minor: 0 | 1, legacyText?: string): Buffer {
    const key = `${status}/${minor}/${legacyText ?? ''}`;
    let r = this.cache.get(key);
    if (r === undefined) {
      if (this.dialect === 'pound-4') r = modernError(status, minor, this.files.get(status));
      else r = legacyError(status, legacyText ?? (status === 400 ? undefined : this.files.get(status)));
      this.cache.set(key, r);
    }
    return r;
  }
}
