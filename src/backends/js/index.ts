/** The reference backend: every kernel in plain TypeScript, registered in one explicit list. */
import type { Backend } from '../backend.js';
import { adaptiveAvgPool2d, adaptiveMaxPool2d } from './adaptive_pool2d.js';
import { add } from './add.js';
import { batchNorm2d } from './batch_norm2d.js';
import { conv2d } from './conv2d.js';
import { linear } from './linear.js';
import { maxPool2d } from './max_pool2d.js';
import { relu } from './relu.js';
import { softmax } from './softmax.js';
import { zeroPadShortcut } from './zero_pad_shortcut.js';

export function createJsBackend(): Backend {
  return {
    name: 'js',
    conv2d,
    batchNorm2d,
    relu,
    maxPool2d,
    adaptiveAvgPool2d,
    adaptiveMaxPool2d,
    add,
    linear,
    softmax,
    zeroPadShortcut,
  };
}
