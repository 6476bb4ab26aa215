/**
 * The lowest step number an event named in each run's state (`RunState`, as the key) since a consumer last looked: what
 * the consumer built from steps numbered below it still stands. `applyEvent` marks every event
 * that names a step, so a late event for an old step (a verdict on an earlier result, say) is
 * seen like any other; what names no step (an input verdict, a person's reply) its consumers
 * check for themselves.
 */
class StepChanges {
  private readonly lowest = new WeakMap<object, number>();

  mark(state: object, step: number): void {
    const current = this.lowest.get(state);
    if (current === undefined || step < current) this.lowest.set(state, step);
  }

  /** The lowest step named since the last call (Infinity: none), and starts over. */
  take(state: object): number {
    const lowest = this.lowest.get(state) ?? Infinity;
    this.lowest.delete(state);
    return lowest;
  }
}

/** For `runMessages`. */
export const conversationChanges = new StepChanges();
/** For `pastToolCalls`. */
export const pastCallChanges = new StepChanges();

/** Tells every consumer that an event named `step`. */
export function markStepChanged(state: object, step: number): void {
  conversationChanges.mark(state, step);
  pastCallChanges.mark(state, step);
}
