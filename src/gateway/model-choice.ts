import type { Model } from './model.ts';
import type { RoutingPredicate } from './routing.ts';

/** A model: `provider:model` string, Keel's own `Model`, or any AI SDK `LanguageModel` instance. */
export type ModelReference = string | Model | AiSdkLanguageModelLike;

/** The part of an AI SDK LanguageModel Keel relies on to recognise one. */
export interface AiSdkLanguageModelLike {
  readonly specificationVersion: string;
  readonly provider: string;
  readonly modelId: string;
  doGenerate(options: never): PromiseLike<unknown>;
  doStream(options: never): PromiseLike<unknown>;
}

/** Per-call model settings. Timeouts apply to each attempt of each model of the chain. */
export interface ModelSettings {
  temperature?: number;
  maxOutputTokens?: number;
  /** Give up on a streamed call when its first token takes longer than this (then retry or fall back). */
  firstTokenTimeoutMs?: number;
  /** Give up on a call that takes longer than this in all. */
  timeoutMs?: number;
}

/** Send some calls to a cheaper model: by default summarisation and classification calls. */
export interface AgentRouting {
  cheap: ModelReference;
  /** Decides per call; default: `purpose` is `summarise` or `classify`. */
  when?: RoutingPredicate;
}

/**
 * What the gateway needs to know to build an agent's model: the model, its fallbacks, routing,
 * cache and call settings. An agent definition is one; the gateway asks for no more of it.
 */
export interface ModelChoice {
  readonly name: string;
  readonly model: ModelReference;
  readonly fallbacks: readonly ModelReference[];
  readonly routing: AgentRouting | undefined;
  readonly cache: { ttlMs: number } | undefined;
  readonly modelSettings: ModelSettings;
}
