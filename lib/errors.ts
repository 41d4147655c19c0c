/**
 * The project's error base, after viem's BaseError: a short message for humans, extra lines of context
 * (`metaMessages`) and the underlying `cause`. Every failure an operator can see goes through one of these,
 * so the CLI can print "what and why" and exit non-zero without a stack dump.
 */
export interface ProverErrorOptions {
  readonly metaMessages?: readonly string[];
  readonly cause?: unknown;
  /** True when trying again may succeed (network, throttling, spot reclaim); false for deterministic failures. */
  readonly retryable?: boolean;
}

export class ProverError extends Error {
  override name = 'ProverError';
  readonly shortMessage: string;
  readonly metaMessages: readonly string[];
  readonly retryable: boolean;

  constructor(shortMessage: string, options: ProverErrorOptions = {}) {
    const meta = options.metaMessages ?? [];
    super([shortMessage, ...meta.map((m) => `  ${m}`)].join('\n'), { cause: options.cause });
    this.shortMessage = shortMessage;
    this.metaMessages = meta;
    this.retryable = options.retryable ?? false;
  }
}

/** Bad input from a user or a payload: never retried. */
export class InputError extends ProverError {
  override name = 'InputError';
}

/** Renders any thrown value as one operator-facing message (with the cause chain, without stacks). */
export function describeError(err: unknown): string {
  const lines: string[] = [];
  let current: unknown = err;
  for (let depth = 0; current !== undefined && depth < 5; depth++) {
    if (current instanceof Error) {
      lines.push(depth === 0 ? current.message : `caused by: ${current.message}`);
      current = current.cause;
    } else {
      lines.push(String(current));
      break;
    }
  }
  return lines.join('\n');
}
