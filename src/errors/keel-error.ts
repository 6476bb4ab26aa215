import { errorCatalogue, type ErrorCategory, type ErrorCode } from './catalogue.ts';

const marker = Symbol.for('keel.error');

export interface KeelErrorOptions {
  code: ErrorCode;
  message: string;
  details?: Record<string, unknown>;
  cause?: unknown;
  /** Overrides the catalogue's default, e.g. a provider error that says it may be retried. */
  retryable?: boolean;
  /** Seconds the caller should wait before retrying (from a `Retry-After` header, say). */
  retryAfterSeconds?: number;
}

/**
 * The single error type Keel throws. `code` comes from the catalogue; `message` is safe to show
 * a caller; `details` carries structured, non-secret context.
 *
 * @example
 * throw new KeelError({ code: 'AGENT_NOT_FOUND', message: `No agent named "${name}"` });
 */
export class KeelError extends Error {
  readonly code: ErrorCode;
  readonly category: ErrorCategory;
  readonly status: number;
  readonly retryable: boolean;
  readonly details: Record<string, unknown> | undefined;
  readonly retryAfterSeconds: number | undefined;
  readonly [marker] = true;

  constructor(options: KeelErrorOptions) {
    super(options.message, options.cause === undefined ? undefined : { cause: options.cause });
    const entry = errorCatalogue[options.code];
    this.name = 'KeelError';
    this.code = options.code;
    this.category = entry.category;
    this.status = entry.status;
    this.retryable = options.retryable ?? entry.retryable;
    this.details = options.details;
    this.retryAfterSeconds = options.retryAfterSeconds;
  }

  /** Brand check that works across duplicated copies of the package. */
  static isInstance(value: unknown): value is KeelError {
    return typeof value === 'object' && value !== null && (value as Record<symbol, unknown>)[marker] === true;
  }

  /** The JSON shape errors take on the wire and in the journal. */
  toJSON(): SerializedError {
    return {
      code: this.code,
      message: this.message,
      ...(this.details === undefined ? {} : { details: this.details }),
    };
  }
}

export interface SerializedError {
  code: ErrorCode;
  message: string;
  details?: Record<string, unknown>;
}

/** Wraps anything thrown into a KeelError without leaking internal messages for system faults. */
export function toKeelError(error: unknown, fallback: ErrorCode = 'INTERNAL'): KeelError {
  if (KeelError.isInstance(error)) return error;
  const message = error instanceof Error ? error.message : String(error);
  return new KeelError({ code: fallback, message, cause: error });
}
