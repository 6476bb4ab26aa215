import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { createInterface } from 'node:readline';

export interface AgentServer {
  url: string;
  /** An admin key of tenant `default`. */
  key: string;
  close(): Promise<void>;
}

/** Starts `agent-server-process.ts` in a child process (same Node binary) and waits for its URL. */
export async function startAgentServer(upstreamOpenAiBaseUrl: string, maxTurns: number): Promise<AgentServer> {
  const script = new URL('./agent-server-process.ts', import.meta.url).pathname;
  const child = spawn(process.execPath, ['--conditions=keel-source', script, upstreamOpenAiBaseUrl, String(maxTurns)], { stdio: ['pipe', 'pipe', 'inherit'] });
  const lines = createInterface({ input: child.stdout });
  const first = await Promise.race([once(lines, 'line').then(([line]) => String(line)), once(child, 'exit').then(() => undefined)]);
  if (first === undefined) throw new Error(`the Keel server process exited before it started (code ${String(child.exitCode)})`);
  const { url, key } = JSON.parse(first) as { url: string; key: string };
  return {
    url,
    key,
    async close() {
      const gone = once(child, 'exit');
      child.stdin.end();
      await gone;
      lines.close();
    },
  };
}
