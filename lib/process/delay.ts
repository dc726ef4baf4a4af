import { clearTimer } from './clock';

/**
 * setTimeout's longest delay. A longer one fires after 1 ms with a TimeoutOverflowWarning, so every
 * timer of the runtime goes through `Delay`, which waits out long delays in steps of at most this.
 */
export const MAX_DELAY = 2 ** 31 - 1;

/**
 * A one-shot timer for any delay >= 0 (finite): `new Delay(fn, ms)`, `delay.cancel()`. Pending, it
 * keeps Node running, as a setTimeout does.
 */
export class Delay {
  private timer: NodeJS.Timeout | undefined;
  private left: number;

  constructor(
    private readonly fn: () => void,
    ms: number,
  ) {
    this.left = ms;
    this.timer = this.step();
  }

  /** True until it has fired or was cancelled. */
  get pending(): boolean {
    return this.timer !== undefined;
  }

  /** Cancels it; true if it was still pending. */
  cancel(): boolean {
    if (this.timer === undefined) return false;
    clearTimer(this.timer);
    this.timer = undefined;
    return true;
  }

  private step(): NodeJS.Timeout {
    const ms = Math.min(this.left, MAX_DELAY);
    this.left -= ms;
    return setTimeout(this.ring, ms);
  }

  private ring = (): void => {
    if (this.left > 0) {
      this.timer = this.step();
      return;
    }
    this.timer = undefined;
    this.fn();
  };
}
