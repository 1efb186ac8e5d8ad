// The hooks nearly every test file on the shared stack needs: a Temporal client opened
// before its tests, the part of the platform it uses checked or reset on both sides, and
// the connection closed at the end, even when a test failed half-way.
import { after, before, beforeEach } from 'node:test';
import type { Client, Connection } from '@temporalio/client';
import { resetPlatform } from './platform';
import { temporalClient } from './stack';

export interface TemporalSession {
  /** Valid from the file's `before` hook on. */
  readonly client: Client;
}

export interface SessionHooks {
  /** Runs once the client is open, before the first test: check or set the platform's starting shape. */
  prepare?: (client: Client) => Promise<unknown>;
  /** Runs after the last test, before the connection closes: leave the platform as the next file expects it. */
  cleanUp?: (client: Client) => Promise<unknown>;
}

export function useTemporalSession(hooks: SessionHooks = {}): TemporalSession {
  let opened: { client: Client; connection: Connection } | undefined;
  before(async () => {
    opened = await temporalClient();
    await hooks.prepare?.(opened.client);
  });
  after(async () => {
    if (!opened) return;
    try {
      await hooks.cleanUp?.(opened.client);
    } finally {
      await opened.connection.close();
    }
  });
  return {
    get client(): Client {
      if (!opened) throw new Error('the Temporal client is opened in the before hook; use it inside a test');
      return opened.client;
    },
  };
}

export interface PlatformSessionOptions {
  /** Also reset before every test, for files whose tests each start from nothing. */
  resetBeforeEach?: boolean;
  /** Runs after the last test, before the final reset. */
  cleanUp?: (client: Client) => Promise<unknown>;
}

/** A session for the scaling tests: no instance, no scaling workflow and an empty upstream before and after the file. */
export function usePlatformSession(options: PlatformSessionOptions = {}): TemporalSession {
  const session = useTemporalSession({
    prepare: (client) => resetPlatform(client),
    cleanUp: async (client) => {
      await options.cleanUp?.(client);
      await resetPlatform(client);
    },
  });
  if (options.resetBeforeEach) beforeEach(() => resetPlatform(session.client));
  return session;
}
