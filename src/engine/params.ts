// Request params checked at the engine's boundary: whatever writes to the engine's stdin gets
// -32602 Invalid params naming the field, never a TypeError from deep inside a handler (-32603).
import { ErrorCodes, ResponseError, type CancellationToken, type HandlerResult, type MessageConnection, type RequestType } from 'vscode-jsonrpc';
import { requestCancelledCode } from './protocol';

/** Checks a value; returns what is wrong with it (naming `path`), or undefined. `T` is the type it admits. */
export interface Checker<T> {
  (value: unknown, path: string): string | undefined;
  /** Never set: ties the checker to the type it checks, so a request's checker must fit its params type. */
  readonly admits?: T;
}

const describe = (value: unknown) => (value === null ? 'null' : Array.isArray(value) ? 'an array' : typeof value);

function primitive<T>(name: string, test: (value: unknown) => boolean): Checker<T> {
  return (value, path) => (value === undefined ? `${path} is missing` : test(value) ? undefined : `${path} must be ${name}, not ${describe(value)}`);
}

export const string = primitive<string>('a string', (value) => typeof value === 'string');
export const boolean = primitive<boolean>('a boolean', (value) => typeof value === 'boolean');

export function number(min: number, whole = false): Checker<number> {
  const name = `${whole ? 'a whole number' : 'a number'} ≥ ${min}`;
  return primitive(name, (value) => typeof value === 'number' && Number.isFinite(value) && value >= min && (!whole || Number.isInteger(value)));
}

export function optional<T>(check: Checker<T>): Checker<T | undefined> {
  return (value, path) => (value === undefined ? undefined : check(value, path));
}

export function nullable<T>(check: Checker<T>): Checker<T | null> {
  return (value, path) => (value === null ? undefined : check(value, path));
}

/** One of the members of the string union `T`, every one of them listed (so a member added to `T` must be added here). */
export function oneOf<T extends string>(members: { [K in T]: true }): Checker<T> {
  const values = Object.keys(members);
  return primitive(`one of ${values.join(', ')}`, (value) => values.includes(value as string));
}

export function arrayOf<T>(check: Checker<T>): Checker<T[]> {
  return (value, path) => {
    if (!Array.isArray(value)) return value === undefined ? `${path} is missing` : `${path} must be an array, not ${describe(value)}`;
    for (const [index, item] of value.entries()) {
      const problem = check(item, `${path}[${index}]`);
      if (problem) return problem;
    }
    return undefined;
  };
}

/** An object with these fields (every field of `T` listed; extra fields are let through). */
export function object<T>(fields: { [K in keyof T]-?: Checker<T[K]> }): Checker<T> {
  return (value, path) => {
    if (typeof value !== 'object' || value === null || Array.isArray(value)) {
      return value === undefined ? `${path} is missing` : `${path} must be an object, not ${describe(value)}`;
    }
    for (const [key, check] of Object.entries(fields) as [string, Checker<unknown>][]) {
      const problem = check((value as Record<string, unknown>)[key], `${path}.${key}`);
      if (problem) return problem;
    }
    return undefined;
  };
}

/** One of two shapes (a union); the message is the second one's when neither fits. */
export function either<A, B>(first: Checker<A>, second: Checker<B>): Checker<A | B> {
  return (value, path) => (first(value, path) === undefined ? undefined : second(value, path));
}

/** What a handler throws when it notices its request was cancelled: the JSON-RPC RequestCancelled answer. */
export function cancelledRequest(method: string): ResponseError<void> {
  return new ResponseError(requestCancelledCode, `${method} was cancelled`);
}

/** Serves `type` with `handler`, which only ever sees params that `check` accepts. */
export function onCheckedRequest<P, R>(
  connection: MessageConnection,
  type: RequestType<P, R, void>,
  check: Checker<P>,
  handler: (params: P, token: CancellationToken) => HandlerResult<R, void>,
): void {
  // vscode-jsonrpc spreads positional params before the token: anything but one params object is refused.
  connection.onRequest(type.method, (...args: unknown[]) => {
    const token = args.pop() as CancellationToken;
    if (args.length !== 1) throw new ResponseError(ErrorCodes.InvalidParams, `${type.method} takes one params object, not ${args.length} values`);
    const problem = check(args[0], 'params');
    if (problem) throw new ResponseError(ErrorCodes.InvalidParams, `Invalid params for ${type.method}: ${problem}`);
    return handler(args[0] as P, token);
  });
}
