/**
 * The web page: weights from a file or a URL, an image from a file, a drop, a paste or the camera;
 * the top-5 with bars, a Grad-CAM overlay with its box, where the model runs (backend, WebAssembly
 * build, threads) and the times the worker measured. A download can be stopped. The model lives in
 * the library's worker (worker.js next to this bundle), so the page only draws.
 *
 * What the page shows is also on `window.resnet50Page` (PageState) for tests and benchmarks:
 * the logits of the last image, the longest main-thread task while it ran, and when the first
 * result appeared. `?weights=URL` loads weights at start, `?backend=NAME` picks a backend.
 *
 * Sent by `resnet50 serve` (its page has the server's tag, src/serve/page_config.ts), the page runs
 * in server mode: no weights, no model in the browser; each image goes to the server's
 * /v1/classify (and /v1/cam for the overlay), with the access token when the server needs one, and
 * the page shows the same top-5 and the times the server measured.
 */
import { createClassifier, type Classifier } from '../../src/browser.js';
import type { CamAnswer, ClassifyResult, Prediction, SessionInfo } from '../../src/browser.js';
import { readServeConfig } from '../../src/serve/page_config.js';
import type { PageState } from './page_state.js';
import { responsiveness } from './responsiveness.js';
import { postImage, ServerError, uploadable, type ServerTime } from './serve_client.js';

const server = readServeConfig(document);

const state: PageState = {
  mode: server === null ? 'browser' : 'server',
  phase: server === null ? 'idle' : 'ready',
  message: '',
  download: null,
  backend: null,
  engine: null,
  result: null,
  cam: null,
  mainThread: null,
  firstResultAt: null,
  images: 0,
};
window.resnet50Page = state;

function element<T extends HTMLElement>(id: string, type: { new (): T }): T {
  const e = document.getElementById(id);
  if (!(e instanceof type)) throw new Error(`the page has no #${id}`);
  return e;
}

const ui = {
  backendBadge: element('backend-badge', HTMLElement),
  isolationBadge: element('isolation-badge', HTMLElement),
  weightsFile: element('weights-file', HTMLInputElement),
  weightsForm: element('weights-url-form', HTMLFormElement),
  weightsUrl: element('weights-url', HTMLInputElement),
  progress: element('weights-progress', HTMLProgressElement),
  stop: element('weights-stop', HTMLButtonElement),
  weightsStatus: element('weights-status', HTMLElement),
  weightsCard: element('weights-card', HTMLElement),
  serverCard: element('server-card', HTMLElement),
  serverStatus: element('server-status', HTMLElement),
  tokenForm: element('token-form', HTMLFormElement),
  token: element('token', HTMLInputElement),
  subtitle: element('subtitle', HTMLElement),
  footer: element('footer', HTMLElement),
  drop: element('drop', HTMLElement),
  imageFile: element('image-file', HTMLInputElement),
  cameraButton: element('camera-button', HTMLButtonElement),
  camera: element('camera', HTMLElement),
  cameraVideo: element('camera-video', HTMLVideoElement),
  cameraSnap: element('camera-snap', HTMLButtonElement),
  cameraClose: element('camera-close', HTMLButtonElement),
  resultCard: element('result-card', HTMLElement),
  view: element('view', HTMLCanvasElement),
  camCaption: element('cam-caption', HTMLElement),
  top: element('top', HTMLOListElement),
  stats: element('stats', HTMLElement),
};

const params = new URLSearchParams(location.search);
const requestedBackend = params.get('backend') ?? undefined;

ui.isolationBadge.textContent = crossOriginIsolated ? 'threads allowed' : 'one thread';
ui.isolationBadge.title = crossOriginIsolated
  ? 'the page is cross-origin isolated: a backend may use several threads'
  : 'served without COOP/COEP headers: the model runs on one thread';

let classifier: Classifier | null = null;
/** Classifiers that ran an image already (the first run also prepares the model). */
const warm = new WeakSet<Classifier>();
/** Stops the load in progress (the Stop button). */
let stopLoad: AbortController | null = null;
/** The image waiting for weights, or the last one (run again when other weights load). */
let image: { source: Blob | HTMLCanvasElement; bitmap: ImageBitmap } | null = null;
/** Each load and each image run gets a number; what an older one finishes is dropped. */
let loads = 0;
let runs = 0;

function setStatus(text: string, kind: 'info' | 'error' | 'ok' = 'info'): void {
  const status = server === null ? ui.weightsStatus : ui.serverStatus;
  status.textContent = text;
  status.dataset.kind = kind;
  state.message = text;
}

