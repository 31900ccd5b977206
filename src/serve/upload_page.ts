/**
 * The page GET / serves when no web folder is given: choose or drop a photo, it is POSTed to
 * /v1/classify and the top-5 classes are shown. Self-contained (no script or style from elsewhere).
 */
export const UPLOAD_PAGE = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>resnet50 serve</title>
<style>
  body { font: 16px/1.4 system-ui, sans-serif; max-width: 40rem; margin: 2rem auto; padding: 0 1rem; }
  #drop { border: 2px dashed #888; border-radius: 8px; padding: 2rem; text-align: center; }
  #drop.over { background: #eef; }
  img { max-width: 100%; max-height: 16rem; display: block; margin: 1rem auto; }
  table { border-collapse: collapse; width: 100%; }
  td { padding: 0.2rem 0.5rem; border-bottom: 1px solid #ddd; }
  td.score { text-align: right; font-variant-numeric: tabular-nums; }
  #error { color: #b00; }
</style>
</head>
<body>
<h1>resnet50 serve</h1>
<div id="drop">
  <p>Drop a PNG or JPEG here, or <input id="file" type="file" accept="image/png,image/jpeg"></p>
  <p><label>Token (if the server needs one): <input id="token" type="password" autocomplete="off"></label></p>
</div>
<img id="preview" alt="" hidden>
<p id="status" role="status"></p>
<p id="error" role="alert"></p>
<table id="results"><tbody></tbody></table>
<script>
const $ = (id) => document.getElementById(id);
async function classify(file) {
  $('error').textContent = '';
  $('results').tBodies[0].replaceChildren();
  $('preview').src = URL.createObjectURL(file);
  $('preview').hidden = false;
  $('status').textContent = 'Classifying ' + file.name + '…';
  const form = new FormData();
  form.append('image', file, file.name);
  const headers = {};
  if ($('token').value !== '') headers.Authorization = 'Bearer ' + $('token').value;
  try {
    const response = await fetch('/v1/classify?top=5', { method: 'POST', body: form, headers });
    const body = await response.json();
    if (!response.ok) throw new Error(body.error || ('HTTP ' + response.status));
    for (const p of body.top) {
      const row = $('results').tBodies[0].insertRow();
      row.insertCell().textContent = p.label;
      const score = row.insertCell();
      score.className = 'score';
      score.textContent = (100 * p.score).toFixed(2) + ' %';
    }
    $('status').textContent = body.file;
  } catch (e) {
    $('status').textContent = '';
    $('error').textContent = e.message;
  }
}
$('file').addEventListener('change', () => { if ($('file').files[0]) classify($('file').files[0]); });
const drop = $('drop');
drop.addEventListener('dragover', (e) => { e.preventDefault(); drop.classList.add('over'); });
drop.addEventListener('dragleave', () => drop.classList.remove('over'));
drop.addEventListener('drop', (e) => {
  e.preventDefault();
  drop.classList.remove('over');
  if (e.dataTransfer.files[0]) classify(e.dataTransfer.files[0]);
});
</script>
</body>
</html>
`;
