import { describe, expect, it } from 'vitest';
import { defineConfig } from '../sdk/define-config.ts';
import { alertSettingsProblems } from './alert-settings.ts';

describe('alert settings', () => {
  it('accepts a webhook URL, thresholds in (0, 1] and a spike factor above 1', () => {
    expect(alertSettingsProblems({ webhookUrl: 'https://hooks.example.com/keel', budgetThresholds: [0.5, 0.8, 1], costSpikeFactor: 3 })).toEqual([]);
    expect(defineConfig({ agents: [], alerts: { budgetThresholds: [0.9] } }).alerts).toEqual({ budgetThresholds: [0.9] });
    expect(defineConfig({ agents: [] }).alerts).toEqual({});
  });

  it('names each problem, and defineConfig refuses them with CONFIG_INVALID', () => {
    expect(alertSettingsProblems({ webhookUrl: 'ftp://example.com', budgetThresholds: [0, 1.5], costSpikeFactor: 1 })).toEqual([
      'alerts.webhookUrl must be an http(s) URL',
      'alerts.budgetThresholds: each must be a number above 0 and at most 1',
      'alerts.costSpikeFactor must be a number above 1',
    ]);
    expect(() => defineConfig({ agents: [], alerts: { webhookUrl: 'not a url' } })).toThrow(expect.objectContaining({ code: 'CONFIG_INVALID' }));
  });
});
