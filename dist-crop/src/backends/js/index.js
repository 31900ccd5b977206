import { adaptiveAvgPool2d, adaptiveMaxPool2d } from './adaptive_pool2d.js';
import { add } from './add.js';
import { batchNorm2d } from './batch_norm2d.js';
import { conv2d } from './conv2d.js';
import { linear } from './linear.js';
import { maxPool2d } from './max_pool2d.js';
import { relu } from './relu.js';
import { roiAlign } from './roi_align.js';
import { softmax } from './softmax.js';
import { zeroPadShortcut } from './zero_pad_shortcut.js';
import { adaptiveAvgPool2dBackward } from './adaptive_avg_pool2d_backward.js';
import { batchNorm2dBackward, batchNorm2dTrain } from './batch_norm2d_train.js';
import { conv2dBackward } from './conv2d_backward.js';
import { crossEntropy } from './cross_entropy.js';
import { linearBackward } from './linear_backward.js';
import { maxPool2dBackward } from './max_pool2d_backward.js';
import { reluBackward } from './relu_backward.js';
import { zeroPadShortcutBackward } from './zero_pad_shortcut_backward.js';
import { accumulate } from './accumulate.js';
import { sgdStep } from './sgd_step.js';
export function createJsBackend() {
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
        roiAlign,
        conv2dBackward,
        batchNorm2dTrain,
        batchNorm2dBackward,
        reluBackward,
        maxPool2dBackward,
        adaptiveAvgPool2dBackward,
        linearBackward,
        crossEntropy,
        zeroPadShortcutBackward,
        accumulate,
        sgdStep,
    };
}
//# sourceMappingURL=index.js.map