const fmtBytes = (n: number): string =>
  n >= 1024 * 1024 ? `${(n / 1024 / 1024).toFixed(1)} MiB` : `${Math.ceil(n / 1024)} KiB`;

/** Loads weights (a File or a URL) into a new classifier, replacing the old one. */
async function loadWeights(weights: File | string): Promise<void> {
  const mine = ++loads;
  runs++; // a run on the old classifier is dropped
  state.phase = 'loading';
  const old = classifier;
  classifier = null;
  await old?.dispose();
  const name = typeof weights === 'string' ? weights : weights.name;
  setStatus(typeof weights === 'string' ? `Downloading ${name}…` : `Reading ${name}…`);
  ui.progress.hidden = false;
  ui.progress.removeAttribute('value'); // indeterminate until the first progress event
  ui.backendBadge.textContent = 'loading…';
  stopLoad?.abort();
  const stop = new AbortController();
  stopLoad = stop;
  ui.stop.hidden = typeof weights !== 'string';
  try {
    const created = await createClassifier({
      weights,
      backend: requestedBackend,
      signal: stop.signal,
      worker: new Worker(new URL('./worker.js', import.meta.url), { type: 'module', name: 'resnet50' }),
      onProgress: ({ loaded, total, cached }) => {
        if (mine !== loads) return;
        state.download = { loaded, total, cached };
        if (total !== null && total > 0) ui.progress.value = loaded / total;
        setStatus(
          cached
            ? `${name}: from the cache (${fmtBytes(loaded)}).`
            : `Downloading: ${fmtBytes(loaded)}${total === null ? '' : ` of ${fmtBytes(total)}`}`,
        );
      },
    });
    if (mine !== loads) {
      await created.dispose();
      return;
    }
    classifier = created;
    const { info } = created;
    state.backend = info.backend;
    state.engine = { backend: info.backend, build: info.build, threads: info.threads };
    state.phase = 'ready';
    ui.backendBadge.textContent = engineText(info);
    setStatus(`${name}: ${info.arch}, ${info.numClasses} classes, on the ${info.backend} backend.`, 'ok');
    ui.progress.hidden = true;
    if (image !== null) await run();
  } catch (e) {
    if (mine !== loads) return;
    state.phase = 'error';
    ui.backendBadge.textContent = 'no model';
    if (stop.signal.aborted) setStatus(`Stopped: ${name} was not loaded; nothing of it was kept.`, 'error');
    else setStatus((e as Error).message, 'error');
  } finally {
    if (mine === loads) {
      ui.progress.hidden = true;
      ui.stop.hidden = true;
      stopLoad = null;
    }
  }
}

/** Where the model runs: `wasm (relaxed SIMD, 2 threads)`, or the backend's name. */
function engineText(info: SessionInfo): string {
  const threads = `${info.threads} thread${info.threads === 1 ? '' : 's'}`;
  return info.build === null
    ? `${info.backend}, ${threads}`
    : `${info.backend} (${info.build} SIMD), ${threads}`;
}

const fmtMs = (ms: number): string => `${ms < 10 ? ms.toFixed(1) : ms.toFixed(0)} ms`;

/** Shows a new image and runs it when weights are loaded. */
async function setImage(source: Blob | HTMLCanvasElement): Promise<void> {
  let bitmap: ImageBitmap;
  try {
    bitmap = await createImageBitmap(source);
  } catch {
    setStatus('That file is not an image this browser can read.', 'error');
    return;
  }
  image?.bitmap.close();
  image = { source, bitmap };
  ui.resultCard.hidden = false;
  drawImage(bitmap);
  ui.top.replaceChildren();
  ui.stats.replaceChildren();
  ui.camCaption.textContent = '';
  if (server !== null) {
    await runOnServer();
    return;
  }
  if (classifier === null) {
    if (state.phase !== 'loading') {
      setStatus('Now choose weights: open a .safetensors or .pth file, or give a URL.', 'error');
    }
    return;
  }
  await run();
}

