import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { renderUpstream } from '../../activities/routing/nginx-config';
import { renderScrapeTargets } from '../../activities/routing/scrape-targets';

describe('rendering the nginx upstream', () => {
  it('lists members sorted by instance number, whatever order they came in', () => {
    const text = renderUpstream('jarvis-app', [
      { name: 'jarvis-app-10', port: 3110 },
      { name: 'jarvis-app-2', port: 3102 },
    ]);
    const servers = text.split('\n').filter((l) => l.trim().startsWith('server '));
    assert.deepEqual(
      servers.map((l) => l.trim()),
      [
        'server 127.0.0.1:3102 max_fails=3 fail_timeout=5s; # jarvis-app-2',
        'server 127.0.0.1:3110 max_fails=3 fail_timeout=5s; # jarvis-app-10',
      ],
    );
    assert.match(text, /^upstream jarvis-app \{$/m);
  });

  it('routes by a consistent hash of the affinity key, declared before keepalive as nginx requires', () => {
    const lines = renderUpstream('jarvis-app', [{ name: 'jarvis-app-1', port: 3101 }])
      .split('\n')
      .map((l) => l.trim());
    const hash = lines.indexOf('hash $affinity_key consistent;');
    assert.ok(hash > 0, 'the upstream must hash $affinity_key consistently');
    assert.ok(hash < lines.indexOf('keepalive 32;'), 'hash must come before keepalive');
  });

  it('keeps a valid upstream with a down placeholder when there are no members', () => {
    const text = renderUpstream('jarvis-app', []);
    assert.match(text, /server 127\.0\.0\.1:9 down;/);
  });

  it('with the health router’s routing: its weights, its ejections, and the new-member weight for a member it has not judged', () => {
    const members = [
      { name: 'jarvis-app-1', port: 3101, since: 11 },
      { name: 'jarvis-app-2', port: 3102, since: 12 },
      { name: 'jarvis-app-3', port: 3103, since: 13 },
      { name: 'jarvis-app-4', port: 3104, since: 14 },
    ];
    const routing = {
      newMemberWeight: 1,
      entries: {
        'jarvis-app-1': { since: 11, weight: 5, down: false },
        'jarvis-app-2': { since: 12, weight: 1, down: true },
        // An entry for an earlier jarvis-app-3 (another since) must not apply to this one.
        'jarvis-app-3': { since: 3, weight: 1, down: true },
      },
    };
    const servers = renderUpstream('jarvis-app', members, routing)
      .split('\n')
      .filter((l) => l.trim().startsWith('server '))
      .map((l) => l.trim());
    assert.deepEqual(servers, [
      'server 127.0.0.1:3101 weight=5 max_fails=3 fail_timeout=5s; # jarvis-app-1',
      'server 127.0.0.1:3102 down; # jarvis-app-2 (ejected by the health router)',
      'server 127.0.0.1:3103 weight=1 max_fails=3 fail_timeout=5s; # jarvis-app-3',
      'server 127.0.0.1:3104 weight=1 max_fails=3 fail_timeout=5s; # jarvis-app-4',
    ]);
  });

  it('renders Prometheus file_sd targets on loopback only', () => {
    const groups = JSON.parse(renderScrapeTargets('jarvis-app', [{ name: 'jarvis-app-1', port: 3101 }]));
    assert.deepEqual(groups, [{ targets: ['127.0.0.1:3101'], labels: { service: 'jarvis-app', instance_name: 'jarvis-app-1' } }]);
  });
});
