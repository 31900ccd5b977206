/** Ops: validate arguments, then dispatch to the current backend's kernel. No math lives here. */
export { conv2d } from './conv2d.js';
export { batchNorm2d } from './batch_norm.js';
export { relu, add, softmax } from './elementwise.js';
export { maxPool2d, adaptiveAvgPool2d, adaptiveMaxPool2d, zeroPadShortcut } from './pooling.js';
export { linear } from './linear.js';
export { roiAlign } from './roi_align.js';
export { accumulate, sgdStep } from './optim.js';
export { convOutputSize, adaptiveBin } from '../tensor/shapes.js';
export {
  conv2dBackward,
  batchNorm2dTrain,
  batchNorm2dBackward,
  reluBackward,
  maxPool2dBackward,
  adaptiveAvgPool2dBackward,
  linearBackward,
  zeroPadShortcutBackward,
  crossEntropy,
} from './backward.js';
