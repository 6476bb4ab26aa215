import { z } from '@hono/zod-openapi';
import type { ContentfulStatusCode } from 'hono/utils/http-status';
import { errorCatalogue } from '../../errors/index.ts';
import { KeelError } from '../../errors/index.ts';
import { chatChunk, chatCompletion, usageChunk, type ChatIdentity } from '../chat/chat-response.ts';
import { ChatCompletionRequest, chatRunInput } from '../chat/chat-request.ts';
import { followChatRun } from '../chat/follow-chat-run.ts';
import { headerIdentifierSchema } from '../schemas.ts';
import { sseResponse } from '../sse.ts';
import type { RouteModule } from '../server-types.ts';
import { registerRoute } from './define-route.ts';
import { traceparentOf } from '../traceparent.ts';

const sessionHeader = 'x-keel-session-id';

const data = (value: unknown) => `data: ${JSON.stringify(value)}\n\n`;

/**
 * `POST /v1/chat/completions`: OpenAI's Chat Completions API over a durable Keel run. `model`
 * names the agent, `user` the end user. The run is an ordinary run (GET /v1/runs lists it);
 * the agent's tool calls happen inside it and never reach the client.
 */
export const chatCompletionRoutes: RouteModule = {
  name: 'chat-completions',
  register(app, context) {
    registerRoute(app, {
      method: 'post',
      path: '/v1/chat/completions',
      tags: ['openai-compatible'],
      summary: 'OpenAI-compatible chat completion, backed by a durable run',
      description:
        'model = agent name, user = end user id. The last message (a user message) is the run input; earlier messages are quoted ' +
        `ahead of it, unless the ${sessionHeader} header continues a Keel session, whose own history is used. Streaming follows ` +
        "OpenAI's chunk format (usage chunk with stream_options.include_usage, then [DONE]). Responses carry x-keel-run-id and " +
        `${sessionHeader}. A run that waits for a person (an approval, an escalation) keeps a stream open — keep-alive comments, one ` +
        'chunk with an empty delta and `keel.waiting` saying why — and streams what follows: the agent once a reviewer decides, or a ' +
        "human's reply as the assistant's content (a reply without hand-back ends the completion). Without streaming such a run " +
        'answers RUN_WAITING (409) at once, unless the journal already holds the decision or the reply. Other waits (budget, ' +
        'credential, outcome unknown) answer RUN_WAITING (an error event when streaming).',
      permission: 'runs:create',
      request: {
        body: ChatCompletionRequest,
        headers: z.object({
          [sessionHeader]: headerIdentifierSchema()
            .optional()
            .openapi({ param: { name: sessionHeader, in: 'header' }, description: 'Continue this Keel session' }),
        }),
      },
      responses: {
        200: {
          description: 'A chat.completion, or a stream of chat.completion.chunk events',
          content: {
            'application/json': { schema: z.object({ id: z.string(), object: z.literal('chat.completion') }).passthrough() },
            'text/event-stream': { schema: z.string() },
          },
        },
      },
      async handler(c, { body, headers: requestHeaders }) {
        const { tenantId } = c.get('principal');
        const sessionId = requestHeaders[sessionHeader];
        const input = chatRunInput(body, sessionId !== undefined);
        const userId = body.user ?? 'anonymous';
        const agent = context.runtime.config.agents.get(body.model);
        const { run } = await context.runtime.startRun({
          agent: body.model,
          input,
          userId,
          tenantId,
          metadata: { source: 'chat-completions' },
          ...(sessionId === undefined ? {} : { sessionId }),
          // The caller's trace (W3C); an invalid header is ignored, never an error.
          ...traceparentOf(c),
        });
        const identity: ChatIdentity = { id: `chatcmpl-${run.id}`, created: Math.floor(Date.parse(run.createdAt) / 1000), model: body.model };
        const headers = { 'x-keel-run-id': run.id, [sessionHeader]: run.sessionId };
        const follow = { tenantId, structured: agent?.output !== undefined };
        const includeUsage = body.stream_options?.include_usage === true;

        if (body.stream !== true) {
          // A client that hangs up stops the wait, not the run: it stays durable and finishes.
          let content = '';
          for await (const event of followChatRun(context.runtime, run.id, { ...follow, signal: c.req.raw.signal, waitForPeople: false })) {
            if (event.type === 'text') content += event.text;
            else if (event.type === 'done') return c.json(chatCompletion(identity, content, event.finishReason, event.usage), 200, headers);
            else if (event.type === 'failed') return c.json({ error: event.error }, errorCatalogue[event.error.code].status as ContentfulStatusCode, headers);
          }
          throw new KeelError({ code: 'SHUTTING_DOWN', message: 'The request ended before the run did', details: { runId: run.id } });
        }

        const log = c.get('log');
        return sseResponse(
          async function* (signal) {
            const usageField = includeUsage ? null : undefined;
            yield data(chatChunk(identity, { role: 'assistant', content: '' }, null, usageField));
            const following = { ...follow, signal, waitForPeople: true, endSignal: context.shutdownSignal };
            for await (const event of followChatRun(context.runtime, run.id, following)) {
              if (event.type === 'text') {
                yield data(chatChunk(identity, { content: event.text }, null, usageField));
              } else if (event.type === 'waiting') {
                // Nothing for the transcript (an empty delta), but a client that knows Keel can say a person is on it.
                yield data({ ...chatChunk(identity, {}, null, usageField), keel: { waiting: event.reason, runId: run.id } });
              } else if (event.type === 'done') {
                yield data(chatChunk(identity, {}, event.finishReason, usageField));
                if (includeUsage) yield data(usageChunk(identity, event.usage));
                yield 'data: [DONE]\n\n';
              } else {
                yield data({ error: event.error });
              }
            }
          },
          {
            heartbeatMs: context.heartbeatMs,
            streams: context.metrics.streams,
            onError: (error) => log.error({ err: error, runId: run.id }, 'chat completion stream failed'),
            onEnd: (end) => log.debug({ runId: run.id, end }, 'chat completion stream closed'),
          },
          headers,
        );
      },
    });
  },
};
