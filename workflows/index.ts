export { scaleUp } from './scale-up';
export { scaleDown, drainInstance } from './scale-down';
export { rollingUpdate } from './rolling-update';
