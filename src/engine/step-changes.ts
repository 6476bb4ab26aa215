/**
 * What a consumer builds from a run's steps, in step order (its conversation, its past tool
 * calls), kept over every step but the last between calls: a run asks for both before every
 * model call, and rebuilding them from every step was work that grew with the run.
 *
 * The kept part stands while no event named a step it covers — `applyEvent` marks every event
 * that names a step (`markStepChanged`), so a late event for an old step (a verdict on an
 * earlier result, say) is seen like any other — and while the consumer's `key` is unchanged: what
 * changes a consumer's result without naming a step (an input verdict, a person's reply) goes in
 * its key. States are the keys of weak maps: nothing outlives its run's state.
 */
export class KeptOverSteps<T> {
  /** The lowest step number named since the last build, per state. */
  private readonly lowest = new WeakMap<object, number>();
  /** Per state: the items of its first `steps` steps, and the highest step number among them. */
  private readonly kept = new WeakMap<object, { key: string; steps: number; highestStep: number; items: T[] }>();

  constructor() {
    consumers.push(this);
  }

  mark(state: object, step: number): void {
    const current = this.lowest.get(state);
    if (current === undefined || step < current) this.lowest.set(state, step);
  }

  /**
   * The items of every step: `start()` then `addStep` for each step from the first not kept. A
   * fresh array on every call; what is kept is a copy of its own.
   */
  build(state: { steps: readonly { step: number }[] }, key: string, start: () => T[], addStep: (index: number, items: T[]) => void): T[] {
    const built = this.kept.get(state);
    const lowestNamed = this.lowest.get(state) ?? Infinity;
    this.lowest.delete(state);
    const reuse = built !== undefined && built.key === key && built.steps <= state.steps.length && built.highestStep < lowestNamed;
    const items = reuse ? [...built.items] : start();
    const from = reuse ? built.steps : 0;
    // The last step can still change (results arriving, verdicts, a repair request); every earlier one is kept.
    const keep = Math.max(0, state.steps.length - 1);
    let kept = from === keep ? items.slice() : undefined;
    let highestStep = reuse ? built.highestStep : 0;
    for (let index = from; index < state.steps.length; index += 1) {
      addStep(index, items);
      if (index < keep) highestStep = Math.max(highestStep, state.steps[index]?.step ?? 0);
      if (index + 1 === keep) kept = items.slice();
    }
    this.kept.set(state, { key, steps: keep, highestStep, items: kept ?? items.slice() });
    return items;
  }
}

const consumers: Array<KeptOverSteps<unknown>> = [];

/** Tells every consumer that an event named `step`. */
export function markStepChanged(state: object, step: number): void {
  for (const consumer of consumers) consumer.mark(state, step);
}
