/**
 * Failure types a caller must be able to tell apart, shared by workflows, activities,
 * the CLI and tests. Each is raised as non-retryable: the input or the world must change first.
 */
export const FailureType = {
  InvalidInput: 'InvalidInput',
  UnknownService: 'UnknownService',
  UnknownInstance: 'UnknownInstance',
  LimitExceeded: 'LimitExceeded',
  OperationInProgress: 'OperationInProgress',
  InstanceUnhealthy: 'InstanceUnhealthy',
  RollingUpdateRolledBack: 'RollingUpdateRolledBack',
  NameConflict: 'NameConflict',
  LoadBalancerConfigInvalid: 'LoadBalancerConfigInvalid',
  // The kubernetes driver: RBAC forbids a verb, the Deployment or namespace is missing, an HPA owns the count.
  PermissionDenied: 'PermissionDenied',
  OrchestratorResourceMissing: 'OrchestratorResourceMissing',
  ConflictingAutoscaler: 'ConflictingAutoscaler',
  NotServedThroughLoadBalancer: 'NotServedThroughLoadBalancer',
  // PostgreSQL HA (pgFailover, pgSwitchover, pgMonitor)
  NoPrimaryKnown: 'NoPrimaryKnown',
  NoFailoverCandidate: 'NoFailoverCandidate',
  FailoverNotApproved: 'FailoverNotApproved',
  SwitchoverTargetNotReady: 'SwitchoverTargetNotReady',
  PgServerUnreachable: 'PgServerUnreachable',
  PgPromotionFailed: 'PgPromotionFailed',
  PgRejoinFailed: 'PgRejoinFailed',
  // Redis Cluster topology operations
  UnknownNode: 'UnknownNode',
  NotAMaster: 'NotAMaster',
  NotEnoughSlots: 'NotEnoughSlots',
  NodeNotEmpty: 'NodeNotEmpty',
  ClusterNotHealthy: 'ClusterNotHealthy',
  SlotConflict: 'SlotConflict',
  FixRefused: 'FixRefused',
  // Retryable, unlike the rest: the activity's own retry resumes the slot from its real state.
  MigrateIoError: 'MigrateIoError',
  SlotViewsDisagree: 'SlotViewsDisagree',
} as const;

export type FailureTypeName = (typeof FailureType)[keyof typeof FailureType];
