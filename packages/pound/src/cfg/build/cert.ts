// Reporting certificate-file problems the way each pound version words them.
import { checkCertFile, type CertCheck } from '../../tls/pem-check.js';
import type { Stmt } from '../statements.js';
import type { BuildContext } from './context.js';

const STEP_CALL = {
  chain: 'SSL_CTX_use_certificate_chain_file',
  key: 'SSL_CTX_use_PrivateKey_file',
  check: 'SSL_CTX_check_private_key',
} as const;

/** Check the file of a `Cert` statement; report and return false on failure. */
export function checkCert(ctx: BuildContext, s: Stmt, requireCn: boolean): CertCheck {
  const arg = s.args[0]!;
  const file = ctx.path(arg.text);
  const r = checkCertFile(file, { modern: !ctx.legacy, requireCn });
  if (r.ok) return r;
  const where = ctx.legacy ? s.span : arg.span;
  if (r.step === 'stat') {
    ctx.error('cert-stat', where, { m: `${file}: stat error: ${r.error.plain}`, modern: `Cert "${file}": ${r.error.plain}` });
  } else if (r.step === 'cn') {
    ctx.error('cert-cn', where, {
      l3: 'ListenHTTPS: could not get certificate CN',
      m: `${file}: no CN in certificate subject name`,
      modern: `Cert "${file}": the certificate subject has no CN (pound 2.6+ needs one for SNI)`,
    });
  } else {
    const call = STEP_CALL[r.step];
    ctx.error(`cert-${r.step}`, where, {
      l2: `${call} "${r.file}" failed - aborted`,
      l3: `${call} failed - aborted`,
      m: `${r.file}: ${call}: ${r.error.v3}`,
      modern: `Cert "${r.file}": ${r.error.plain} (${call} failed)`,
      extraL2: [r.error.v1],
    });
  }
  return r;
}
