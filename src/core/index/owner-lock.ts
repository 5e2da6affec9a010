// One process owns an index folder at a time, recorded by its pid in `owner.lock`. A lock whose process
// is gone (killed, crashed) is stale and taken over; the new owner also clears the SQLite lock folder that
// node-sqlite3-wasm's VFS left behind (it locks with `mkdir <db>.lock`, which a killed process never
// removes, and which would otherwise stop SQLite from rolling back the crashed transaction's journal).
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { fail, ok, type Result } from '../library/types';

const lockFileName = 'owner.lock';
const pause = new Int32Array(new SharedArrayBuffer(4));

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

export class OwnerLock {
  private constructor(private readonly file: string) {}

  /**
   * Takes the folder for this process, waiting up to `waitMs` for a live owner to let go (a CLI run
   * holds it for a second); fails with the owner's pid after that.
   */
  static acquire(directory: string, sqliteLockFolders: string[], waitMs = 0): Result<OwnerLock, { ownerPid: number }> {
    const deadline = Date.now() + waitMs;
    for (;;) {
      const taken = OwnerLock.tryAcquire(directory, sqliteLockFolders);
      if (taken.ok || Date.now() >= deadline) return taken;
      Atomics.wait(pause, 0, 0, 50); // a synchronous sleep: opening an index is synchronous
    }
  }

  private static tryAcquire(directory: string, sqliteLockFolders: string[]): Result<OwnerLock, { ownerPid: number }> {
    const file = path.join(directory, lockFileName);
    for (let attempt = 0; attempt < 2; attempt++) {
      try {
        writeFileSync(file, String(process.pid), { flag: 'wx' });
        for (const folder of sqliteLockFolders) rmSync(folder, { recursive: true, force: true });
        return ok(new OwnerLock(file));
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      }
      const ownerPid = Number.parseInt(readOwner(file), 10);
      if (Number.isInteger(ownerPid) && ownerPid > 0 && isAlive(ownerPid)) return fail({ ownerPid });
      rmSync(file, { force: true }); // stale: its process is gone (or the file is unreadable)
    }
    return fail({ ownerPid: Number.parseInt(readOwner(file), 10) || 0 });
  }

  release(): void {
    if (readOwner(this.file) === String(process.pid)) rmSync(this.file, { force: true });
  }
}

function readOwner(file: string): string {
  try {
    return readFileSync(file, 'utf8').trim();
  } catch {
    return '';
  }
}
