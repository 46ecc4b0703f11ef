// Preloaded with --import when profiling: SIGUSR2 ends the process through process.exit()
// so node writes the --cpu-prof file (a plain kill would lose it).
process.on('SIGUSR2', () => process.exit(0));
