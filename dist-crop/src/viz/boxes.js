import { drawText, LINE_HEIGHT, textWidth } from './font.js';
import { fillRect, strokeRect } from './overlay.js';
/** Distinct, saturated colours that stay readable under white text; a class keeps its colour. */
const PALETTE = [
    [230, 25, 75],
    [60, 140, 60],
    [0, 110, 200],
    [245, 130, 48],
    [145, 30, 180],
    [0, 128, 128],
    [200, 40, 200],
    [128, 96, 0],
    [80, 80, 200],
    [170, 60, 40],
];
const TEXT = [255, 255, 255];
export function boxColor(labelIndex) {
    return PALETTE[((labelIndex % PALETTE.length) + PALETTE.length) % PALETTE.length];
}
/** A copy of `image` with every box outlined and captioned `label 0.93`; the highest score is drawn last (on top). */
export function drawDetections(image, boxes) {
    const img = { width: image.width, height: image.height, data: image.data.slice() };
    const side = Math.min(img.width, img.height);
    const thickness = Math.max(1, Math.round(side / 300));
    const scale = Math.max(1, Math.round(side / 400));
    const ordered = [...boxes].sort((a, b) => a.score - b.score);
    for (const d of ordered) {
        const color = boxColor(d.labelIndex);
        const [x0, y0, x1, y1] = d.box.map(Math.round);
        strokeRect(img, [x0, y0, Math.max(x1, x0 + 1), Math.max(y1, y0 + 1)], color, thickness);
        const caption = `${d.label} ${d.score.toFixed(2)}`;
        const tabW = textWidth(caption, scale) + 2 * scale;
        const tabH = LINE_HEIGHT * scale;
        const top = y0 - tabH >= 0 ? y0 - tabH : y0;
        fillRect(img, x0, top, x0 + tabW, top + tabH, color);
        drawText(img, caption, x0 + scale, top + scale, TEXT, { scale });
    }
    return img;
}
//# sourceMappingURL=boxes.js.map