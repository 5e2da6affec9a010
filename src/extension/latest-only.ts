// Runs only the latest of a stream of jobs, after a quiet period: scheduling a job cancels the one
// waiting and the one running (its token fires, so its engine requests are cancelled too).
// vscode-free (the cancellation tokens are vscode-jsonrpc's, which engine requests take as they are).
import { CancellationTokenSource, type CancellationToken } from 'vscode-jsonrpc';

export type Job = (token: CancellationToken) => Promise<void>;

export class LatestOnly {
  private current: CancellationTokenSource | undefined;

  /** Runs `job` after `delayMs` unless another job is scheduled first; resolves when it ends or is dropped. */
  schedule(job: Job, delayMs: number): Promise<void> {
    this.cancel();
    const source = new CancellationTokenSource();
    this.current = source;
    return new Promise<void>((resolve) => {
      let waiting: ReturnType<typeof setTimeout> | undefined;
      const run = () => {
        waiting = undefined;
        job(source.token)
          .catch(() => undefined) // a job reports its own failures; a cancelled one needs no report
          .finally(() => {
            if (this.current === source) this.current = undefined;
            source.dispose();
            resolve();
          });
      };
      source.token.onCancellationRequested(() => {
        if (waiting === undefined) return; // already running: the job sees its token
        clearTimeout(waiting);
        waiting = undefined;
        source.dispose();
        resolve();
      });
      waiting = setTimeout(run, delayMs);
    });
  }

  /** Drops the waiting job and cancels the running one. */
  cancel(): void {
    const source = this.current;
    this.current = undefined;
    source?.cancel();
  }

  dispose(): void {
    this.cancel();
  }
}
