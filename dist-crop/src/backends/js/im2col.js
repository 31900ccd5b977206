/** Unfold input patches: col[(c*KH + kh)*KW + kw][oh*OW + ow] = x[c][oh*s - p + kh*d][ow*s - p + kw*d]. */
export function im2col(x, offset, C, H, W, KH, KW, OH, OW, params, col) {
    const [sh, sw] = params.stride;
    const [ph, pw] = params.padding;
    const [dh, dw] = params.dilation;
    let row = 0;
    for (let c = 0; c < C; c++) {
        const plane = offset + c * H * W;
        for (let kh = 0; kh < KH; kh++) {
            for (let kw = 0; kw < KW; kw++) {
                let dst = row * OH * OW;
                for (let oh = 0; oh < OH; oh++) {
                    const ih = oh * sh - ph + kh * dh;
                    if (ih < 0 || ih >= H) {
                        col.fill(0, dst, dst + OW);
                        dst += OW;
                        continue;
                    }
                    const src = plane + ih * W;
                    for (let ow = 0; ow < OW; ow++) {
                        const iw = ow * sw - pw + kw * dw;
                        col[dst++] = iw >= 0 && iw < W ? x[src + iw] : 0;
                    }
                }
                row++;
            }
        }
    }
}
/** Adjoint of im2col: x[c][ih][iw] += col[(c*KH + kh)*KW + kw][oh*OW + ow] for every tap inside the image. */
export function col2im(col, C, H, W, KH, KW, OH, OW, params, x, offset) {
    const [sh, sw] = params.stride;
    const [ph, pw] = params.padding;
    const [dh, dw] = params.dilation;
    let row = 0;
    for (let c = 0; c < C; c++) {
        const plane = offset + c * H * W;
        for (let kh = 0; kh < KH; kh++) {
            for (let kw = 0; kw < KW; kw++) {
                let src = row * OH * OW;
                for (let oh = 0; oh < OH; oh++) {
                    const ih = oh * sh - ph + kh * dh;
                    if (ih < 0 || ih >= H) {
                        src += OW;
                        continue;
                    }
                    const dst = plane + ih * W;
                    for (let ow = 0; ow < OW; ow++, src++) {
                        const iw = ow * sw - pw + kw * dw;
                        if (iw >= 0 && iw < W)
                            x[dst + iw] += col[src];
                    }
                }
                row++;
            }
        }
    }
}
//# sourceMappingURL=im2col.js.map