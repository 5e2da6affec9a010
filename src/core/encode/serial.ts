// Runs an ONNX session's inference calls one at a time: each call already uses the session's
// intra-op threads, and a session is released only once the calls queued before it are done.

export class SerialRunner {
  private tail: Promise<unknown> = Promise.resolve();

  /** Runs `task` after every task queued before it; a failed task does not block the ones after. */
  run<T>(task: () => Promise<T>): Promise<T> {
    const result = this.tail.then(task);
    this.tail = result.catch(() => undefined);
    return result;
  }

  /** Resolves once every queued task has settled. */
  async idle(): Promise<void> {
    await this.tail;
  }
}
