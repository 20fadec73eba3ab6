// What every demo process does at start and stop: print the ready line its launcher waits for,
// stop on SIGTERM/SIGINT, and, when started by a launcher (--exit-with-stdin), stop when the
// launcher goes away. A launcher killed with SIGKILL cannot kill its children, but the pipe it
// held as their stdin closes, and that is what they watch.
export const READY_PATTERN = /listening on (https?:\/\/\S+)/;

export function readyLine(name: string, url: string): string {
  return `${name} listening on ${url}`;
}

export function stopOnSignals(close: () => Promise<unknown>, options: { exitWithStdin: boolean }): void {
  let stopping = false;
  const stop = () => {
    if (stopping) return;
    stopping = true;
    const timer = setTimeout(() => process.exit(0), 3000);
    timer.unref();
    close().finally(() => process.exit(0));
  };
  process.once('SIGTERM', stop);
  process.once('SIGINT', stop);
  if (options.exitWithStdin) {
    process.stdin.on('end', stop);
    process.stdin.on('close', stop);
    process.stdin.on('error', stop);
    process.stdin.resume();
  }
}
