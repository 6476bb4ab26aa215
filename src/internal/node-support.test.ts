import { describe, expect, it } from 'vitest';
import { typeStrippingRelaunch, unsupportedNodeMessage } from './node-support.ts';

describe('unsupportedNodeMessage', () => {
  it('accepts Node 22.16 and later on the 22 line, and every release from 24 on', () => {
    for (const version of ['22.16.0', '22.17.1', '22.18.0', '22.100.0', '24.0.0', '24.21.0', '26.1.0', 'v24.21.0']) {
      expect(unsupportedNodeMessage(version), version).toBeUndefined();
    }
  });

  it('names the floor and the running version for anything older', () => {
    expect(unsupportedNodeMessage('20.20.2')).toBe('Keel needs Node ≥ 22.16 (this is 20.20.2)');
    expect(unsupportedNodeMessage('22.15.1')).toBe('Keel needs Node ≥ 22.16 (this is 22.15.1)');
    expect(unsupportedNodeMessage('22.13.0')).toBe('Keel needs Node ≥ 22.16 (this is 22.13.0)');
    expect(unsupportedNodeMessage('18.0.0')).toBe('Keel needs Node ≥ 22.16 (this is 18.0.0)');
  });

  it('says Node 23 is not a supported line, whatever its minor version', () => {
    expect(unsupportedNodeMessage('23.11.0')).toBe('Keel needs Node ≥ 22.16 on Node 22, or Node ≥ 24 (this is 23.11.0)');
  });
});

describe('typeStrippingRelaunch', () => {
  const facts = {
    execPath: '/usr/bin/node',
    execArgv: ['--max-old-space-size=512'],
    argv: ['/usr/bin/node', '/app/node_modules/.bin/keel', 'dev', '--port', '0'],
  };

  it('re-runs the same script and arguments with type stripping when Node does not strip types by default', () => {
    expect(typeStrippingRelaunch({ ...facts, features: { typescript: false } })).toEqual([
      '/usr/bin/node',
      '--experimental-strip-types',
      '--disable-warning=ExperimentalWarning',
      '--max-old-space-size=512',
      '/app/node_modules/.bin/keel',
      'dev',
      '--port',
      '0',
    ]);
  });

  it('does nothing when types are stripped already, or when the flags were chosen on purpose', () => {
    expect(typeStrippingRelaunch({ ...facts, features: { typescript: 'strip' } })).toBeUndefined();
    expect(typeStrippingRelaunch({ ...facts, features: { typescript: 'transform' } })).toBeUndefined();
    expect(typeStrippingRelaunch({ ...facts, execArgv: ['--no-experimental-strip-types'], features: { typescript: false } })).toBeUndefined();
    expect(typeStrippingRelaunch({ ...facts, execArgv: ['--experimental-strip-types'], features: { typescript: false } })).toBeUndefined();
  });
});
