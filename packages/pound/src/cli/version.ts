// -V: what each pound version prints, naming us as the implementation.
import type { ConfigDialect } from '../cfg/problems.js';
import { DEFAULT_CONFIG, DEFAULT_INCLUDE_DIR, DEFAULT_PID_FILE } from './options.js';

export const PENPOUND_VERSION = '0.1.0';

export function versionText(dialect: ConfigDialect): string {
  if (dialect !== 'pound-4') {
    const v = dialect === 'pound-2.4' ? '2.4.5' : '2.8a';
    return `Version ${v} (penpound ${PENPOUND_VERSION})\n  Configuration switches:\nExiting...\n`;
  }
  return [
    `pound (penpound ${PENPOUND_VERSION}) 4.23`,
    'License GPLv3+: GNU GPL version 3 or later <http://gnu.org/licenses/gpl.html>',
    'This is free software: you are free to change and redistribute it.',
    'There is NO WARRANTY, to the extent permitted by law.',
    '',
    'Built-in defaults:',
    '',
    `Configuration file:  ${DEFAULT_CONFIG}`,
    `Include directory:   ${DEFAULT_INCLUDE_DIR}`,
    `PID file:            ${DEFAULT_PID_FILE}`,
    '',
  ].join('\n');
}
