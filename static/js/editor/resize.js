// Resizing a boundary: a handle at the bottom-right corner of the one selected boundary. Dragging it draws the
// new extent; on release the elements at the boundary's own level (members of its parent, or of no boundary)
// that the extent covers become members, and members it no longer covers go back to the parent: one change set.
// A boundary is drawn around its members (the file format stores no size), so it then fits what it holds.
import { container, cy } from './canvas.js';
import { READONLY } from './config.js';
import { announce } from './dom.js';
import { boundaryBox } from './edit.js';
import { on } from './events.js';
import { commit } from './save.js';
import { displayName, selection, state } from './state.js';

let handle = null, ghost = null, target = null;

function selectedBoundary() {
  if (selection.ids.length !== 1) return null;
  const n = cy.$id(selection.ids[0]);
  return n.nonempty() && n.hasClass('boundary') ? n : null;
}
function place() {
  target = READONLY ? null : selectedBoundary();
  if (!target || ghost) { if (!ghost) handle.hidden = true; return; }
  const b = target.renderedBoundingBox({ includeLabels: false, includeOverlays: false });
  const r = container.getBoundingClientRect();
  const x = r.left + b.x2, y = r.top + b.y2;
  handle.hidden = x < r.left || x > r.right || y < r.top || y > r.bottom;
  handle.style.left = (x - 7) + 'px';
  handle.style.top = (y - 7) + 'px';
}
function toModel(ev) {
  const r = container.getBoundingClientRect(), pan = cy.pan(), z = cy.zoom();
  return { x: (ev.clientX - r.left - pan.x) / z, y: (ev.clientY - r.top - pan.y) / z };
}
function inside(p, box) { return p.x >= box.x1 && p.x <= box.x2 && p.y >= box.y1 && p.y <= box.y2; }

// The change set for boundary `id` given its new extent `box` (model coordinates).
export function resizeChanges(id, box) {
  const parent = (state.elements.boundary.get(id) || {}).parent || null;
  const ancestors = new Set();
  for (let a = parent; a && !ancestors.has(a); a = (state.elements.boundary.get(a) || {}).parent || null) ancestors.add(a);
  const changes = [], adopted = [], released = [];
  const consider = function (kind, key, itemId, centre) {
    const item = state.elements[kind].get(itemId), current = item[key] || null;
    if (itemId === id || ancestors.has(itemId) || !centre) return;
    const data = {};
    if (current === parent && inside(centre, box)) { data[key] = id; adopted.push(itemId); }
    else if (current === id && !inside(centre, box)) { data[key] = parent; released.push(itemId); }
    else return;
    changes.push({ op: 'update', kind: kind, id: itemId, data: data });
  };
  state.elements.component.forEach(function (c, cid) { const n = cy.$id(cid); consider('component', 'boundary', cid, n.nonempty() ? n.position() : c.position); });
  state.elements.boundary.forEach(function (b, bid) {
    const n = cy.$id(bid); if (n.empty()) return;
    const bb = boundaryBox(n, null);
    consider('boundary', 'parent', bid, { x: (bb.x1 + bb.x2) / 2, y: (bb.y1 + bb.y2) / 2 });
  });
  return { changes: changes, adopted: adopted, released: released };
}

function finish(ev) {
  const node = target; ghost.remove(); ghost = null;
  if (!node) return;
  const start = boundaryBox(node, null), end = toModel(ev);
  const box = { x1: Math.min(start.x1, end.x), y1: Math.min(start.y1, end.y), x2: Math.max(start.x1, end.x), y2: Math.max(start.y1, end.y) };
  const out = resizeChanges(node.id(), box);
  const name = displayName(state.elements.boundary.get(node.id()), 'boundary');
  if (!out.changes.length) { announce(name + ' covers the same elements as before.'); place(); return; }
  const parts = [];
  if (out.adopted.length) parts.push('adopt ' + out.adopted.join(', '));
  if (out.released.length) parts.push('release ' + out.released.join(', '));
  if (commit(out.changes, 'Resize ' + name + ': ' + parts.join('; '))) announce('Resized ' + name + ': ' + parts.join('; ') + '.', 'ok');
  place();
}

export function initResize() {
  if (READONLY) return;
  handle = document.createElement('div');
  handle.className = 'resize-handle';
  handle.dataset.testid = 'boundary-resize';
  handle.title = 'Drag to resize the boundary: it adopts what it covers and releases what it no longer covers';
  handle.hidden = true;
  document.body.appendChild(handle);
  handle.addEventListener('pointerdown', function (ev) {
    if (!target) return;
    ev.preventDefault();
    handle.setPointerCapture(ev.pointerId);
    const b = target.renderedBoundingBox({ includeLabels: false, includeOverlays: false }), r = container.getBoundingClientRect();
    ghost = document.createElement('div');
    ghost.className = 'resize-ghost';
    ghost.style.left = (r.left + b.x1) + 'px'; ghost.style.top = (r.top + b.y1) + 'px';
    ghost.dataset.x = String(r.left + b.x1); ghost.dataset.y = String(r.top + b.y1);
    document.body.appendChild(ghost);
  });
  handle.addEventListener('pointermove', function (ev) {
    if (!ghost) return;
    const x0 = Number(ghost.dataset.x), y0 = Number(ghost.dataset.y);
    ghost.style.left = Math.min(x0, ev.clientX) + 'px'; ghost.style.top = Math.min(y0, ev.clientY) + 'px';
    ghost.style.width = Math.abs(ev.clientX - x0) + 'px'; ghost.style.height = Math.abs(ev.clientY - y0) + 'px';
    handle.style.left = (ev.clientX - 7) + 'px'; handle.style.top = (ev.clientY - 7) + 'px';
  });
  handle.addEventListener('pointerup', function (ev) { if (ghost) finish(ev); });
  on('selection', place);
  on('applied', function () { setTimeout(place, 0); });
  cy.on('render', place);
  window.addEventListener('scroll', place, { passive: true });
}
