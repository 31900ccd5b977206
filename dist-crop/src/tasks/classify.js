import { imageTensor } from './input.js';
import { softmax } from '../ops/index.js';
import { UserError } from '../errors.js';
/** Top-k of one row of probabilities. */
export function topK(probabilities, k, labels) {
    const order = Array.from({ length: probabilities.length }, (_, i) => i);
    order.sort((a, b) => probabilities[b] - probabilities[a] || a - b);
    return order.slice(0, k).map((index) => ({ index, label: labels[index], score: probabilities[index] }));
}
export async function classifyFiles(runner, files, options) {
    const k = options.topK ?? 5;
    if (!Number.isInteger(k) || k < 1)
        throw new UserError(`--top must be a positive integer, got ${k}.`);
    const results = [];
    for (const file of files) {
        const logits = await runner.forward(imageTensor(file, options.preset));
        const probabilities = softmax(logits).data;
        const result = {
            file,
            top: topK(probabilities, Math.min(k, probabilities.length), options.labels),
        };
        if (options.logits === true)
            result.logits = Array.from(logits.data);
        results.push(result);
    }
    return results;
}
//# sourceMappingURL=classify.js.map