// The instance's entry point: the settings are read and every configured hostname is looked up
// before anything connects or listens, so a bad value (a Redis node or a database host that
// does not resolve) exits with code 2 and a message naming its setting, and starts nothing.
import { unresolvedHosts } from '../shared/host-resolution';
import { readAppSettings, type AppSettings } from './settings';

function settingHosts(settings: AppSettings) {
  return [
    ...settings.redisNodes.map((n) => ({ setting: 'REDIS_CLUSTER_NODES', host: n.host })),
    { setting: 'DATABASE_URL', host: new URL(settings.databaseUrl).hostname },
    ...settings.replicaUrls.map((r, i) => ({ setting: `READ_REPLICA_${i + 1}_URL`, host: new URL(r.url).hostname })),
    { setting: 'HOST', host: settings.host },
  ];
}

void unresolvedHosts(settingHosts(readAppSettings(process.env))).then((problems) => {
  if (problems.length > 0) {
    process.stderr.write(`invalid app configuration: ${problems.join('; ')}\n`);
    process.exit(2);
  }
  return import('./instance-server');
});
