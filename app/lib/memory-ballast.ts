// A ballast of resident memory the reference app holds on request, so a test can push an
// instance past its memory threshold for real (POST /api/admin/memory-ballast). Buffers are
// zero-filled at allocation, so every page is touched and counts in the RSS at once.

const CHUNK_MB = 8;
const MB = 1024 * 1024;

export function createMemoryBallast(maxMegabytes: number) {
  let chunks: Buffer[] = [];
  return {
    /** Holds exactly `megabytes` (rounded up to 8 MB chunks); 0 releases everything. */
    set(megabytes: number): number {
      if (!Number.isInteger(megabytes) || megabytes < 0 || megabytes > maxMegabytes) {
        throw new RangeError(`megabytes must be a whole number from 0 to ${maxMegabytes} (got ${JSON.stringify(megabytes)})`);
      }
      const wanted = Math.ceil(megabytes / CHUNK_MB);
      if (wanted < chunks.length) chunks = chunks.slice(0, wanted);
      while (chunks.length < wanted) chunks.push(Buffer.alloc(CHUNK_MB * MB, 1));
      return this.megabytes();
    },
    megabytes: () => chunks.length * CHUNK_MB,
  };
}

export type MemoryBallast = ReturnType<typeof createMemoryBallast>;
