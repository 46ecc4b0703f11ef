// Text for socket errors the way pen prints them (strerror), from Node's error codes.
const STRERROR: Record<string, string> = {
  ECONNREFUSED: 'Connection refused',
  ETIMEDOUT: 'Connection timed out',
  EHOSTUNREACH: 'No route to host',
  ENETUNREACH: 'Network is unreachable',
  ECONNRESET: 'Connection reset by peer',
  ENOENT: 'No such file or directory',
  EACCES: 'Permission denied',
  EPERM: 'Operation not permitted',
  EADDRNOTAVAIL: 'Cannot assign requested address',
  EADDRINUSE: 'Address already in use',
  EAFNOSUPPORT: 'Address family not supported by protocol',
  EINVAL: 'Invalid argument',
  ENOTSOCK: 'Socket operation on non-socket',
  EPIPE: 'Broken pipe',
};

export function strerror(err: NodeJS.ErrnoException): string {
  return (err.code && STRERROR[err.code]) ?? err.message;
}

/** The positive errno (Node reports libuv's negative numbers). */
export function errnoOf(err: NodeJS.ErrnoException): number {
  return typeof err.errno === 'number' ? Math.abs(err.errno) : 0;
}

/**
 * Errors pen's non-blocking connect() returns at once (reported as "connect error <errno>"),
 * as opposed to those that arrive later on the socket ("Connect failed: <strerror>").
 * Node reports both later; the code tells them apart. Unix sockets connect synchronously.
 */
export function isImmediateConnectError(err: NodeJS.ErrnoException, unix: boolean): boolean {
  if (unix) return true;
  switch (err.code) {
    case 'ECONNREFUSED':
    case 'ETIMEDOUT':
    case 'EHOSTUNREACH':
    case 'ECONNRESET':
      return false;
    default:
      return true;
  }
}
