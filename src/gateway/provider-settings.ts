/** Where the `provider:model` strings' providers are reached (`providers` in `keel.config.ts`). */
export interface ProviderSettings {
  /** Base URL of an OpenAI-compatible endpoint, for `openai-compatible:<model>` strings. */
  openaiCompatible?: { baseURL: string; apiKey?: string; name?: string };
  openai?: { baseURL?: string; apiKey?: string };
  anthropic?: { baseURL?: string; apiKey?: string };
}
