// The instance's dependency checks (PostgreSQL, Redis, ...): each bounded by a timeout, so
// a dependency that hangs counts as down, and the last results kept for readiness.

/** Rejects when `promise` takes longer than ms: a dependency that hangs counts as down. */
export function within<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} took longer than ${ms} ms`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

/** `checks`: each returns true when that dependency answers. */
export function createDependencyChecks(checks: Record<string, () => Promise<boolean>>, timeoutMs: number) {
  let results: Record<string, boolean> = {};
  return {
    /** Runs every check at once; one that throws or times out counts as false. */
    async run(): Promise<void> {
      const entries = await Promise.all(
        Object.entries(checks).map(
          async ([name, check]) => [name, await within(check(), timeoutMs, `check ${name}`).catch(() => false)] as const,
        ),
      );
      results = Object.fromEntries(entries);
    },
    /** True when every dependency answered its last check. */
    allOk: (): boolean => Object.keys(checks).every((name) => results[name] === true),
    results: (): Record<string, boolean> => ({ ...results }),
  };
}
