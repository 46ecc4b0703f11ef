// The same relay and failover tests on the net.Socket path (what TLS listeners use, and
// the fallback where Node's stream handles are not available).
process.env['PENPOUND_STREAM_IO'] = 'net';
await import('./relay.test.js');
await import('./failover.test.js');
