// The typed result every stage returns across module boundaries, and the one way to word a thrown value.

/** Bad input is normal, so failure is a value. */
export type Result<T, R = string> = { ok: true; value: T } | { ok: false; reason: R };

export const ok = <T>(value: T): { ok: true; value: T } => ({ ok: true, value });
export const fail = <R>(reason: R): { ok: false; reason: R } => ({ ok: false, reason });

/** A caught value's message: anything can be thrown, not only Errors. */
export function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
