/** A binary min-heap of timed events; ties keep insertion order, so play is deterministic. */
export class EventQueue<T> {
  readonly #times: number[] = [];
  readonly #seqs: number[] = [];
  readonly #items: T[] = [];
  #seq = 0;

  get size(): number {
    return this.#items.length;
  }

  push(at: number, item: T): void {
    let i = this.#items.length;
    this.#times.push(at);
    this.#seqs.push(this.#seq++);
    this.#items.push(item);
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (!this.#before(i, parent)) break;
      this.#swap(i, parent);
      i = parent;
    }
  }

  /** The earliest event, or `undefined` when empty. */
  pop(): { at: number; item: T } | undefined {
    if (this.#items.length === 0) return undefined;
    const top = { at: this.#times[0]!, item: this.#items[0]! };
    const last = this.#items.length - 1;
    this.#swap(0, last);
    this.#times.pop();
    this.#seqs.pop();
    this.#items.pop();
    let i = 0;
    for (;;) {
      const l = 2 * i + 1;
      const r = l + 1;
      let m = i;
      if (l < this.#items.length && this.#before(l, m)) m = l;
      if (r < this.#items.length && this.#before(r, m)) m = r;
      if (m === i) break;
      this.#swap(i, m);
      i = m;
    }
    return top;
  }

  #before(a: number, b: number): boolean {
    return this.#times[a]! < this.#times[b]! || (this.#times[a] === this.#times[b] && this.#seqs[a]! < this.#seqs[b]!);
  }

  #swap(a: number, b: number): void {
    [this.#times[a], this.#times[b]] = [this.#times[b]!, this.#times[a]!];
    [this.#seqs[a], this.#seqs[b]] = [this.#seqs[b]!, this.#seqs[a]!];
    [this.#items[a], this.#items[b]] = [this.#items[b]!, this.#items[a]!];
  }
}
