/**
 * `keel/guardrails`: Keel's built-in guardrails, the contract to write your own, and the
 * detectors they are built on (pure functions usable on their own).
 *
 * Guardrails, by the boundary they check (ADR 0022):
 * - input: `normalizeUnicode()`, `maxInputSize()`, `promptInjection()`, `pii()`, `secrets()`;
 * - model-output: `pii()`, `secrets()`, `contentPolicy()`;
 * - tool-call: `toolAllowlist()`, `toolArguments()`, `maxToolCalls()`, `loopDetection()` (on by default);
 * - tool-result: `toolResultShape()`, `toolResultSize()`, `promptInjection()`, `pii()`, `secrets()`;
 * - output: `pii()`, `secrets()`, `contentPolicy()`, `grounding()`;
 * - your own: `defineGuardrail({ name, boundaries, check })`.
 *
 * Detectors (ADR 0014):
 * - `detectPromptInjection(text, { source })`: rules and scoring over normalised text, for user
 *   input and for tool results (indirect injection);
 * - `findPii(text)` / `redactPii(text)`: e-mail, phone, payment card, IBAN, US SSN, IP address;
 * - `findSecrets(text)` / `redactSecrets(text)`: credentials, reported by kind and offsets only;
 * - `createStreamRedactor({ redact })`: the same redaction over a stream of small deltas;
 * - `normalizeText(text)` and its parts.
 *
 * @example
 * import { normalizeUnicode, pii, promptInjection, secrets } from 'keel/guardrails';
 * defineAgent({ ..., guardrails: { input: [normalizeUnicode(), promptInjection()], output: [pii(), secrets()] } });
 */

// The contract
export { defineGuardrail } from '../sdk/define-guardrail.ts';
export type {
  AgentGuardrails,
  GuardedToolCall,
  Guardrail,
  GuardrailBoundary,
  GuardrailContext,
  GuardrailOptions,
  GuardrailReplacement,
  GuardrailSubject,
  GuardrailVerdict,
  PastToolCall,
  StreamRedaction,
} from '../sdk/define-guardrail.ts';

// Built-in guardrails
export { normalizeUnicode } from './normalize-unicode.ts';
export { maxInputSize, type MaxInputSizeOptions } from './max-input-size.ts';
export { promptInjection, type PromptInjectionGuardrailOptions } from './prompt-injection.ts';
export { pii, type PiiGuardrailOptions } from './pii.ts';
export { secrets, type SecretsGuardrailOptions } from './secrets.ts';
export { toolAllowlist, type ToolAllowlistOptions, type ToolList } from './tool-allowlist.ts';
export { toolArguments, type ArgumentRule, type ToolArgumentsOptions } from './tool-arguments.ts';
export { maxToolCalls, type MaxToolCallsOptions } from './max-tool-calls.ts';
export { loopDetection, type LoopDetectionOptions } from './loop-detection.ts';
export { toolResultShape, type ToolResultShapeOptions } from './tool-result-shape.ts';
export { toolResultSize, type ToolResultSizeOptions } from './tool-result-size.ts';
export { contentPolicy, type ContentPolicyOptions } from './content-policy.ts';
export { grounding, type GroundingOptions } from './grounding.ts';
export type {
  ClassifierFunction,
  ClassifierScore,
  ClassifyRequest,
  HttpClassifierOptions,
  ModelJudgeOptions,
  TextClassifier,
} from './classifiers/classifier-types.ts';

// Detectors
export { normalizeText } from './detectors/normalize/normalize-text.ts';
export { hasInvisibleCharacters, removeInvisibleCharacters, revealTagCharacters } from './detectors/normalize/invisible-characters.ts';
export { foldHomoglyphs, foldMixedScriptHomoglyphs } from './detectors/normalize/homoglyphs.ts';
export { foldObfuscation } from './detectors/normalize/obfuscation.ts';
export { findEncodedPayloads, type EncodedPayload } from './detectors/prompt-injection/encoded-payloads.ts';
export { detectPromptInjection, type PromptInjectionOptions, type PromptInjectionResult } from './detectors/prompt-injection/detect-prompt-injection.ts';
export { findPii, type FindPiiOptions } from './detectors/pii/find-pii.ts';
export { redactPii } from './detectors/pii/redact-pii.ts';
export { defaultPhoneRegions } from './detectors/pii/phone.ts';
export { passesLuhn } from './detectors/pii/credit-card.ts';
export { piiMarkers, piiTypes, type PiiMatch, type PiiType } from './detectors/pii/pii-types.ts';
export { findSecrets } from './detectors/secrets/find-secrets.ts';
export { redactSecrets } from './detectors/secrets/redact-secrets.ts';
export type { SecretMatch } from './detectors/secrets/secret-types.ts';
export { createStreamRedactor, type StreamRedactor, type StreamRedactorOptions } from './detectors/stream/create-stream-redactor.ts';
export { holdBackForRedaction } from './detectors/stream/hold-back.ts';
