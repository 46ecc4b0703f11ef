// From the command line to what is checked and served: the checker's options, and the
// settings the command line overrides in the file (-F, -e, -p). Shared by the first start
// and by a reload (-W reload-on), which must read the file exactly as the start did.
import type { ProxyConfig } from '@penpound/engine';
import type { CheckOptions } from '../check/check.js';
import { DEFAULT_PID_FILE, type PoundOptions } from './options.js';

export function checkOptionsOf(o: PoundOptions): CheckOptions {
  return {
    file: o.configFile,
    dialect: o.dialect,
    dns: o.dns,
    includeDir: o.dialect === 'pound-4' ? o.includeDir : undefined,
    warnDeprecated: o.warnDeprecated,
    collectAll: o.modernDiagnostics,
  };
}

/** Command-line settings that override the file (-F, -e, -p). */
export function finalConfig(config: ProxyConfig, o: PoundOptions): ProxyConfig {
  if (o.foreground) config.process.foreground = true;
  if (o.logToTerminal) config.logging.diagnostics.target = 'stderr';
  config.process.pidFile = o.pidFile ?? config.process.pidFile ?? DEFAULT_PID_FILE;
  return config;
}

/** 4.x ignores `LogFacility -` once detached: the log goes to syslog (facility daemon). */
export function detachedLogging(config: ProxyConfig): ProxyConfig {
  const d = config.logging.diagnostics;
  if (config.dialect === 'pound-4' && !config.process.foreground && d.target === 'stderr') {
    config.logging.diagnostics = { target: 'syslog', facility: 'daemon', debugLevel: d.debugLevel };
  }
  return config;
}
