import { imageTensor } from './input.js';
export const EMBED_LAYERS = ['pool', 'stem', 'layer1', 'layer2', 'layer3', 'layer4'];
export function isEmbedLayer(s) {
    return EMBED_LAYERS.includes(s);
}
export async function embedFiles(runner, files, layer, preset) {
    const embeddings = [];
    for (const file of files) {
        const t = await runner.features(imageTensor(file, preset), layer);
        embeddings.push({ file, layer, shape: t.shape.slice(1), data: t.data });
    }
    return embeddings;
}
//# sourceMappingURL=embed.js.map