/** Classifies the current image and computes its Grad-CAM in one request (one decode in the worker). */
async function run(): Promise<void> {
  if (classifier === null || image === null) return;
  const mine = ++runs;
  const { source, bitmap } = image;
  const ran = classifier;
  const { info } = ran;
  state.phase = 'running';
  state.cam = null;
  ui.resultCard.classList.add('busy');
  ui.stats.replaceChildren(stat('status', 'classifying…'));
  const watch = responsiveness();
  try {
    const t0 = performance.now();
    const { classify: result, cam } = await ran.analyze(source, { topK: 5 });
    const ms = performance.now() - t0;
    if (mine !== runs) return;
    state.result = { top: result.top, logits: Array.from(result.logits), ms, timings: result.timings };
    state.firstResultAt ??= performance.now();
    showTop(result);
    state.cam = { classIndex: cam.classIndex, box: cam.box, timings: cam.timings };
    drawImage(bitmap, cam);
    ui.camCaption.textContent = `Grad-CAM of “${cam.label}” (layer4); the box holds the strongest region.`;
    ui.stats.replaceChildren(
      stat(
        'inference (worker)',
        // The backend prepares the model (e.g. packs the weights) on the first image it runs.
        `${fmtMs(result.timings.inferenceMs)}${warm.has(ran) ? '' : ' (first image: includes preparing the model)'}`,
      ),
      stat('decode + preprocess', fmtMs(result.timings.preprocessMs)),
      stat('Grad-CAM (worker)', fmtMs(cam.timings.inferenceMs)),
      stat('backend', info.backend),
      stat('build', info.build === null ? 'none (JavaScript)' : `${info.build} SIMD`),
      stat('threads', String(info.threads)),
      stat('model', `${info.arch}, ${info.numClasses} classes`),
      stat('round trip', fmtMs(ms)),
    );
    state.mainThread = watch.stop();
    ui.stats.append(stat('longest main-thread task', `${state.mainThread.longestTaskMs.toFixed(0)} ms`));
    state.phase = 'done';
    state.images++;
    warm.add(ran);
  } catch (e) {
    if (mine !== runs) return;
    state.phase = 'error';
    ui.stats.replaceChildren(stat('error', (e as Error).message));
  } finally {
    if (mine === runs) {
      watch.stop();
      ui.resultCard.classList.remove('busy');
    }
  }
}

/** The session's token for a server that needs one (kept until the tab closes). */
const TOKEN_KEY = 'resnet50-serve-token';
const token = (): string => ui.token.value.trim();

/** Server mode: the current image through /v1/classify, then its Grad-CAM from /v1/cam. */
async function runOnServer(): Promise<void> {
  if (server === null || image === null) return;
  const mine = ++runs;
  const { source, bitmap } = image;
  state.phase = 'running';
  state.cam = null;
  ui.resultCard.classList.add('busy');
  ui.stats.replaceChildren(stat('status', 'sending to the server…'));
  const watch = responsiveness();
  const time = (t: ServerTime | undefined): string => (t === undefined ? '—' : fmtMs(t.ms));
  try {
    const { blob, name } = await uploadable(source, bitmap);
    const t0 = performance.now();
    const { body, times } = await postImage<{ top: Prediction[]; logits: number[] }>(
      './v1/classify?top=5&logits=true',
      blob,
      name,
      token(),
    );
    const ms = performance.now() - t0;
    if (mine !== runs) return;
    state.result = {
      top: body.top,
      logits: body.logits,
      ms,
      timings: { preprocessMs: times.decode?.ms ?? NaN, inferenceMs: times.inference?.ms ?? NaN },
    };
    state.firstResultAt ??= performance.now();
    showTop(body);
    const rows = [
      stat('inference (server)', `${time(times.inference)} (${times.inference?.desc ?? 'one image'})`),
      stat('decode + preprocess (server)', time(times.decode)),
      stat('queue (server)', time(times.queue)),
      stat('server', server.model?.backend ?? 'resnet50 serve'),
      ...(server.model === undefined
        ? []
        : [
            stat(
              'model',
              `${server.model.arch}, ${server.model.numClasses} classes (${server.model.weights})`,
            ),
          ]),
      stat('round trip', fmtMs(ms)),
    ];
    ui.stats.replaceChildren(...rows);
    setStatus(`${name}: classified by the server.`, 'ok');
    if (server.tasks.includes('cam') && body.top[0] !== undefined) {
      const cam = await postImage<CamJson>(`./v1/cam?class=${body.top[0].classIndex}`, blob, name, token());
      if (mine !== runs) return;
      const camMs = cam.times.cam?.ms ?? NaN;
      state.cam = {
        classIndex: cam.body.classIndex,
        box: cam.body.box,
        // The server times CAM as a whole (decoding included).
        timings: { preprocessMs: 0, inferenceMs: camMs },
      };
      drawImage(bitmap, cam.body);
      ui.camCaption.textContent = `Grad-CAM of “${cam.body.label}” (layer4) from the server; the box holds the strongest region.`;
      ui.stats.append(stat('Grad-CAM (server)', time(cam.times.cam)));
    }
    state.mainThread = watch.stop();
    state.phase = 'done';
    state.images++;
  } catch (e) {
    if (mine !== runs) return;
    state.phase = 'error';
    const needsToken = e instanceof ServerError && e.status === 401;
    const message = needsToken
      ? token() === ''
        ? 'This server needs its access token: enter it above, then choose the image again.'
        : 'The server refused this token: check it, then choose the image again.'
      : (e as Error).message;
    setStatus(message, 'error');
    ui.stats.replaceChildren(stat('error', message));
    if (needsToken) {
      ui.tokenForm.hidden = false;
      ui.token.focus();
    }
  } finally {
    if (mine === runs) {
      watch.stop();
      ui.resultCard.classList.remove('busy');
    }
  }
}

