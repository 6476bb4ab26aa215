import { createRequire } from 'node:module';
import type { ModelMessage } from '../../journal/messages.ts';
import type { ModelRequest } from '../model.ts';

type Encoding = 'o200k_base' | 'cl100k_base';
type Encoder = (text: string) => number;

/** Which tokenizer counts for a model, and how far to trust the count. */
export interface TokenCounting {
  encoding: Encoding;
  /** Multiplier applied to the encoding's count (1 for OpenAI models, counted exactly). */
  factor: number;
  /** True when the count is an approximation of the provider's own tokenizer. */
  approximate: boolean;
}

/*
 * Anthropic and Google do not publish their tokenizers for offline use, and counting through
 * their APIs would add a network call to every estimate. Their counts are approximated with
 * OpenAI's o200k_base scaled up: Claude's tokenizers produce roughly 10-35% more tokens than
 * o200k_base on English and code (more on the newest models), Gemini's about 0-10% more. The
 * factors sit at the high end on purpose, since these estimates size budget reservations: an
 * over-estimate is released when the call settles, an under-estimate could overspend.
 */
const approximations: Record<string, TokenCounting> = {
  anthropic: { encoding: 'o200k_base', factor: 1.35, approximate: true },
  google: { encoding: 'o200k_base', factor: 1.1, approximate: true },
};
const unknownFamily: TokenCounting = { encoding: 'o200k_base', factor: 1.2, approximate: true };

/** Chat formats wrap each message in a few tokens of framing (OpenAI: 3), plus 3 to prime the reply. */
const tokensPerMessage = 4;
const replyPriming = 3;

/**
 * How `countTokens` counts for a model: exactly with OpenAI's own encodings for OpenAI models
 * (`cl100k_base` for GPT-4 and GPT-3.5, `o200k_base` for the rest), approximately for
 * Anthropic, Google and unknown models (o200k_base times a documented factor, rounded up).
 *
 * @example
 * tokenCountingFor('anthropic', 'claude-haiku-4-5'); // { encoding: 'o200k_base', factor: 1.35, approximate: true }
 */
export function tokenCountingFor(provider: string, modelId: string): TokenCounting {
  const id = modelId.toLowerCase().replace(/^models\//, '');
  const family = provider.split('.')[0] ?? provider;
  if (/^(gpt-4(?!o|\.)|gpt-3\.5)/.test(id)) return { encoding: 'cl100k_base', factor: 1, approximate: false };
  if (/^(gpt-|o\d|chatgpt-)/.test(id) || (family === 'openai' && !id.startsWith('ft:'))) return { encoding: 'o200k_base', factor: 1, approximate: false };
  if (id.startsWith('claude-')) return approximations.anthropic ?? unknownFamily;
  if (id.startsWith('gemini-')) return approximations.google ?? unknownFamily;
  return approximations[family] ?? unknownFamily;
}

/**
 * Tokens of a text, a conversation, or a whole request (messages, tool definitions and
 * response schema) as `model` would count them — exact for OpenAI models, a deliberate
 * over-estimate for others (see `tokenCountingFor`). For estimates (budget reservations,
 * routing, context windows), not for billing: bills use the usage the provider reports.
 *
 * The tokenizer's ranks ship inside the `gpt-tokenizer` package (pure JavaScript, nothing is
 * downloaded); each encoding is loaded on first use, which takes a few hundred milliseconds
 * once per process.
 *
 * @example
 * countTokens('Hello world', { provider: 'openai', modelId: 'gpt-4o' }); // 2
 * countTokens(request.messages, { provider: 'anthropic', modelId: 'claude-haiku-4-5' });
 */
export function countTokens(input: string | readonly ModelMessage[] | ModelRequest, model: { provider: string; modelId: string }): number {
  const counting = tokenCountingFor(model.provider, model.modelId);
  const encode = encoder(counting.encoding);
  let tokens: number;
  if (typeof input === 'string') tokens = encode(input);
  else if (isRequest(input)) tokens = countRequest(input, encode);
  else tokens = countMessages(input, encode);
  return counting.factor === 1 ? tokens : Math.ceil(tokens * counting.factor);
}

function isRequest(input: readonly ModelMessage[] | ModelRequest): input is ModelRequest {
  return !Array.isArray(input);
}

function countMessages(messages: readonly ModelMessage[], encode: Encoder): number {
  let tokens = messages.length === 0 ? 0 : replyPriming;
  for (const message of messages) {
    tokens += tokensPerMessage;
    if (message.role === 'tool') {
      tokens += encode(message.toolName) + encode(typeof message.content === 'string' ? message.content : (JSON.stringify(message.content) ?? ''));
      continue;
    }
    tokens += encode(message.content);
    if (message.role === 'assistant') {
      for (const call of message.toolCalls ?? []) tokens += tokensPerMessage + encode(call.toolName) + encode(call.arguments);
    }
  }
  return tokens;
}

function countRequest(request: ModelRequest, encode: Encoder): number {
  let tokens = countMessages(request.messages, encode);
  for (const tool of request.tools ?? []) tokens += tokensPerMessage + encode(tool.name) + encode(tool.description) + encode(JSON.stringify(tool.inputSchema));
  if (request.responseFormat?.schema !== undefined) tokens += encode(JSON.stringify(request.responseFormat.schema));
  return tokens;
}

const encoders = new Map<Encoding, Encoder>();
const requireCommonJs = createRequire(import.meta.url);

/*
 * Loaded synchronously on first use (the CommonJS build, through `require`) so `countTokens`
 * stays synchronous, and a process that never counts never pays the load.
 */
function encoder(encoding: Encoding): Encoder {
  let encode = encoders.get(encoding);
  if (encode === undefined) {
    const module = requireCommonJs(`gpt-tokenizer/cjs/encoding/${encoding}`) as typeof import('gpt-tokenizer/encoding/o200k_base');
    // User text may contain "<|endoftext|>" and the like: count it as text, never reject it.
    const asText = { disallowedSpecial: new Set<string>() };
    encode = (text) => (text === '' ? 0 : module.countTokens(text, asText));
    encoders.set(encoding, encode);
  }
  return encode;
}
