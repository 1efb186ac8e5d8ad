// prom-client collects a registry's metrics concurrently: metrics that need the same slow read
// share one per scrape. The result is kept for a second after it settles, then read afresh.
export function oncePerScrape<T>(read: () => Promise<T>, keepMs = 1_000): () => Promise<T> {
  let pending: Promise<T> | undefined;
  return () => {
    pending ??= read().finally(() => setTimeout(() => (pending = undefined), keepMs));
    return pending;
  };
}