/** /v1/cam's JSON (cam --json). */
interface CamJson {
  classIndex: number;
  label: string;
  heatmap: Heatmap;
  box: CamAnswer['box'];
}

function stat(name: string, value: string): DocumentFragment {
  const f = document.createDocumentFragment();
  const dt = document.createElement('dt');
  dt.textContent = name;
  const dd = document.createElement('dd');
  dd.textContent = value;
  f.append(dt, dd);
  return f;
}

function showTop({ top }: Pick<ClassifyResult, 'top'>): void {
  const best = top[0]?.score ?? 1;
  ui.top.replaceChildren(
    ...top.map((p) => {
      const li = document.createElement('li');
      li.dataset.classIndex = String(p.classIndex);
      li.dataset.score = String(p.score);
      const label = document.createElement('span');
      label.className = 'label';
      label.textContent = p.label;
      label.title = `class ${p.classIndex}`;
      const value = document.createElement('span');
      value.className = 'value';
      value.textContent = `${(100 * p.score).toFixed(p.score < 0.1 ? 2 : 1)}%`;
      const bar = document.createElement('span');
      bar.className = 'bar';
      // Bars relative to the top-1, so small probabilities of an untrained head still compare.
      bar.style.setProperty('--fill', String(best > 0 ? p.score / best : 0));
      li.append(label, value, bar);
      return li;
    }),
  );
}

/** A perceptual colour map (turbo-like) for the heatmap: 0 → dark blue, 1 → red. */
function colour(v: number): [number, number, number] {
  const stops: [number, number, number][] = [
    [48, 18, 59],
    [70, 134, 251],
    [27, 229, 181],
    [164, 252, 60],
    [251, 185, 56],
    [228, 70, 10],
    [122, 4, 3],
  ];
  const x = Math.min(Math.max(v, 0), 1) * (stops.length - 1);
  const i = Math.min(Math.floor(x), stops.length - 2);
  const t = x - i;
  const a = stops[i]!;
  const b = stops[i + 1]!;
  return [0, 1, 2].map((k) => Math.round(a[k]! + (b[k]! - a[k]!) * t)) as [number, number, number];
}

/** A CAM's map, from the worker (Float32Array) or the server (JSON numbers). */
interface Heatmap {
  width: number;
  height: number;
  data: ArrayLike<number>;
}

/** Draws the image to fit the view, and the CAM (upsampled smoothly) and its box over it. */
function drawImage(bitmap: ImageBitmap, cam?: { heatmap: Heatmap; box: CamAnswer['box'] }): void {
  const maxSide = 1024;
  const scale = Math.min(1, maxSide / Math.max(bitmap.width, bitmap.height));
  const w = Math.max(1, Math.round(bitmap.width * scale));
  const h = Math.max(1, Math.round(bitmap.height * scale));
  ui.view.width = w;
  ui.view.height = h;
  const ctx = ui.view.getContext('2d')!;
  ctx.drawImage(bitmap, 0, 0, w, h);
  if (cam === undefined) return;
  const { heatmap, box } = cam;
  const small = new OffscreenCanvas(heatmap.width, heatmap.height);
  const pixels = new ImageData(heatmap.width, heatmap.height);
  for (let i = 0; i < heatmap.data.length; i++) {
    const v = heatmap.data[i]!;
    const [r, g, b] = colour(v);
    pixels.data.set([r, g, b, Math.round(90 + 110 * v)], 4 * i);
  }
  small.getContext('2d')!.putImageData(pixels, 0, 0);
  ctx.imageSmoothingEnabled = true;
  ctx.imageSmoothingQuality = 'high';
  ctx.globalAlpha = 0.55;
  ctx.drawImage(small, 0, 0, w, h);
  ctx.globalAlpha = 1;
  const [x0, y0, x1, y1] = box;
  const line = Math.max(2, Math.round(Math.max(w, h) / 200));
  ctx.lineWidth = line;
  ctx.strokeStyle = '#fff';
  ctx.strokeRect(x0 * scale, y0 * scale, (x1 - x0) * scale, (y1 - y0) * scale);
  ctx.setLineDash([3 * line, 2 * line]);
  ctx.strokeStyle = '#e4460a';
  ctx.strokeRect(x0 * scale, y0 * scale, (x1 - x0) * scale, (y1 - y0) * scale);
  ctx.setLineDash([]);
}

