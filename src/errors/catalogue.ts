/**
 * The one catalogue of error codes Keel can produce. Every code is documented in
 * `docs/errors.md`; `catalogue.test.ts` keeps the two in sync.
 *
 * `status` is the HTTP status the server answers with; `category` says whose fault it is
 * (`user`: the caller's input or configuration, `system`: Keel or its store, `third-party`:
 * a model provider or a tool's upstream). `retryable` is data, not a guess at the call site.
 */
export const errorCatalogue = {
  // configuration and definitions
  CONFIG_NOT_FOUND: { status: 400, category: 'user', retryable: false },
  CONFIG_INVALID: { status: 400, category: 'user', retryable: false },
  AGENT_NOT_FOUND: { status: 404, category: 'user', retryable: false },
  AGENT_INVALID: { status: 400, category: 'user', retryable: false },
  TOOL_INVALID: { status: 400, category: 'user', retryable: false },
  MODEL_STRING_INVALID: { status: 400, category: 'user', retryable: false },
  MODEL_KEY_MISSING: { status: 400, category: 'user', retryable: false },
  // never answered over HTTP: importing Keel on this Node.js fails before any server starts
  NODE_VERSION_UNSUPPORTED: { status: 500, category: 'user', retryable: false },

  // input validation
  INPUT_INVALID: { status: 400, category: 'user', retryable: false },
  RUN_NOT_FOUND: { status: 404, category: 'user', retryable: false },
  SESSION_BUSY: { status: 409, category: 'user', retryable: true },
  RUN_NOT_CANCELLABLE: { status: 409, category: 'user', retryable: false },
  RUN_NOT_WAITING: { status: 409, category: 'user', retryable: false },
  IDEMPOTENCY_CONFLICT: { status: 409, category: 'user', retryable: false },
  RUN_WAITING: { status: 409, category: 'user', retryable: false },

  // HTTP API: authentication, authorisation and request shape
  UNAUTHENTICATED: { status: 401, category: 'user', retryable: false },
  FORBIDDEN: { status: 403, category: 'user', retryable: false },
  ROUTE_NOT_FOUND: { status: 404, category: 'user', retryable: false },
  SESSION_NOT_FOUND: { status: 404, category: 'user', retryable: false },
  API_KEY_NOT_FOUND: { status: 404, category: 'user', retryable: false },
  BUDGET_NOT_FOUND: { status: 404, category: 'user', retryable: false },
  BODY_TOO_LARGE: { status: 413, category: 'user', retryable: false },
  UNSUPPORTED_MEDIA_TYPE: { status: 415, category: 'user', retryable: false },
  METHOD_NOT_ALLOWED: { status: 405, category: 'user', retryable: false },
  REQUEST_MALFORMED: { status: 400, category: 'user', retryable: false },
  HEADERS_TOO_LARGE: { status: 431, category: 'user', retryable: false },
  REQUEST_TIMEOUT: { status: 408, category: 'user', retryable: true },

  // protection: rate limits and load shedding
  RATE_LIMITED: { status: 429, category: 'user', retryable: true },
  OVERLOADED: { status: 503, category: 'system', retryable: true },

  // run outcomes (recorded on failed runs)
  RUN_TIMEOUT: { status: 408, category: 'user', retryable: false },
  RUN_CANCELLED: { status: 409, category: 'user', retryable: false },
  MAX_STEPS_EXCEEDED: { status: 422, category: 'user', retryable: false },
  MAX_TOOL_CALLS_EXCEEDED: { status: 422, category: 'user', retryable: false },
  OUTPUT_INVALID: { status: 422, category: 'third-party', retryable: false },
  TOOL_NOT_FOUND: { status: 422, category: 'third-party', retryable: false },
  TOOL_INPUT_INVALID: { status: 422, category: 'third-party', retryable: false },
  TOOL_OUTPUT_INVALID: { status: 500, category: 'user', retryable: false },
  TOOL_FAILED: { status: 500, category: 'third-party', retryable: false },
  TOOL_TIMEOUT: { status: 504, category: 'third-party', retryable: true },
  RECONCILE_FAILED: { status: 500, category: 'user', retryable: false },

  // guardrails and human oversight
  GUARDRAIL_BLOCKED: { status: 422, category: 'user', retryable: false },
  GUARDRAIL_FAILED: { status: 500, category: 'user', retryable: false },
  APPROVAL_REJECTED: { status: 422, category: 'user', retryable: false },
  APPROVAL_NOT_FOUND: { status: 404, category: 'user', retryable: false },
  APPROVAL_ALREADY_DECIDED: { status: 409, category: 'user', retryable: false },
  ESCALATION_NOT_FOUND: { status: 404, category: 'user', retryable: false },
  ESCALATION_CLOSED: { status: 409, category: 'user', retryable: false },

  // model providers
  MODEL_RATE_LIMITED: { status: 429, category: 'third-party', retryable: true },
  MODEL_UNAVAILABLE: { status: 503, category: 'third-party', retryable: true },
  MODEL_TIMEOUT: { status: 504, category: 'third-party', retryable: true },
  MODEL_RESPONSE_INVALID: { status: 502, category: 'third-party', retryable: true },
  MODEL_REQUEST_REJECTED: { status: 400, category: 'third-party', retryable: false },
  MODEL_AUTH_FAILED: { status: 401, category: 'third-party', retryable: false },
  MODEL_CONTEXT_TOO_LONG: { status: 400, category: 'user', retryable: false },
  MODEL_CONTENT_FILTERED: { status: 422, category: 'third-party', retryable: false },
  MODEL_CIRCUIT_OPEN: { status: 503, category: 'third-party', retryable: true },
  MODEL_UNPRICED: { status: 422, category: 'user', retryable: false },
  SCRIPTED_MODEL_MISMATCH: { status: 500, category: 'user', retryable: false },

  // vault, OAuth and audit log
  MASTER_KEY_MISSING: { status: 500, category: 'user', retryable: false },
  MASTER_KEY_INVALID: { status: 500, category: 'user', retryable: false },
  VAULT_DECRYPT_FAILED: { status: 500, category: 'system', retryable: false },
  OAUTH_PROVIDER_INVALID: { status: 400, category: 'user', retryable: false },
  OAUTH_CALLBACK_INVALID: { status: 400, category: 'user', retryable: false },
  OAUTH_INVALID_GRANT: { status: 401, category: 'third-party', retryable: false },
  OAUTH_FAILED: { status: 502, category: 'third-party', retryable: true },
  OAUTH_PROVIDER_NOT_FOUND: { status: 404, category: 'user', retryable: false },
  VAULT_NOT_CONFIGURED: { status: 503, category: 'user', retryable: false },
  CREDENTIAL_MISSING: { status: 409, category: 'user', retryable: false },
  CREDENTIAL_NOT_FOUND: { status: 404, category: 'user', retryable: false },
  CREDENTIAL_NOT_DECLARED: { status: 500, category: 'user', retryable: false },
  AUDIT_CHAIN_BROKEN: { status: 500, category: 'system', retryable: false },

  // store and scheduling
  LEASE_LOST: { status: 409, category: 'system', retryable: false },
  STORE_UNAVAILABLE: { status: 503, category: 'system', retryable: true },
  STORE_MIGRATION_FAILED: { status: 500, category: 'system', retryable: false },
  JOURNAL_CORRUPT: { status: 500, category: 'system', retryable: false },
  SHUTTING_DOWN: { status: 503, category: 'system', retryable: true },
  INTERNAL: { status: 500, category: 'system', retryable: false },
} as const satisfies Record<string, { status: number; category: ErrorCategory; retryable: boolean }>;

export type ErrorCategory = 'user' | 'system' | 'third-party';
export type ErrorCode = keyof typeof errorCatalogue;
