import { getEventListeners } from 'node:events';
import { describe, expect, it } from 'vitest';
import { linkedController, stopped } from './abort.ts';

describe('linkedController', () => {
  it('aborts with the outer signal, and with its reason', () => {
    const outer = new AbortController();
    const { controller } = linkedController(outer.signal);
    const reason = new Error('the run was cancelled');
    outer.abort(reason);
    expect(controller.signal.aborted).toBe(true);
    expect(controller.signal.reason).toBe(reason);
  });

  it('starts aborted when the outer signal already is', () => {
    const { controller } = linkedController(AbortSignal.abort('gone'));
    expect(controller.signal.reason).toBe('gone');
  });

  it('aborts on its own without touching the outer signal', () => {
    const outer = new AbortController();
    const { controller } = linkedController(outer.signal);
    controller.abort(new Error('journal write failed'));
    expect(outer.signal.aborted).toBe(false);
  });

  it('lets go of the outer signal once unlinked: no listener left, no abort forwarded', () => {
    const outer = new AbortController();
    const { controller, unlink } = linkedController(outer.signal);
    expect(getEventListeners(outer.signal, 'abort')).toHaveLength(1);
    unlink();
    expect(getEventListeners(outer.signal, 'abort')).toHaveLength(0);
    outer.abort();
    expect(controller.signal.aborted).toBe(false);
  });

  it('works without an outer signal', () => {
    const { controller, unlink } = linkedController(undefined);
    unlink();
    expect(controller.signal.aborted).toBe(false);
  });
});

describe('stopped', () => {
  it('reads as the default abort reason does', () => {
    const controller = new AbortController();
    controller.abort();
    const reason = controller.signal.reason as DOMException;
    expect(stopped.name).toBe(reason.name);
    expect(stopped.message).toBe(reason.message);
  });
});
