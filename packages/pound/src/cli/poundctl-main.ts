// poundctl: the control-socket client comes with the control socket itself (a later
// issue). Until then, say so plainly instead of failing with a missing-module trace.
process.stderr.write('poundctl: not implemented yet in penpound (the control socket comes later)\n');
process.exitCode = 1;
