// Small zod builders shared by the environment schemas. Every variable gets a description
// (rendered into docs/configuration.md by scripts/generate-config-reference.ts).
import path from 'node:path';
import { z } from 'zod';

/** The repository root, from dist/config/ or config/ alike; defaults that are paths start here. */
export const repoRoot = path.resolve(__dirname, '..', '..');

/** A whole number in [min, max], read from a string. */
export const int = (min: number, max: number) => z.coerce.number().int().min(min).max(max);

/** Any number, read from a string. */
export const num = () => z.coerce.number({ error: 'must be a number' });

/** "true" or "false". */
export const flag = () => z.enum(['true', 'false'], { error: 'must be true or false' });

/**
 * Documents a variable: what it does, and, when its default is computed from other
 * variables, the default in words (`shownDefault`).
 */
export function doc<T extends z.ZodType>(schema: T, description: string, shownDefault?: string): T {
  return schema.meta(shownDefault === undefined ? { description } : { description, shownDefault });
}
