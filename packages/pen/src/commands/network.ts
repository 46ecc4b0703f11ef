// TLS, source address and DSR settings: stored for start-up (TLS contexts and DSR are built
// once; see run.ts), `source` applies to new upstream connections at once.
import { atoi } from '../atoi.js';
import { resolveHost } from '../resolve.js';
import { penListener } from '../state.js';
import type { CommandHandler } from './context.js';

const SSL_OPTIONS = new Set(['no_sslv2', 'no_sslv3', 'no_tlsv1', 'no_tlsv1.1', 'no_tlsv1.2', 'cipher_server_preference']);

export const networkCommands: Record<string, CommandHandler> = {
  source: async (args, { state, reply }) => {
    // Without an address pen 0.34.1 crashes; we do nothing.
    if (args[0] === undefined) return;
    const resolved = await resolveHost(args[0]);
    if (!resolved) {
      reply(`unable to set source address to '${args[0]}'`);
      return;
    }
    penListener(state).tcp!.sourceAddress = resolved.address;
  },
  dsr_if: (args, { state }) => {
    if (args[0] !== undefined) state.settings.dsrInterface = args[0];
  },
  dsr_ip: (args, { state }) => {
    if (args[0] !== undefined) state.settings.dsrAddress = args[0];
  },
  ssl_ciphers: (args, { state }) => {
    if (args[0] === undefined) delete state.settings.tls.ciphers;
    else state.settings.tls.ciphers = args[0];
  },
  ssl_option: (args, { state }) => {
    const option = args[0];
    if (option !== undefined && SSL_OPTIONS.has(option) && !state.settings.tls.options.includes(option)) {
      state.settings.tls.options.push(option);
    }
  },
  ssl_sni_path: (args, { state }) => {
    if (args[0] !== undefined) state.settings.tls.sniPath = args[0];
  },
  // Both crash pen 0.34.1 without an argument; we ignore that form.
  ssl_ocsp_response: (args, { state }) => {
    if (args[0] !== undefined) state.settings.tls.ocspFile = args[0];
  },
  ssl_client_renegotiation_interval: (args, { state }) => {
    if (args[0] !== undefined) state.settings.tls.renegotiationIntervalSeconds = atoi(args[0]);
  },
};
