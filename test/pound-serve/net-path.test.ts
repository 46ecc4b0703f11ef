// The HTTP path on net.Socket / tls.TLSSocket (what TLS backends use, and the fallback
// where Node's stream handles are not available): the same serving tests as on the
// bare-handle path that plain HTTP and HTTPS listeners use by default.
process.env['PENPOUND_STREAM_IO'] = 'net';
await import('./basic.test.js');
await import('./bodies.test.js');
await import('./connection-close.test.js');
await import('./request-checks.test.js');
await import('./https.test.js');
