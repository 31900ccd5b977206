/** Reference gradient of the zero-pad shortcut: the first C channels of dout go back to the strided pixels. */
import { Tensor } from '../../tensor/tensor.js';
export declare function zeroPadShortcutBackward(dout: Tensor, inputShape: readonly number[], stride: number): Tensor;
