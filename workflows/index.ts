export { scaleUp } from './scale-up';
export { scaleDown, drainInstance } from './scale-down';
export { rollingUpdate } from './rolling-update';
export { autoscaleCheck } from './autoscale-check';
export { pgFailover } from './pg-failover';
export { pgSwitchover } from './pg-switchover';
export { pgMonitor } from './pg-monitor';
