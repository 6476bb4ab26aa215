/**
 * `keel/guardrails`: Keel's guardrail detectors, pure functions usable on their own.
 * - `detectPromptInjection(text, { source })`: rules and scoring over normalised text, for user
 *   input and for tool results (indirect injection);
 * - `findPii(text)` / `redactPii(text)`: e-mail, phone, payment card, IBAN, US SSN, IP address;
 * - `findSecrets(text)` / `redactSecrets(text)`: credentials, reported by kind and offsets only;
 * - `createStreamRedactor({ redact })`: the same redaction over a stream of small deltas;
 * - `normalizeText(text)` and its parts, for a Unicode-normalisation guardrail.
 */
export { normalizeText } from './detectors/normalize/normalize-text.ts';
export { hasInvisibleCharacters, removeInvisibleCharacters, revealTagCharacters } from './detectors/normalize/invisible-characters.ts';
export { foldHomoglyphs } from './detectors/normalize/homoglyphs.ts';
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
