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
