// Builders for the numeric fields of operation inputs. Every message names the field and the
// rule, and the wording is part of the contract (the CLI shows it; the bad-input table checks it):
//   "<field> must be a number<unit>", "<field> must be a whole number",
//   "<field> must not be negative" (min 0) or "<field> must be at least <min><minNote>",
//   "<field> must be at most <max><maxNote>".
import { z } from 'zod';

export interface NumberRule {
  min: number;
  max?: number;
  /** Appended to the lower-bound message, e.g. " (one probe is a blip)". */
  minNote?: string;
  /** Appended to the upper-bound message, e.g. " (one day)". */
  maxNote?: string;
  /** Whole numbers only. */
  whole?: boolean;
  /** The message for a fraction; without it zod's own message is kept. */
  wholeMessage?: string;
}

/** A number within `rule`; `unit` completes "<field> must be a number", e.g. " of bytes". */
export function boundedNumber(field: string, unit: string, rule: NumberRule): z.ZodNumber {
  let schema = z.number({ error: `${field} must be a number${unit}` });
  if (rule.whole) schema = schema.int(rule.wholeMessage);
  const lower = rule.min === 0 ? `${field} must not be negative` : `${field} must be at least ${rule.min}${rule.minNote ?? ''}`;
  schema = schema.min(rule.min, lower);
  return rule.max === undefined ? schema : schema.max(rule.max, `${field} must be at most ${rule.max}${rule.maxNote ?? ''}`);
}

/** A whole number: a fraction is rejected with "<field> must be a whole number" unless `rule` names another message. */
export function wholeNumber(field: string, unit: string, rule: NumberRule): z.ZodNumber {
  return boundedNumber(field, unit, { wholeMessage: `${field} must be a whole number`, ...rule, whole: true });
}

/** A duration in seconds (fractions allowed); `example` adds ", such as <example>" to the type message. */
export function seconds(field: string, rule: NumberRule, example?: number): z.ZodNumber {
  return boundedNumber(field, ` of seconds${example === undefined ? '' : `, such as ${example}`}`, rule);
}

/** A duration in whole milliseconds. */
export function milliseconds(field: string, rule: NumberRule): z.ZodNumber {
  return boundedNumber(field, ' of milliseconds', { ...rule, whole: true });
}
