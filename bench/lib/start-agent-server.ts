import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { createInterface } from 'node:readline';

export interface AgentServer {
  url: string;
  /** An admin key of tenant `default`. */
  key: string;
  /** The server process's CPU time so far (user + system), in µs. */
  cpuMicros(): Promise<number>;
  close(): Promise<void>;
}

/** Starts `agent-server-process.ts` in a child process (same Node binary) and waits for its URL. */
export async function startAgentServer(upstreamOpenAiBaseUrl: string, maxTurns: number): Promise<AgentServer> {
  const script = new URL('./agent-server-process.ts', import.meta.url).pathname;
  const child = spawn(process.execPath, ['--conditions=keel-source', script, upstreamOpenAiBaseUrl, String(maxTurns)], { stdio: ['pipe', 'pipe', 'inherit'] });
  const lines = createInterface({ input: child.stdout });
  const iterator = lines[Symbol.asyncIterator]();
  // One listener for the process's exit, raced by every read (one per read would pile up).
  const exited = once(child, 'exit').then(() => ({ done: true as const, value: undefined }));
  const nextLine = async (): Promise<string> => {
    const next = await Promise.race([iterator.next(), exited]);
    if (next.done === true) throw new Error(`the Keel server process exited (code ${String(child.exitCode)})`);
    return String(next.value);
  };
  const { url, key } = JSON.parse(await nextLine()) as { url: string; key: string };
  return {
    url,
    key,
    async cpuMicros() {
      child.stdin.write('cpu\n');
      return (JSON.parse(await nextLine()) as { cpuMicros: number }).cpuMicros;
    },
    async close() {
      // Settled already if the process died on its own: close never waits for an exit that came.
      if (child.exitCode === null && child.signalCode === null) child.stdin.end();
      await exited;
      lines.close();
    },
  };
}
