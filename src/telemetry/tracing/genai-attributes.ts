/**
 * The attribute names Keel's spans use. The OpenTelemetry GenAI semantic conventions are still
 * "Development" (names may change in minor releases), so the few `gen_ai.*` names are written
 * down here, once, rather than imported from the conventions package's incubating entry point.
 * Keel's own attributes carry the `keel.` prefix.
 */
export const genAi = {
  operationName: 'gen_ai.operation.name',
  providerName: 'gen_ai.provider.name',
  requestModel: 'gen_ai.request.model',
  responseModel: 'gen_ai.response.model',
  finishReasons: 'gen_ai.response.finish_reasons',
  inputTokens: 'gen_ai.usage.input_tokens',
  outputTokens: 'gen_ai.usage.output_tokens',
  cacheReadInputTokens: 'gen_ai.usage.cache_read.input_tokens',
  agentName: 'gen_ai.agent.name',
  conversationId: 'gen_ai.conversation.id',
  toolName: 'gen_ai.tool.name',
  toolCallId: 'gen_ai.tool.call.id',
  toolType: 'gen_ai.tool.type',
  toolCallArguments: 'gen_ai.tool.call.arguments',
  toolCallResult: 'gen_ai.tool.call.result',
  inputMessages: 'gen_ai.input.messages',
  outputMessages: 'gen_ai.output.messages',
} as const;

/** Values of `gen_ai.operation.name`. */
export const genAiOperations = { invokeAgent: 'invoke_agent', chat: 'chat', executeTool: 'execute_tool' } as const;

/** Stable OpenTelemetry attributes (not GenAI-specific). */
export const otel = { errorType: 'error.type', serviceName: 'service.name' } as const;

export const keel = {
  runId: 'keel.run.id',
  tenantId: 'keel.tenant.id',
  userId: 'keel.user.id',
  runStatus: 'keel.run.status',
  costUsd: 'keel.cost_usd',
  step: 'keel.step',
  stepAttempt: 'keel.step.attempt',
  cached: 'keel.cached',
  latencyMs: 'keel.latency_ms',
  toolEffect: 'keel.tool.effect',
  toolAttempts: 'keel.tool.attempts',
  toolResolvedBy: 'keel.tool.resolved_by',
  waitingReason: 'keel.waiting.reason',
  errorMessage: 'keel.error.message',
  fallbackFrom: 'keel.fallback.from',
  fallbackTo: 'keel.fallback.to',
  repairAttempt: 'keel.output.repair_attempt',
  decision: 'keel.decision',
  actor: 'keel.actor',
  callId: 'keel.tool.call.id',
  guardrailName: 'keel.guardrail.name',
  guardrailBoundary: 'keel.guardrail.boundary',
  guardrailVerdict: 'keel.guardrail.verdict',
  guardrailReason: 'keel.guardrail.reason',
  approvalId: 'keel.approval.id',
  approvalSource: 'keel.approval.source',
  actorKind: 'keel.actor.kind',
  escalationId: 'keel.escalation.id',
  escalationTrigger: 'keel.escalation.trigger',
  handBack: 'keel.escalation.hand_back',
} as const;

/** Names of Keel's span events (on the `invoke_agent` and `chat` spans). */
export const keelEvents = {
  modelFallback: 'keel.model.fallback',
  stepRetried: 'keel.step.retried',
  outputRejected: 'keel.output.rejected',
  outcomeDecision: 'keel.tool.outcome_decision',
  runWaiting: 'keel.run.waiting',
  runResumed: 'keel.run.resumed',
  guardrailDecision: 'keel.guardrail.decision',
  approvalRequested: 'keel.approval.requested',
  approvalDecided: 'keel.approval.decided',
  escalationOpened: 'keel.escalation.opened',
  escalationReplied: 'keel.escalation.replied',
  escalationResolved: 'keel.escalation.resolved',
} as const;
