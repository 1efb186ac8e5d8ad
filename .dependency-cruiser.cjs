// The import rules of the house (README, "Folder map"). Each layer may import only what is
// listed for it; dependency-cruiser fails CI on any other edge. `type-only` edges from
// workflows to activities are allowed: that is how proxyActivities<typeof activities> works.
const ours = '^(contracts|policy|workflows|activities|read-models|workers|admin-api|shared|app|cli|config|testkit|test|bench)/';

function onlyMay(name, from, allowed, comment) {
  return {
    name,
    comment,
    severity: 'error',
    from: { path: from },
    to: { path: ours, pathNot: allowed },
  };
}

module.exports = {
  forbidden: [
    onlyMay('contracts-are-leaves', '^contracts/', '^contracts/', 'contracts hold shared types, IDs, signals, queries and failure types; they import no other layer'),
    onlyMay('policy-is-pure', '^policy/', '^(policy|contracts)/', 'policy imports nothing of ours but contracts'),
    {
      name: 'workflows-fence',
      comment: 'workflows import policy, contracts and activity types only',
      severity: 'error',
      from: { path: '^workflows/' },
      to: { path: ours, pathNot: '^(workflows|policy|contracts)/', dependencyTypesNot: ['type-only'] },
    },
    {
      name: 'workflows-types-from-activities-only',
      comment: 'workflows see activities only as `typeof activities` (activities/index.ts); shared data types live in contracts/',
      severity: 'error',
      from: { path: '^workflows/' },
      to: { path: ours, pathNot: '^(workflows|policy|contracts)/|^activities/index[.]ts$' },
    },
    onlyMay('activities-stay-down', '^activities/', '^(activities|policy|contracts|config|shared)/', 'activities never import workflows, workers, cli, read models or the app'),
    onlyMay('read-models', '^read-models/', '^(read-models|activities|policy|contracts|config|shared)/', 'read models read the platform and Temporal; nothing above them'),
    onlyMay('cli-through-temporal-and-read-models', '^cli/', '^(cli|read-models|policy|contracts|config)/', 'the CLI reaches the platform only through the Temporal client and the read models'),
    onlyMay('admin-api', '^admin-api/', '^(admin-api|read-models|policy|contracts|config|shared)/', 'the admin API serves read models'),
    onlyMay('config', '^config/', '^(config|policy|contracts|shared)/', 'configuration parsing is shared by every entry point'),
    onlyMay('app-is-independent', '^app/', '^(app|shared)/', 'the reference app knows nothing of the control plane; what both need is in shared/'),
    onlyMay('shared-is-a-leaf', '^shared/', '^shared/', 'shared code is used by the app and the control plane and imports neither'),
    onlyMay('bench-uses-testkit', '^bench/', '^(bench|testkit|contracts|policy|config|shared|read-models|activities|app)/', 'benches share code with tests through testkit/, never test/'),
    onlyMay('testkit', '^testkit/', '^(testkit|contracts|policy|config|shared|activities|read-models|app)/', 'testkit is what tests and benches share'),
    { name: 'no-circular', severity: 'error', from: {}, to: { circular: true } },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    exclude: { path: '^(dist|node_modules|bench/results)' },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    enhancedResolveOptions: { extensions: ['.ts', '.js', '.json'] },
  },
};
