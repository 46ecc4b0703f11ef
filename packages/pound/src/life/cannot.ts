// Statements `pound -c` accepts that no Node.js process can honour. Serving refuses them
// (naming the line) rather than running unconfined or differently from what the file says.
export const CANNOT_RUN: Record<string, string> = {
  RootJail: 'penpound cannot chroot (Node.js has no chroot(2)); remove the line and confine pound another way (systemd RootDirectory=, a container)',
  SocketFrom:
    'penpound cannot receive a listening socket over a UNIX socket (Node.js has no SCM_RIGHTS); use Address and Port instead',
};
