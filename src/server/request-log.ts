import type { Bindings, Level } from 'pino';
import type { Logger } from '../telemetry/logger.ts';

type WrittenLevel = Extract<Level, 'error' | 'warn' | 'info' | 'debug'>;

/**
 * One request's log lines, carrying its `requestId` (and, once authenticated, `tenantId` and
 * `keyId`). The pino child behind it is made on the first line written at an enabled level:
 * most requests write none, and each child costs a few microseconds (two per authenticated
 * request, before this). Route handlers get one as `c.get('log')` (ADR 0028).
 *
 * @example
 * const log = new RequestLog(logger, { requestId });
 * log.bind({ tenantId, keyId });
 * log.info({ runId }, 'run created');
 */
export class RequestLog {
  readonly #base: Logger;
  #bindings: Bindings;
  #child: Logger | undefined;

  constructor(base: Logger, bindings: Bindings) {
    this.#base = base;
    this.#bindings = bindings;
  }

  /**
   * Adds fields to every later line (and to none already written). Bind a field once: bound
   * again after a line was written, it appears twice in later lines, as with pino's `child`.
   */
  bind(bindings: Bindings): void {
    if (this.#child !== undefined) this.#child = this.#child.child(bindings);
    else this.#bindings = { ...this.#bindings, ...bindings };
  }

  error(message: string): void;
  error(fields: object, message?: string): void;
  error(fields: object | string, message?: string): void {
    this.#write('error', fields, message);
  }

  warn(message: string): void;
  warn(fields: object, message?: string): void;
  warn(fields: object | string, message?: string): void {
    this.#write('warn', fields, message);
  }

  info(message: string): void;
  info(fields: object, message?: string): void;
  info(fields: object | string, message?: string): void {
    this.#write('info', fields, message);
  }

  debug(message: string): void;
  debug(fields: object, message?: string): void;
  debug(fields: object | string, message?: string): void {
    this.#write('debug', fields, message);
  }

  #write(level: WrittenLevel, fields: object | string, message: string | undefined): void {
    if (!this.#base.isLevelEnabled(level)) return;
    this.#child ??= this.#base.child(this.#bindings);
    if (typeof fields === 'string') this.#child[level](fields);
    else this.#child[level](fields, message);
  }
}
