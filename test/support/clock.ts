/** A clock tests move by hand: `now` for sharelock's `now` option, `advance(ms)` to pass time. */
export class FakeClock {
  #time: number;
  constructor(start = Date.UTC(2026, 0, 5, 12)) {
    this.#time = start;
  }
  readonly now = (): number => this.#time;
  advance(ms: number): void {
    this.#time += ms;
  }
}
