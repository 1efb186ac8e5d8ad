export { scaleUp } from './scale-up';
export { scaleDown, drainInstance } from './scale-down';
