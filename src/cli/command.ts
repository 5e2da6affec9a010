// The shape every `formula-lens` subcommand has. Each lives in src/cli/commands/<name>.ts
// and is listed once in src/cli/commands/index.ts.

export interface CliCommand {
  name: string;
  /** One line for `formula-lens --help`. */
  summary: string;
  /** Full help: usage line and options, printed by `formula-lens <name> --help`. */
  help: string;
  /** Runs the command; resolves to the process exit code. */
  run(args: string[]): Promise<number>;
}

/** Exit codes shared by all commands. */
export const ExitCode = {
  ok: 0,
  failure: 1,
  usage: 2,
} as const;

/** A usage error: main prints its message and the command's help, and exits with code 2. */
export class UsageError extends Error {}
