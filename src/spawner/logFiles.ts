// A user server's output goes straight into a file (never a pipe: a dead hub must not kill
// its servers through SIGPIPE). Each start rotates the previous run's log to `<file>.1`, so
// the tail shown on an error page belongs to the run that failed.
import { constants, open as openCb, promises as fsp } from 'node:fs';

/** Rotates `file` to `file.1` and opens a fresh one for appending; returns the fd. */
export async function openFreshLog(file: string): Promise<number> {
  await fsp.rename(file, `${file}.1`).catch((e: NodeJS.ErrnoException) => {
    if (e.code !== 'ENOENT') throw e;
  });
  // A plain fd, not a FileHandle (which would close itself when garbage-collected).
  return new Promise((resolve, reject) =>
    openCb(file, constants.O_WRONLY | constants.O_CREAT | constants.O_APPEND | constants.O_NOFOLLOW, 0o600, (err, fd) =>
      err ? reject(err) : resolve(fd),
    ),
  );
}

export async function appendLine(file: string, line: string): Promise<void> {
  await fsp.appendFile(file, line.endsWith('\n') ? line : `${line}\n`, { mode: 0o600 });
}

const CHUNK = 64 * 1024;
/** Never read more than this from the end, however long the lines are. */
const MAX_READ = 1024 * 1024;

/** The last `n` lines of `file`, read backwards from its end. Missing file: []. */
export async function tailLines(file: string, n: number): Promise<string[]> {
  if (n <= 0) return [];
  let fh: fsp.FileHandle;
  try {
    fh = await fsp.open(file, 'r');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw e;
  }
  try {
    const size = (await fh.stat()).size;
    let pos = size;
    let buf = Buffer.alloc(0);
    let newlines = 0;
    while (pos > 0 && size - pos < MAX_READ && newlines <= n) {
      const len = Math.min(CHUNK, pos);
      pos -= len;
      const chunk = Buffer.alloc(len);
      await fh.read(chunk, 0, len, pos);
      for (const b of chunk) if (b === 0x0a) newlines++;
      buf = Buffer.concat([chunk, buf]);
    }
    const lines = buf.toString('utf8').split('\n');
    if (lines.length > 0 && lines[lines.length - 1] === '') lines.pop();
    // Unless the whole file was read, the first line is probably cut: drop it if we can.
    if (pos > 0 && lines.length > n) lines.shift();
    return lines.slice(-n).map((l) => (l.endsWith('\r') ? l.slice(0, -1) : l));
  } finally {
    await fh.close();
  }
}
