/** Reads and preprocesses one image for a model, naming the file when it cannot be used. */
import { preprocess } from '../data/transforms.js';
import { readImage } from '../io/image.js';
import { MIN_INPUT_SIZE } from '../model/resnet.js';
import { ShapeError } from '../errors.js';
export function imageTensor(file, preset) {
    const x = preprocess(readImage(file), preset);
    const [, , H, W] = x.shape;
    if (H < MIN_INPUT_SIZE || W < MIN_INPUT_SIZE) {
        throw new ShapeError(`${file}: the input is ${W}×${H} pixels after --preset ${preset}, smaller than the ${MIN_INPUT_SIZE}×${MIN_INPUT_SIZE} minimum of ResNet.`);
    }
    return x;
}
//# sourceMappingURL=input.js.map