/**
 * `keel/testing`: the kit Keel's own tests use, public so agent authors test the same way.
 * - `scriptedModel`: a strict scripted model (fails on unexpected and on unconsumed calls);
 * - `startFakeModelServer`: a real HTTP server speaking OpenAI and Anthropic wire protocols, with fault injection;
 * - `startFakeOAuthServer`: a real OAuth 2.0 authorization server (code + PKCE, rotating refresh tokens), with fault injection;
 * - `createFakeClock`: a clock moved by hand;
 * - `createTestRuntime`: a runtime on a temporary SQLite database;
 * - `startFakeOtlpReceiver`: a real OTLP/HTTP endpoint that decodes the spans it receives.
 */

// First, so an old Node.js gets a sentence naming the version Keel needs (see the module).
import '../internal/assert-supported-node.ts';

export { createFakeClock, type FakeClock } from './fake-clock.ts';
export { scriptedModel, type ScriptedModel, type ScriptedTurn, type ScriptStep } from './scripted-model.ts';
export { createTestRuntime, type TestRuntime, type TestRuntimeOptions } from './test-runtime.ts';
export { startFakeModelServer } from './fake-model-server/server.ts';
export type {
  FakeFaultTurn,
  FakeMessage,
  FakeModelRequest,
  FakeModelServer,
  FakeModelServerOptions,
  FakeProtocol,
  FakeReplyTurn,
  FakeResponder,
  FakeToolCall,
  FakeToolSpec,
  FakeTurn,
  FakeUsage,
} from './fake-model-server/types.ts';
export { startFakeOAuthServer } from './fake-oauth-server/server.ts';
export type { FakeAccessToken, FakeOAuthClient, FakeOAuthFault, FakeOAuthServer, FakeOAuthServerOptions, FakeTokenRequest } from './fake-oauth-server/types.ts';
export { startFakeOtlpReceiver, type FakeOtlpReceiver, type ReceivedSpan } from './fake-otlp-receiver.ts';
