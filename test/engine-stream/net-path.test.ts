// The same relay, failover and TLS tests on the net.Socket / tls.TLSSocket path (the
// fallback where Node's stream handles are not available, or PENPOUND_STREAM_IO=net).
process.env['PENPOUND_STREAM_IO'] = 'net';
await import('./relay.test.js');
await import('./failover.test.js');
await import('./tls.test.js');
