export { errorCatalogue, type ErrorCategory, type ErrorCode } from './catalogue.ts';
export { KeelError, toKeelError, type KeelErrorOptions, type SerializedError } from './keel-error.ts';
