// Redirect pseudo-backends (spec §5.11): the Location to send and the exact response bytes.
import type { Dialect } from '../model/types.js';

const REDIRECT_REASON: Record<number, string> = {
  301: 'Moved Permanently',
  302: 'Found',
  303: 'See Other',
  307: 'Temporary Redirect',
  308: 'Permanent Redirect',
};

/** Bytes pound 2.7b+ leaves alone in a Location; everything else becomes %xx. */
const SAFE = new Uint8Array(256);
for (const c of 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_.:/?&;-=') SAFE[c.charCodeAt(0)] = 1;

export function escapeLocation(url: string): string {
  let out = '';
  for (let i = 0; i < url.length; i++) {
    const c = url.charCodeAt(i) & 0xff;
    out += SAFE[c] ? url[i] : '%' + c.toString(16).padStart(2, '0');
  }
  return out;
}

/**
 * The redirect target before escaping. `target` is the request target as the dialect
 * matches URLs (decoded for 2.6a+, raw otherwise).
 */
export function redirectTarget(dialect: Dialect, url: string, target: string): string {
  const m = /^(https?):\/\/([^/]+)(.*)$/is.exec(url);
  const path = m ? m[3]! : '';
  if (path === '') return url + target;
  if (path === '/') return dialect === 'pound-2.4' ? url.slice(0, -1) + target : url.slice(0, -1);
  return url;
}

/** The whole response. Legacy: always HTTP/1.0 and escaped; 4.x: client's version, raw. */
export function redirectResponse(dialect: Dialect, code: number, location: string, minor: 0 | 1): Buffer {
  const loc = dialect === 'pound-2.8' ? escapeLocation(location) : location;
  const body =
    `<html><head><title>Redirect</title></head><body><h1>Redirect</h1>` +
    `<p>You should go to <a href="${loc}">${loc}</a></p></body></html>`;
  const reason = REDIRECT_REASON[code] ?? 'Found';
  const legacy = dialect !== 'pound-4';
  let head = `HTTP/1.${legacy ? 0 : minor} ${code} ${reason}\r\nLocation: ${loc}\r\nContent-Type: text/html\r\n` +
    `Content-Length: ${Buffer.byteLength(body, 'latin1')}\r\n`;
  if (!legacy && minor === 1) head += 'Connection: close\r\n';
  return Buffer.from(head + '\r\n' + body, 'latin1');
}
