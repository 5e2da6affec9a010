// One process writes an index folder at a time, recorded by its pid in `writer.lock`; readers take no lock.
// A lock whose process is gone (killed, crashed) is stale and taken over.
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { fail, ok, type Result } from '../result';

const lockFileName = 'writer.lock';
const pause = new Int32Array(new SharedArrayBuffer(4));

export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

export class WriterLock {
  private constructor(private readonly file: string) {}

  /**
   * Takes the folder's writer lock for this process, waiting up to `waitMs` for a live writer to let go
   * (`onWait` hears its pid once, when the wait starts); fails with the writer's pid after that.
   */
  static acquire(directory: string, waitMs = 0, onWait?: (writerPid: number) => void): Result<WriterLock, { writerPid: number }> {
    const deadline = Date.now() + waitMs;
    for (let waiting = false; ; waiting = true) {
      const taken = WriterLock.tryAcquire(directory);
      if (taken.ok || Date.now() >= deadline) return taken;
      if (!waiting) onWait?.(taken.reason.writerPid);
      Atomics.wait(pause, 0, 0, 50); // a synchronous sleep: opening an index is synchronous
    }
  }

  private static tryAcquire(directory: string): Result<WriterLock, { writerPid: number }> {
    const file = path.join(directory, lockFileName);
    for (let attempt = 0; attempt < 2; attempt++) {
      try {
        writeFileSync(file, String(process.pid), { flag: 'wx' });
        return ok(new WriterLock(file));
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      }
      const writerPid = Number.parseInt(readWriter(file), 10);
      if (Number.isInteger(writerPid) && writerPid > 0 && isAlive(writerPid)) return fail({ writerPid });
      rmSync(file, { force: true }); // stale: its process is gone (or the file is unreadable)
    }
    return fail({ writerPid: Number.parseInt(readWriter(file), 10) || 0 });
  }

  release(): void {
    if (readWriter(this.file) === String(process.pid)) rmSync(this.file, { force: true });
  }
}

function readWriter(file: string): string {
  try {
    return readFileSync(file, 'utf8').trim();
  } catch {
    return '';
  }
}
