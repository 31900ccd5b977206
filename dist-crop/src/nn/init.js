/** fan_in and fan_out of a conv (OC,C,KH,KW) or linear (OUT,IN) weight, as torch.nn.init computes them. */
export function fans(weight) {
    const receptive = weight.shape.slice(2).reduce((a, b) => a * b, 1);
    return { fanIn: weight.shape[1] * receptive, fanOut: weight.shape[0] * receptive };
}
/** kaiming_normal_(mode='fan_out', nonlinearity='relu'): N(0, 2 / fan_out). */
export function kaimingNormalFanOut(weight, rng) {
    const std = Math.sqrt(2 / fans(weight).fanOut);
    for (let i = 0; i < weight.size; i++)
        weight.data[i] = rng.normal() * std;
}
/** U(-bound, bound). */
export function uniform(t, bound, rng) {
    for (let i = 0; i < t.size; i++)
        t.data[i] = (2 * rng.uniform() - 1) * bound;
}
export function fill(t, value) {
    t.data.fill(value);
}
//# sourceMappingURL=init.js.map