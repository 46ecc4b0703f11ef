// pound's own error pages, byte for byte (spec §5.4), for exact expectations.

export function legacyPage(status: string, body: string): string {
  return `HTTP/1.0 ${status}\r\nContent-Type: text/html\r\nContent-Length: ${Buffer.byteLength(body)}\r\n` +
    `Expires: now\r\nPragma: no-cache\r\nCache-control: no-cache,no-store\r\n\r\n${body}`;
}

const MODERN: Record<number, [string, string]> = {
  400: ['Bad Request', 'Your browser (or proxy) sent a request that this server could not understand.'],
  413: ['Payload Too Large', 'The request is larger than the server is willing or able to process.'],
  414: ['URI Too Long', 'The URI provided was too long for the server to process.'],
  500: ['Internal Server Error', 'The server encountered an internal error and was unable to complete your request.'],
  501: ['Not Implemented', 'The server does not support the action requested.'],
  503: ['Service Unavailable', 'The server is temporarily unable to service your request due to maintenance downtime or capacity problems. Please try again later.'],
};

/** pound 4's page in the request's HTTP version (1.0 for a request line it could not read). */
export function modernPage(code: number, minor: 0 | 1 = 1): string {
  const [reason, text] = MODERN[code]!;
  const body = `<!DOCTYPE HTML PUBLIC "-//IETF//DTD HTML 2.0//EN"><html><head><title>${code} ${reason}</title></head>` +
    `<body><h1>${reason}</h1><p>${text}</p></body></html>`;
  const len = minor === 1 ? `Content-Length: ${body.length}\r\nConnection: close\r\n` : '';
  return `HTTP/1.${minor} ${code} ${reason}\r\n${len}Content-Type: text/html\r\nExpires: now\r\nPragma: no-cache\r\n` +
    `Cache-control: no-cache,no-store\r\n\r\n${body}`;
}

export const L400 = {
  te: legacyPage('Bad Request', 'Bad request: multiple Transfer-encoding values'),
  multiple: legacyPage('Bad Request', 'Bad request: multiple Content-length values'),
  badLength: legacyPage('Bad Request', 'Bad request: Content-length bad value'),
  both: legacyPage('Bad Request', 'Bad request: Transfer-encoding and Content-length headers present'),
  folded: legacyPage('Bad Request', 'Bad request: folded header line'),
};
export const L414 = legacyPage('414 Request URI too long', 'Request URI is too long');
export const L500 = legacyPage('500 Internal Server Error', 'An internal server error occurred. Please try again later.');
export const L501 = legacyPage('501 Not Implemented', 'This method may not be used.');
export const L503 = legacyPage('503 Service Unavailable', 'The service is not available. Please try again later.');
