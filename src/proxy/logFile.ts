// The proxy's own log file (`nbhub proxy --log-file`), for a proxy that runs for months on its
// own (proxy.separateProcess, the chart's proxy pod logs to stdout instead): the file is moved to
// <file>.1 once it is past --log-max-bytes (one old generation is kept, as the hub does at a
// start), checked on a timer, and reopened on SIGHUP so logrotate can move it instead.
//
// Lines written between the move and the reopen land at the end of <file>.1; none are lost.

import { renameSync, statSync } from 'node:fs';
import { pino } from 'pino';

export const DEFAULT_LOG_MAX_BYTES = 20 * 1024 * 1024;
const CHECK_EVERY_MS = 10_000;

type Destination = ReturnType<typeof pino.destination>;

export interface ProxyLogFile {
  destination: Destination;
  /** Moves the file aside if it is past its limit; true when it did. */
  rotateIfLarge(): boolean;
  close(): Promise<void>;
}

function sizeOf(file: string): number {
  try {
    return statSync(file).size;
  } catch {
    return 0;
  }
}

/** `maxBytes` 0: never moved by the proxy itself (SIGHUP still reopens). */
export function openProxyLogFile(file: string, maxBytes: number, checkEveryMs = CHECK_EVERY_MS): ProxyLogFile {
  const rotateIfLarge = (): boolean => {
    if (maxBytes <= 0 || sizeOf(file) <= maxBytes) return false;
    renameSync(file, `${file}.1`);
    return true;
  };
  // a file left large by an earlier run is moved before the first line is written
  rotateIfLarge();
  // synchronous: a line logged right before a crash or process.exit is in the file
  const destination = pino.destination({ dest: file, mkdir: true, sync: true, mode: 0o600 });
  const check = (): void => {
    try {
      if (rotateIfLarge()) destination.reopen();
    } catch (err) {
      process.stderr.write(`nbhub proxy: could not rotate ${file}: ${(err as Error).message}\n`);
    }
  };
  const onHangUp = (): void => destination.reopen();
  const timer = setInterval(check, checkEveryMs);
  timer.unref();
  process.on('SIGHUP', onHangUp);
  return {
    destination,
    rotateIfLarge: () => {
      const moved = rotateIfLarge();
      if (moved) destination.reopen();
      return moved;
    },
    close: () =>
      new Promise<void>((resolve) => {
        clearInterval(timer);
        process.off('SIGHUP', onHangUp);
        destination.once('close', () => resolve());
        destination.end();
      }),
  };
}
