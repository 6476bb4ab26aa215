import type { CommitObserver } from '../engine/commits.ts';
import { databaseUrlFrom, openStoreFromEnv } from '../keel-env.ts';
import { openRuntime, type OpenedRuntime } from '../keel.ts';
import { unpricedModels } from '../cost/unpriced-models.ts';
import type { KeelConfig } from '../sdk/define-config.ts';
import type { TenantLimits } from '../store/limits-store.ts';
import type { Store } from '../store/store.ts';
import { createLogger, type Logger } from '../telemetry/logger.ts';
import type { CliIo } from './command.ts';
import { terminalSafe } from './terminal-text.ts';

/** The CLI acts in the runtime's default tenant, like `keel dev`. */
export const cliTenantId = 'default';

export function databaseUrl(io: CliIo): string {
  return databaseUrlFrom(io.env);
}

/** The database URL without its password, for printing. */
export function displayDatabaseUrl(url: string): string {
  if (!url.includes('://')) return url;
  try {
    const parsed = new URL(url);
    if (parsed.password !== '') parsed.password = '***';
    return parsed.toString();
  } catch {
    return url.replace(/\/\/[^@/]*@/, '//***@');
  }
}

/** JSON logs on stderr. `warn` by default, so the terminal output of a command stays readable. */
export function createCliLogger(io: CliIo): Logger {
  return createLogger({ level: io.env.KEEL_LOG_LEVEL?.trim() || 'warn' });
}

/** Opens the store named by KEEL_DATABASE_URL and applies pending migrations (they are idempotent). */
export async function openCliStore(io: CliIo): Promise<Store> {
  return await openStoreFromEnv(io.env);
}

/**
 * Loads the config and opens the store and a runtime over them, wired as every entry point is
 * (`openRuntime` in src/keel.ts). `observers` let a command watch what this process commits (the
 * worker reports the runs it finishes that way).
 */
export async function openCliRuntime(
  io: CliIo,
  options: { configPath?: string; observers?: CommitObserver[]; logger?: Logger; workerId?: string; limitDefaults?: Partial<TenantLimits> } = {},
): Promise<OpenedRuntime> {
  return await openRuntime({
    cwd: io.cwd,
    env: io.env,
    logger: options.logger ?? createCliLogger(io),
    ...(options.limitDefaults === undefined ? {} : { limitDefaults: options.limitDefaults }),
    ...(options.configPath === undefined ? {} : { configPath: options.configPath }),
    ...(options.observers === undefined ? {} : { observers: options.observers }),
    ...(options.workerId === undefined ? {} : { workerId: options.workerId }),
  });
}

/**
 * A scripted demo model answers from a fixed script, not from a language model: say so on stderr
 * so nobody mistakes its answers for a real agent's.
 */
export function noticeDemoModels(config: KeelConfig, agentNames: readonly string[], io: CliIo): void {
  const agents = agentNames.flatMap((name) => config.agents.get(name) ?? []);
  for (const model of unpricedModels(agents, config.pricing)) {
    io.stderr.write(
      terminalSafe(
        `notice: agent "${model.agent}" uses ${model.provider}:${model.modelId}, which has no price: its calls cost 0 and no budget can stop them; ${model.hint}.`,
      ) + '\n',
    );
  }
  for (const name of agentNames) {
    const model = config.agents.get(name)?.model;
    if (typeof model === 'object' && model !== null && model.provider === 'keel-demo') {
      io.stderr.write(
        `notice: agent "${name}" runs on the scripted demo model (${model.provider}:${model.modelId}), not a language model. ` +
          'Configure a real model (e.g. set OPENAI_API_KEY for the example) for real answers.\n',
      );
    }
  }
}
