// Per-key debouncing (vscode-free).
export class KeyedDebouncer<K> {
  private readonly timers = new Map<K, ReturnType<typeof setTimeout>>();
  constructor(
    private readonly delayMs: () => number,
    private readonly fire: (key: K) => void,
  ) {}
  schedule(key: K): void {
    const t = this.timers.get(key);
    if (t) clearTimeout(t);
    this.timers.set(
      key,
      setTimeout(() => {
        this.timers.delete(key);
        this.fire(key);
      }, this.delayMs()),
    );
  }
  cancel(key: K): void {
    const t = this.timers.get(key);
    if (t) clearTimeout(t);
    this.timers.delete(key);
  }
  dispose(): void {
    for (const t of this.timers.values()) clearTimeout(t);
    this.timers.clear();
  }
}

/** Runs `task` one at a time; requests arriving while it runs coalesce into one follow-up run. */
export class SerialRunner {
  private running: Promise<void> | undefined;
  private again = false;
  constructor(private readonly task: () => Promise<void>) {}
  get busy(): boolean {
    return !!this.running;
  }
  trigger(): Promise<void> {
    if (this.running) {
      this.again = true;
      return this.running;
    }
    const run = async () => {
      try {
        do {
          this.again = false;
          await this.task();
        } while (this.again);
      } finally {
        this.running = undefined;
      }
    };
    this.running = run();
    return this.running;
  }
}
