import { Tensor } from '../../tensor/tensor.js';
export function crossEntropy(logits, labels, labelSmoothing) {
    const [N, K] = logits.shape;
    const grad = new Float32Array(N * K);
    let total = 0;
    for (let n = 0; n < N; n++) {
        const row = n * K;
        let m = -Infinity;
        for (let k = 0; k < K; k++)
            m = Math.max(m, logits.data[row + k]);
        let sum = 0;
        for (let k = 0; k < K; k++)
            sum += Math.exp(logits.data[row + k] - m);
        const logSum = Math.log(sum) + m;
        for (let k = 0; k < K; k++) {
            const q = (k === labels[n] ? 1 - labelSmoothing : 0) + labelSmoothing / K;
            const logp = logits.data[row + k] - logSum;
            total -= q * logp;
            grad[row + k] = (Math.exp(logp) - q) / N;
        }
    }
    return { loss: total / N, dlogits: new Tensor(grad, logits.shape) };
}
//# sourceMappingURL=cross_entropy.js.map