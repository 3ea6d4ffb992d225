// Flow labels: horizontal and unwrapped (styles.js), and moved off the components and the boundaries' titles.
// Each label starts just above its edge's midpoint; when that box covers a component or a title, the first
// offset from a short list (above/below, then left/right) that covers neither wins, covering other labels as
// little as possible. Offsets are style bypasses (view only, never saved); overview mode draws no flow labels.
import { big, cy } from './canvas.js';

const ONLY_LABEL = { includeNodes: false, includeEdges: false, includeLabels: true, includeOverlays: false, includeUnderlays: false };
const DY = [-8, 12, -28, 32, -48, 52, -68, 72, -90, 94, -112, 116];
const DX = [0, -60, 60, -120, 120, -180, 180];
const PAD = 3;
let timer = null;

function hits(box, others) {
  let n = 0;
  for (let i = 0; i < others.length; i++) {
    const o = others[i];
    if (box.x1 < o.x2 && o.x1 < box.x2 && box.y1 < o.y2 && o.y1 < box.y2) n++;
  }
  return n;
}
function grow(b) { return { x1: b.x1 - PAD, y1: b.y1 - PAD, x2: b.x2 + PAD, y2: b.y2 + PAD }; }

export function placeLabels() {
  timer = null;
  const hard = [];
  cy.nodes('.component').forEach(function (n) { hard.push(grow(n.boundingBox({ includeLabels: false, includeOverlays: false }))); });
  cy.nodes('.boundary').forEach(function (b) { const t = b.boundingBox(ONLY_LABEL); if (t.w > 0) hard.push(grow(t)); });
  const placed = [];
  cy.batch(function () {
    cy.edges().forEach(function (e) {
      if (!e.data('label')) return;
      const base = e.boundingBox(ONLY_LABEL);
      if (!(base.w > 0)) return;
      const mx = e.numericStyle('text-margin-x') || 0, my = e.numericStyle('text-margin-y') || 0;
      let best = null, bestScore = Infinity;
      for (let j = 0; j < DX.length && bestScore > 0; j++) {
        for (let i = 0; i < DY.length && bestScore > 0; i++) {
          const dx = DX[j] - mx, dy = DY[i] - my;
          const box = { x1: base.x1 + dx, x2: base.x2 + dx, y1: base.y1 + dy, y2: base.y2 + dy };
          const score = 1000 * hits(box, hard) + hits(box, placed);
          if (score < bestScore) { bestScore = score; best = [DX[j], DY[i], box]; }
        }
      }
      if (!best) return;
      if (best[0] !== mx || best[1] !== my) e.style({ 'text-margin-x': best[0], 'text-margin-y': best[1] });
      placed.push(best[2]);
    });
  });
  document.body.dataset.labels = 'placed';
}
function schedule() {
  document.body.dataset.labels = 'pending';
  if (timer) clearTimeout(timer);
  timer = setTimeout(placeLabels, 120);
}

export function initLabels() {
  if (big) return;
  cy.on('position add remove data', schedule);
  schedule();
}
