// Defence in depth: the workflows validate their inputs, but every activity that puts a
// name into a file path, an nginx config or a process/container also refuses an unsafe one
// itself, non-retryably. A name here is lowercase letters, digits and dashes: nothing a
// shell, nginx or a path could read as syntax ("..", "/", ";", newlines, spaces, quotes).
import { SERVICE_NAME_PATTERN } from '../../contracts/common/names';
import { isHost } from '../../shared/host-address';
import { FailureType, permanentFailure } from './errors';

/** Instance ids, as app/settings.ts accepts them for INSTANCE_ID. */
const INSTANCE_NAME_PATTERN = /^[a-z0-9][a-z0-9-]{0,62}$/;
const VERSION_PATTERN = /^[A-Za-z0-9._-]{1,40}$/;

function guard(kind: string, value: unknown, pattern: RegExp, rule: string): void {
  if (typeof value !== 'string' || !pattern.test(value) || value.includes('..')) {
    throw permanentFailure(
      FailureType.InvalidInput,
      `unsafe ${kind} ${JSON.stringify(value)}: a ${kind} must be ${rule}; refused before it reached a file, nginx or a process`,
    );
  }
}

export function guardServiceName(value: unknown): void {
  guard('service name', value, SERVICE_NAME_PATTERN, 'lowercase letters, digits and dashes, starting with a letter');
}

export function guardInstanceName(value: unknown): void {
  guard('instance name', value, INSTANCE_NAME_PATTERN, 'lowercase letters, digits and dashes');
}

export function guardVersion(value: unknown): void {
  guard('version', value, VERSION_PATTERN, 'letters, digits, ".", "_" or "-"');
}

/** A host that goes into an nginx `server` line or a URL: a hostname, an IPv4 or a bracketed IPv6 address, nothing else. */
export function guardHost(value: unknown): void {
  if (typeof value !== 'string' || !isHost(value)) {
    throw permanentFailure(
      FailureType.InvalidInput,
      `unsafe host ${JSON.stringify(value)}: a host must be a hostname or an IP address; refused before it reached nginx or a probe`,
    );
  }
}

export function guardPort(value: unknown): void {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 1 || value > 65535) {
    throw permanentFailure(FailureType.InvalidInput, `unsafe port ${JSON.stringify(value)}: a port must be a whole number from 1 to 65535`);
  }
}
