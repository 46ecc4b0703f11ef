// Host names in Address lines are resolved while the configuration is read (getaddrinfo,
// first stream address), before the model is built: whether a backend name resolves
// decides whether it is an IP backend or a UNIX socket path.
import { lookup } from 'node:dns/promises';
import { isIP } from 'node:net';
import type { HostResult } from '../cfg/build/context.js';
import type { Block, BlockKind } from '../cfg/statements.js';

const GAI_TEXT: Record<string, string> = {
  ENOTFOUND: 'Name or service not known',
  EAI_AGAIN: 'Temporary failure in name resolution',
  EAI_FAIL: 'Non-recoverable failure in name resolution',
  EAI_NODATA: 'No address associated with hostname',
  ENODATA: 'No address associated with hostname',
};

/** Names to resolve, from Address (and legacy HAport address) lines read before `before`. */
export function hostsToResolve(root: Block, before: number, legacyListeners: boolean): string[] {
  const names = new Set<string>();
  const walk = (block: Block) => {
    for (const s of block.body) {
      if (s.span.order >= before) return;
      const kind: BlockKind = block.kind;
      const inBackend = kind === 'backend' || kind === 'emergency' || kind === 'named-backend';
      const inListener = kind === 'listen-http' || kind === 'listen-https';
      if (s.name === 'Address' && (inBackend || (inListener && legacyListeners))) names.add(s.args[0]!.text);
      if (s.name === 'HAport' && s.args.length === 2) names.add(s.args[0]!.text);
      if (s.block) walk(s.block);
    }
  };
  walk(root);
  return [...names].filter((n) => !isIP(n) && n !== '');
}

export async function resolveHosts(names: string[]): Promise<Map<string, HostResult>> {
  const out = new Map<string, HostResult>();
  await Promise.all(
    names.map(async (name) => {
      try {
        const r = await lookup(name);
        out.set(name, { ok: true, address: r.address, family: r.family === 6 ? 6 : 4 });
      } catch (err) {
        const code = (err as NodeJS.ErrnoException).code ?? '';
        out.set(name, { ok: false, reason: GAI_TEXT[code] ?? code });
      }
    }),
  );
  return out;
}
