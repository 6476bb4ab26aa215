import { performance } from 'node:perf_hooks';

/*
 * The LangGraph.js side of the comparison: the same agent loop as Keel's bench agent (model node
 * → tool node → model …, one tool call per turn) on the SQLite checkpointer with
 * `durability: 'sync'`. LangGraph lives in bench/langgraph/node_modules, installed on first use,
 * so it is loaded with non-literal dynamic imports (resolved from this folder at run time) and
 * typed here by the small part of its API this file uses; Keel's own type check never needs it.
 */

interface Message {
  getType(): string;
}
interface MessagesState {
  messages: Message[];
}
interface ToolCall {
  id: string;
  name: string;
  args: Record<string, unknown>;
  type: 'tool_call';
}
interface CompiledGraph {
  invoke(input: MessagesState, config: Record<string, unknown>): Promise<MessagesState>;
}
interface GraphBuilder {
  addNode(name: string, node: unknown): GraphBuilder;
  addEdge(from: string, to: string): GraphBuilder;
  addConditionalEdges(from: string, condition: unknown, paths: string[]): GraphBuilder;
  compile(options: { checkpointer: unknown }): CompiledGraph;
}
interface Saver {
  put(...args: unknown[]): Promise<unknown>;
  setup(): void;
  db: { pragma(text: string, options: { simple: true }): unknown; close(): void };
}
interface ChatModel {
  bindTools(tools: unknown[]): { invoke(messages: Message[]): Promise<Message> };
}
interface ZodNumber {
  int(): unknown;
}
interface Modules {
  langgraph: { StateGraph: new (state: unknown) => GraphBuilder; MessagesAnnotation: unknown; START: string; END: string };
  prebuilt: { ToolNode: new (tools: unknown[]) => unknown; toolsCondition: unknown };
  checkpoint: { SqliteSaver: { fromConnString(path: string): Saver } };
  messages: {
    AIMessage: new (fields: { content: string; tool_calls?: ToolCall[] }) => Message;
    HumanMessage: new (content: string) => Message;
    SystemMessage: new (content: string) => Message;
  };
  tools: { tool(run: (input: { id: number }) => string, fields: { name: string; description: string; schema: unknown }): unknown };
  openai: { ChatOpenAI: new (fields: Record<string, unknown>) => ChatModel };
  zod: { z: { object(shape: Record<string, unknown>): unknown; number(): ZodNumber } };
}

async function load(): Promise<Modules> {
  const module = (specifier: string): Promise<unknown> => import(specifier);
  const [langgraph, prebuilt, checkpoint, messages, tools, openai, zod] = await Promise.all([
    module('@langchain/langgraph'),
    module('@langchain/langgraph/prebuilt'),
    module('@langchain/langgraph-checkpoint-sqlite'),
    module('@langchain/core/messages'),
    module('@langchain/core/tools'),
    module('@langchain/openai'),
    module('zod'),
  ]);
  return { langgraph, prebuilt, checkpoint, messages, tools, openai, zod } as Modules;
}

export interface LangGraphLoopOptions {
  databasePath: string;
  turns: number;
  toolOutput: (id: number) => unknown;
  /** Call a model over HTTP (ChatOpenAI, Chat Completions) instead of answering in-process. */
  upstream?: { baseURL: string; model: string; instructions: string };
}

export interface LangGraphLoop {
  /** Runs one thread to its final answer: how long it took, and how many checkpoints it wrote. */
  run(input: string): Promise<{ ms: number; checkpoints: number }>;
  /** The checkpointer's `synchronous` pragma (1 = NORMAL, 2 = FULL). */
  readonly synchronous: number;
  close(): void;
}

export async function createLangGraphLoop(options: LangGraphLoopOptions): Promise<LangGraphLoop> {
  const { langgraph, prebuilt, checkpoint, messages, tools, openai, zod } = await load();
  const { turns } = options;
  const readRecord = tools.tool(({ id }) => JSON.stringify(options.toolOutput(id)), {
    name: 'read_record',
    description: 'Reads a record by id',
    schema: zod.z.object({ id: zod.z.number().int() }),
  });
  const countToolMessages = (state: MessagesState) => state.messages.filter((message) => message.getType() === 'tool').length;

  let modelNode: (state: MessagesState) => Promise<MessagesState>;
  if (options.upstream === undefined) {
    modelNode = (state) => {
      const done = countToolMessages(state);
      const call: ToolCall = { id: `call_${done + 1}`, name: 'read_record', args: { id: done + 1 }, type: 'tool_call' };
      const answer = done < turns ? new messages.AIMessage({ content: '', tool_calls: [call] }) : new messages.AIMessage({ content: 'done' });
      return Promise.resolve({ messages: [answer] });
    };
  } else {
    const { baseURL, model, instructions } = options.upstream;
    const settings = { model, apiKey: 'bench', configuration: { baseURL }, maxRetries: 0, useResponsesApi: false };
    const chat = new openai.ChatOpenAI(settings).bindTools([readRecord]);
    const system = new messages.SystemMessage(instructions);
    modelNode = async (state) => ({ messages: [await chat.invoke([system, ...state.messages])] });
  }

  const saver = checkpoint.SqliteSaver.fromConnString(options.databasePath);
  saver.setup();
  let checkpoints = 0;
  const put = saver.put.bind(saver);
  saver.put = (...args) => ((checkpoints += 1), put(...args));

  const { StateGraph, MessagesAnnotation, START, END } = langgraph;
  const graph = new StateGraph(MessagesAnnotation)
    .addNode('model', modelNode)
    .addNode('tools', new prebuilt.ToolNode([readRecord]))
    .addEdge(START, 'model')
    .addConditionalEdges('model', prebuilt.toolsCondition, ['tools', END])
    .addEdge('tools', 'model')
    .compile({ checkpointer: saver });

  let threads = 0;
  return {
    async run(input) {
      threads += 1;
      const before = checkpoints;
      const started = performance.now();
      const final = await graph.invoke(
        { messages: [new messages.HumanMessage(input)] },
        { configurable: { thread_id: `thread_${threads}` }, durability: 'sync', recursionLimit: turns * 2 + 10 },
      );
      const ms = performance.now() - started;
      const made = countToolMessages(final);
      if (made !== turns) throw new Error(`LangGraph run made ${made} tool calls, expected ${turns}`);
      return { ms, checkpoints: checkpoints - before };
    },
    synchronous: Number(saver.db.pragma('synchronous', { simple: true })),
    close: () => saver.db.close(),
  };
}
