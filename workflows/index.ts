export { scaleUp } from './scale-up';
export { redisReshard } from './redis-reshard';
export { redisRebalance } from './redis-rebalance';
export { redisAddNode } from './redis-add-node';
export { redisRemoveNode } from './redis-remove-node';
export { redisFailover } from './redis-failover';
export { redisFix } from './redis-fix';
