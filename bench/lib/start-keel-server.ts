import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { createInterface, type Interface } from 'node:readline';

export interface KeelServerProcess {
  url: string;
  /** A bare node:http server in the same process, answering 202 at once. */
  bareUrl: string;
  /** An admin key of tenant `default`. */
  key: string;
  /** `process.memoryUsage()` of the server process after garbage collection, and its CPU time so far. */
  memory(): Promise<NodeJS.MemoryUsage & { cpuMicros: number }>;
  close(): Promise<void>;
}

/** Starts `keel-server-process.ts` in a child process (same Node binary, --expose-gc). */
export async function startKeelServer(upstreamOpenAiBaseUrl: string): Promise<KeelServerProcess> {
  const script = new URL('./keel-server-process.ts', import.meta.url).pathname;
  const child = spawn(process.execPath, ['--expose-gc', '--conditions=keel-source', script, upstreamOpenAiBaseUrl], { stdio: ['pipe', 'pipe', 'inherit'] });
  const lines: Interface = createInterface({ input: child.stdout });
  const iterator = lines[Symbol.asyncIterator]();
  // One listener for the process's exit, raced by every read (one per read would pile up).
  const exited = once(child, 'exit').then(() => ({ done: true as const, value: undefined }));
  const nextLine = async (): Promise<string> => {
    const next = await Promise.race([iterator.next(), exited]);
    if (next.done === true) throw new Error(`the Keel server process exited (code ${String(child.exitCode)})`);
    return String(next.value);
  };
  const { url, bareUrl, key } = JSON.parse(await nextLine()) as { url: string; bareUrl: string; key: string };
  return {
    url,
    bareUrl,
    key,
    async memory() {
      child.stdin.write('memory\n');
      return JSON.parse(await nextLine()) as NodeJS.MemoryUsage & { cpuMicros: number };
    },
    async close() {
      // Settled already if the process died on its own: close never waits for an exit that came.
      if (child.exitCode === null && child.signalCode === null) child.stdin.end();
      await exited;
      lines.close();
    },
  };
}
