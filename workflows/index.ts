export { scaleUp } from './scale-up';
