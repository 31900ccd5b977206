/**
 * Float32 elementary functions as PyTorch's CPU kernels compute them, where that differs from
 * rounding JavaScript's double-precision result.
 *
 * torch.exp on float32 runs SLEEF's expf_u10 (vectorized, AVX2 with FMA, in PyTorch 1.13 builds
 * without MKL such as the one the goldens come from), which is within 1 ulp but not correctly
 * rounded: fround(Math.exp(x)) differs from it for about 9 % of inputs. BoxCoder multiplies exp by
 * box sizes of hundreds of pixels, where one ulp is 6e-5..1e-4, so decoded boxes only agree with
 * torchvision to the bit (and NMS then makes the same decisions) with the same algorithm: Cody-Waite
 * reduction by ln 2, a degree-6 polynomial, scaling by 2^q. Matches torch on every one of 300,000
 * sampled inputs in [-103, 99].
 */
const f = Math.fround;
/** torch.round: to the nearest integer, halves to even. */
export function roundHalfEven(v) {
    const floor = Math.floor(v);
    const frac = v - floor;
    if (frac < 0.5)
        return floor;
    if (frac > 0.5)
        return floor + 1;
    return floor % 2 === 0 ? floor : floor + 1;
}
/** Float32 fused multiply-add a·b + c (a·b is exact in double for float32 a, b). */
const fma = (a, b, c) => f(a * b + c);
const R_LN2 = f(Math.LOG2E);
const L2U = f(0.693145751953125);
const L2L = f(1.428606765330187045e-6);
const EXP_POLY = [
    0.000198527617612853646278381, 0.00139304355252534151077271, 0.00833336077630519866943359,
    0.0416664853692054748535156, 0.166666671633720397949219, 0.5,
].map(f);
/** torch.exp of a float32 value (SLEEF xexpf, u10). */
export function expf(d) {
    if (Number.isNaN(d))
        return NaN;
    if (d < -104)
        return 0;
    if (d > 100)
        return Infinity;
    const q = roundHalfEven(f(d * R_LN2));
    let s = fma(q, -L2U, d);
    s = fma(q, -L2L, s);
    let u = EXP_POLY[0];
    for (let i = 1; i < EXP_POLY.length; i++)
        u = fma(u, s, EXP_POLY[i]);
    u = f(1 + fma(f(s * s), u, s));
    const half = q >> 1; // ldexp in two steps, as SLEEF's vldexp2
    return f(f(u * 2 ** half) * 2 ** (q - half));
}
//# sourceMappingURL=torch_math.js.map