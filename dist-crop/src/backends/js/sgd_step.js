const f32 = Math.fround;
export function sgdStep(param, grad, momentumBuffer, p) {
    const value = param.data;
    const g = grad.data;
    const buf = momentumBuffer?.data;
    const wd = f32(p.weightDecay);
    const momentum = f32(p.momentum);
    const oneMinusDampening = f32(1 - p.dampening);
    const negLr = f32(-p.lr);
    for (let i = 0; i < value.length; i++) {
        let d = g[i];
        if (wd !== 0)
            d = f32(d + wd * value[i]);
        if (buf !== undefined) {
            buf[i] = p.firstStep ? d : f32(f32(buf[i] * momentum) + oneMinusDampening * d);
            d = p.nesterov ? f32(d + momentum * buf[i]) : buf[i];
        }
        value[i] = f32(value[i] + negLr * d);
    }
}
//# sourceMappingURL=sgd_step.js.map