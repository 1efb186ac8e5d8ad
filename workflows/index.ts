export { scaleUp } from './scale-up';
export { pgFailover } from './pg-failover';
export { pgSwitchover } from './pg-switchover';
export { pgMonitor } from './pg-monitor';