const firstImage = (files: FileList | null | undefined): File | null =>
  [...(files ?? [])].find((f) => f.type.startsWith('image/') || f.type === '') ?? null;

ui.stop.addEventListener('click', () => stopLoad?.abort());
ui.weightsFile.addEventListener('change', () => {
  const file = ui.weightsFile.files?.[0];
  if (file !== undefined) void loadWeights(file);
});
ui.weightsForm.addEventListener('submit', (event) => {
  event.preventDefault();
  const url = ui.weightsUrl.value.trim();
  if (url === '') setStatus('Give the URL of a .safetensors or .pth file first.', 'error');
  else void loadWeights(url);
});
ui.imageFile.addEventListener('change', () => {
  const file = firstImage(ui.imageFile.files);
  if (file !== null) void setImage(file);
});
for (const type of ['dragenter', 'dragover'] as const) {
  ui.drop.addEventListener(type, (event) => {
    event.preventDefault();
    ui.drop.classList.add('over');
  });
}
ui.drop.addEventListener('dragleave', () => ui.drop.classList.remove('over'));
ui.drop.addEventListener('drop', (event) => {
  event.preventDefault();
  ui.drop.classList.remove('over');
  const file = firstImage(event.dataTransfer?.files);
  if (file !== null) void setImage(file);
});
document.addEventListener('paste', (event) => {
  const file = firstImage(event.clipboardData?.files);
  if (file !== null) void setImage(file);
});

// The camera: only where the browser offers it (a secure context: https or localhost).
let stream: MediaStream | null = null;
ui.cameraButton.hidden = !window.isSecureContext || navigator.mediaDevices?.getUserMedia === undefined;
function closeCamera(): void {
  stream?.getTracks().forEach((t) => t.stop());
  stream = null;
  ui.camera.hidden = true;
}
ui.cameraButton.addEventListener('click', async () => {
  try {
    stream = await navigator.mediaDevices.getUserMedia({
      video: { facingMode: 'environment' },
      audio: false,
    });
    ui.cameraVideo.srcObject = stream;
    ui.camera.hidden = false;
    await ui.cameraVideo.play();
  } catch (e) {
    closeCamera();
    setStatus(`The camera is not available: ${(e as Error).message}`, 'error');
  }
});
ui.cameraSnap.addEventListener('click', () => {
  const { videoWidth: w, videoHeight: h } = ui.cameraVideo;
  if (w === 0 || h === 0) return;
  const canvas = document.createElement('canvas');
  canvas.width = w;
  canvas.height = h;
  canvas.getContext('2d')!.drawImage(ui.cameraVideo, 0, 0, w, h);
  closeCamera();
  void setImage(canvas);
});
ui.cameraClose.addEventListener('click', closeCamera);

if (server !== null) {
  // Server mode: the weights card gives way to the server's; nothing is loaded in the browser.
  ui.weightsCard.hidden = true;
  ui.serverCard.hidden = false;
  ui.isolationBadge.hidden = true;
  ui.subtitle.textContent = 'image classification on this server';
  ui.backendBadge.textContent =
    server.model === undefined ? 'on the server' : `server: ${server.model.backend}`;
  ui.footer.textContent =
    'Images are sent to this server (resnet50 serve) and classified there; the browser loads no model.';
  ui.token.value = sessionStorage.getItem(TOKEN_KEY) ?? '';
  ui.tokenForm.hidden = !server.token;
  ui.tokenForm.addEventListener('submit', (event) => {
    event.preventDefault();
    sessionStorage.setItem(TOKEN_KEY, token());
    setStatus('Token set for this tab.', 'ok');
    if (image !== null) void runOnServer();
  });
  setStatus(
    server.model === undefined
      ? 'The model runs on this server, which needs its access token: enter it, then choose an image.'
      : `The model runs on this server: ${server.model.arch}, ${server.model.numClasses} classes ` +
          `(${server.model.weights}) on ${server.model.backend}. Choose an image.`,
  );
}

const startUrl = server === null ? params.get('weights') : null;
if (startUrl !== null && startUrl !== '') {
  ui.weightsUrl.value = startUrl;
  void loadWeights(startUrl);
}
