/**
 * The public API of `keel`. Every export is listed by name on purpose: what is not here is
 * internal and may change without notice.
 *
 * @example
 * import { defineAgent, defineTool, defineConfig } from 'keel';
 */

// First, so an old Node.js gets a sentence naming the version Keel needs (see the module).
import './internal/assert-supported-node.ts';

// Authoring
export { defineAgent } from './sdk/define-agent.ts';
export type { AgentDefinition, AgentLimits, AgentOptions } from './sdk/define-agent.ts';
export type { AgentRouting, ModelReference, ModelSettings, AiSdkLanguageModelLike } from './gateway/model-choice.ts';
export { defineTool, TransientToolError } from './sdk/define-tool.ts';
export type { ToolDefinition, ToolOptions, ToolContext, ToolRetry, ReconcileResult } from './sdk/define-tool.ts';
export { defineConfig } from './sdk/define-config.ts';
export type { KeelConfig, ConfigOptions } from './sdk/define-config.ts';
export type { ProviderSettings } from './gateway/provider-settings.ts';
export { defineGuardrail } from './sdk/define-guardrail.ts';
export type {
  Guardrail,
  GuardrailOptions,
  GuardrailSubject,
  GuardrailContext,
  GuardrailVerdict,
  GuardrailBoundary,
  GuardrailReplacement,
  AgentGuardrails,
  StreamRedaction,
  GuardedToolCall,
  PastToolCall,
} from './sdk/define-guardrail.ts';
export type { ApprovalRule, ApprovalContext } from './sdk/define-tool.ts';
export type { ApprovalSettings, EscalationSettings } from './sdk/define-agent.ts';
export { loadConfig, configFileNames } from './sdk/load-config.ts';
export type { LoadConfigOptions } from './sdk/load-config.ts';

// Errors
export { KeelError, errorCatalogue } from './errors/index.ts';
export type { ErrorCode, ErrorCategory, KeelErrorOptions, SerializedError } from './errors/index.ts';

// Runtime: start, execute and follow runs
export { createRuntime, openRuntime } from './keel.ts';
export { openStoreFromEnv, applyLimitsFromEnv } from './keel-env.ts';
export type { RuntimeOptions, OpenedRuntime, KeelRuntime } from './keel.ts';
export type { Environment } from './keel-env.ts';
export type { TracingOption } from './telemetry/tracing/run-tracing.ts';
export type { SpanRecord, SpanSink, SpanEventRecord, SpanAttributeValue } from './telemetry/tracing/span-record.ts';
export type { OtlpTracingSettings } from './telemetry/tracing/tracing-settings.ts';
export type { RuntimeMetrics } from './telemetry/metrics/runtime-metrics.ts';
export type { AlertEvaluator, RuleAlert } from './telemetry/alerts/alert-evaluator.ts';
export type { AlertRuleSettings } from './cost/alert-rule-settings.ts';
export type { Alert } from './cost/alert-sink.ts';
export type { Runtime, StartRunInput, Worker, WorkerOptions, EngineOptions } from './engine/runtime-types.ts';
export { createEngine } from './engine/engine.ts';
export type { Commit, CommitObserver } from './engine/commits.ts';

// Cost control: budgets set from code requeue the runs waiting on them, as the API does
export { setBudget, deleteBudget, budgetView } from './cost/budgets.ts';
export type { SetBudgetInput, BudgetView } from './cost/budgets.ts';
export type { SettledSpend } from './cost/settlement.ts';
export type { BudgetScope, BudgetPeriod, BudgetStatus } from './store/budget-store.ts';

// Vault and audit log: secrets, OAuth connections, master key rotation, the hash-chained log
export { createVault } from './vault/vault.ts';
export type { Vault, VaultOptions, VaultStore } from './vault/vault.ts';
export { vaultFromEnv } from './keel-env.ts';
export { generateMasterKey, parseMasterKeyring } from './vault/master-key.ts';
export type { MasterKey, MasterKeyring } from './vault/master-key.ts';
export { rotateMasterKey } from './vault/rotate-master-key.ts';
export type { OAuthProviderSettings, OAuthSettings } from './vault/oauth-settings.ts';
export { recordAudit, verifyAuditLog, readAuditPages, pruneAuditLog, systemActor } from './vault/audit-log.ts';
export type { AuditEvent } from './vault/audit-log.ts';
export type { AuditActor, AuditEntry } from './vault/audit-chain.ts';
export type { AuditChainResult, AuditChainProblem } from './vault/verify-audit-chain.ts';
export type { CredentialResolver, CredentialRequest } from './engine/credentials.ts';
export type { CredentialRecord, CredentialKind } from './store/credential-store.ts';

// Runs and their journal
export type { JournalEntry, JournalEvent, JournalEventType, RunStatus, WaitingReason, ToolEffect, Actor } from './journal/events.ts';

// Human oversight: the inbox records and the approval timers
export type { ApprovalRecord, ApprovalStatus, EscalationRecord, EscalationStatus, FeedbackRecord, ApprovalPolicy } from './store/oversight-store.ts';
export type { ApprovalDecisionInput } from './engine/oversight-decisions.ts';
export { sweepApprovals } from './oversight/approval-sweeper.ts';
export { setApprovalPolicy } from './oversight/approval-policy.ts';

// Store
export { openStore } from './store/open-store.ts';
export type { OpenStoreOptions } from './store/open-store.ts';
export { createSqliteStore } from './store/sqlite/sqlite-store.ts';
export type { SqliteStoreOptions, SqliteDurability } from './store/sqlite/sqlite-store.ts';
export type { Store, RunRecord, RunQuery, SessionRecord } from './store/store.ts';
export type { SessionPolicy } from './journal/events.ts';

// Models
export { resolveModel } from './gateway/resolve-model.ts';
export type { ResolveModelOptions } from './gateway/resolve-model.ts';
export type { Model, ModelRequest, ModelResponse, ModelToolSpec, ModelStreamPart, ModelCallContext, ModelFallbackEvent } from './gateway/model.ts';
export type { ModelMessage, ModelToolCall, ModelUsage, FinishReason } from './journal/messages.ts';
export type { RoutingContext, RoutingPredicate } from './gateway/routing.ts';
export type { BreakerOptions, BreakerState, BreakerStateChange } from './gateway/breaker/circuit-breaker.ts';
export type { RetryOptions } from './gateway/retry.ts';

// Prices, costs and token estimates
export { priceOf, costOf, estimateCost } from './gateway/pricing/index.ts';
export type { Cost, EstimateInput, ModelPrice, PriceLookup, PriceOverride, PricingOverrides } from './gateway/pricing/index.ts';
export { countTokens } from './gateway/tokens/count-tokens.ts';

// Logging
export { createLogger } from './telemetry/logger.ts';
export type { Logger, LoggerOptions } from './telemetry/logger.ts';
