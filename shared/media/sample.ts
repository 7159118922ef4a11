// A uniform random sample of a stream of unknown length in memory that does not grow with it
// (reservoir sampling, Vitter's algorithm R): after n items, each is in the sample with probability k/n.

export class Reservoir<T> {
  readonly #items: T[] = [];
  #seen = 0;

  constructor(
    readonly size: number,
    readonly random: () => number = Math.random,
  ) {}

  offer(item: T): void {
    this.#seen += 1;
    if (this.#items.length < this.size) {
      this.#items.push(item);
      return;
    }
    const slot = Math.floor(this.random() * this.#seen);
    if (slot < this.size) this.#items[slot] = item;
  }

  get seen(): number {
    return this.#seen;
  }

  items(): readonly T[] {
    return this.#items;
  }
}
