/**
 * Deterministic weights from a rule that test/fixtures/rule_weights.py reproduces bit for bit, so
 * golden logits of full-size models can be committed without committing their weights.
 */
import { Tensor, shapeSize } from '../../src/tensor/tensor.js';
/** Gain on `…cls_score.weight` (detection classifiers), as in rule_weights.py. */
export const CLS_SCORE_GAIN = 20;
function fnv1a(key) {
    let h = 0x811c9dc5;
    for (let i = 0; i < key.length; i++) {
        h ^= key.charCodeAt(i);
        h = Math.imul(h, 0x01000193) >>> 0;
    }
    return h;
}
function uniform01(key, n) {
    const seed = fnv1a(key);
    const out = new Float64Array(n);
    for (let i = 0; i < n; i++) {
        let x = (seed ^ Math.imul(i, 0x9e3779b1)) >>> 0;
        x ^= x >>> 16;
        x = Math.imul(x, 0x85ebca6b) >>> 0;
        x ^= x >>> 13;
        x = Math.imul(x, 0xc2b2ae35) >>> 0;
        x ^= x >>> 16;
        out[i] = (x >>> 0) / 4294967296;
    }
    return out;
}
export function ruleTensor(key, shape) {
    const u = uniform01(key, shapeSize(shape));
    const leaf = key.slice(key.lastIndexOf('.') + 1);
    const data = new Float32Array(u.length);
    let f;
    if (leaf === 'num_batches_tracked')
        return new Tensor(data, shape, 'int64');
    if (leaf === 'weight' && shape.length === 4) {
        const bound = Math.sqrt(6 / (shape[1] * shape[2] * shape[3]));
        f = (v) => (2 * v - 1) * bound;
    }
    else if (leaf === 'weight' && shape.length === 2) {
        const bound = 1 / Math.sqrt(shape[1]);
        // Faster R-CNN's classifier: spread the softmax so some scores pass its 0.05 threshold.
        const gain = key.endsWith('cls_score.weight') ? CLS_SCORE_GAIN : 1;
        f = (v) => (2 * v - 1) * bound * gain;
    }
    else if (leaf === 'weight')
        f = (v) => 0.25 + 0.5 * v;
    else if (leaf === 'bias' && key.startsWith('fc'))
        f = (v) => 0.1 * (2 * v - 1);
    else if (leaf === 'bias' || leaf === 'running_mean')
        f = (v) => 0.2 * (2 * v - 1);
    else if (leaf === 'running_var')
        f = (v) => 0.5 + v;
    else if (leaf === 'input')
        f = (v) => 2 * v - 1;
    else
        throw new Error(`no rule for ${key}`);
    for (let i = 0; i < u.length; i++)
        data[i] = f(u[i]);
    return new Tensor(data, shape);
}
export function ruleStateDict(model) {
    return new Map([...model.stateDict()].map(([k, t]) => [k, ruleTensor(k, t.shape)]));
}
//# sourceMappingURL=rule_weights.js.map