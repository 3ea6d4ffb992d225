// Moving nodes: dragging (and dropping into boundaries) and nudging with the arrow keys.
import { cy, ZONES } from './canvas.js';
import { positionChange as change } from './changes.js';
import { READONLY } from './config.js';
import { announce } from './dom.js';
import { boundaryBox, deepestBoundaryAt } from './edit.js';
import { commit } from './save.js';
import { displayName, getEl, kindOfId, state } from './state.js';

function positionChange(node) { return change(node.hasClass('boundary') ? 'boundary' : 'component', node.id(), node.position()); }
// After a drag: save positions and (for dropped nodes) the boundary they landed in.
let dragged = new Set();
let dragTimer = null;
function finishDrag() {
  dragTimer = null;
  let roots = cy.collection();
  dragged.forEach(function (id) { const n = cy.$id(id); if (n.nonempty()) roots = roots.union(n); });
  dragged = new Set();
  if (roots.empty()) return;
  // only the outermost dragged nodes change membership
  roots = roots.filter(function (n) { return !n.ancestors().some(function (a) { return roots.contains(a); }); });
  const exclude = new Set();
  roots.forEach(function (n) { exclude.add(n.id()); n.descendants().forEach(function (d) { exclude.add(d.id()); }); });
  const changes = [], moved = [], targets = {};
  roots.forEach(function (n) {
    const isBoundary = n.hasClass('boundary');
    const target = deepestBoundaryAt(n.position(), exclude);
    targets[n.id()] = target;
    const current = (isBoundary ? (state.elements.boundary.get(n.id()) || {}).parent : (state.elements.component.get(n.id()) || {}).boundary) || null;
    if (target !== current) {
      const data = {}; data[isBoundary ? 'parent' : 'boundary'] = target;
      changes.push({ op: 'update', kind: isBoundary ? 'boundary' : 'component', id: n.id(), data: data });
      moved.push([n.id(), target]);
    }
  });
  separateSiblings(roots, targets, exclude);
  const nodes = roots.union(roots.descendants());
  const positions = [];
  nodes.forEach(function (n) {
    if (n.hasClass('component') || (n.hasClass('boundary') && n.isChildless())) positions.push(positionChange(n));
  });
  // merge position + membership per element
  const byId = {};
  changes.concat(positions).forEach(function (c) { if (byId[c.id]) Object.assign(byId[c.id].data, c.data); else byId[c.id] = { op: 'update', kind: c.kind, id: c.id, data: Object.assign({}, c.data) }; });
  const all = Object.keys(byId).map(function (k) { return byId[k]; });
  if (!all.length) return;
  const label = moved.length ? 'Move ' + moved.map(function (m) { return m[0] + ' into ' + (m[1] || 'no boundary'); }).join(', ') : 'Move ' + nodes.length + ' element' + (nodes.length === 1 ? '' : 's');
  commit(all, label);
  if (moved.length) announce(moved.map(function (m) { const b = m[1] ? state.elements.boundary.get(m[1]) : null; return displayName(getEl(m[0]), kindOfId(m[0])) + ' is now ' + (b ? 'in ' + b.name : 'outside every boundary'); }).join('; ') + '.', 'ok');
}
// Boundaries of the same parent never overlap: a boundary moved onto a sibling (its centre outside it, or it
// would have become a member) is pushed out along the shorter way, a gap clear of it.
const GAP = 24;
function overlap(a, b) { return a.x1 < b.x2 && b.x1 < a.x2 && a.y1 < b.y2 && b.y1 < a.y2; }
function separateSiblings(roots, targets, exclude) {
  if (ZONES) return;
  roots.filter('.boundary').forEach(function (n) {
    const parent = targets[n.id()] || null;
    const siblings = cy.nodes('.boundary').filter(function (b) {
      if (b.same(n) || exclude.has(b.id())) return false;
      return ((state.elements.boundary.get(b.id()) || {}).parent || null) === parent;
    });
    const leaves = n.descendants().filter(function (d) { return d.isChildless(); });
    const movable = leaves.nonempty() ? leaves : n;
    // drawn boxes (title included), except for a boundary still drawn around a member dragged out of it
    const boxOf = function (b) {
      const holdsDragged = b.descendants().some(function (d) { return exclude.has(d.id()); });
      return holdsDragged ? boundaryBox(b, exclude) : b.boundingBox({ includeLabels: true, includeOverlays: false });
    };
    for (let pass = 0; pass < 12; pass++) {
      const a = n.boundingBox({ includeLabels: true, includeOverlays: false });
      const hit = siblings.filter(function (b) { return overlap(a, boxOf(b)); });
      if (hit.empty()) return;
      const b = boxOf(hit[0]);
      const right = b.x2 - a.x1 + GAP, left = a.x2 - b.x1 + GAP, down = b.y2 - a.y1 + GAP, up = a.y2 - b.y1 + GAP;
      const m = Math.min(right, left, down, up);
      const dx = m === right ? right : m === left ? -left : 0, dy = m === down ? down : m === up ? -up : 0;
      cy.batch(function () { movable.forEach(function (d) { const p = d.position(); d.position({ x: p.x + dx, y: p.y + dy }); }); });
    }
  });
}
export function nudge(dx, dy) {
  let nodes = cy.$('node:selected');
  if (!nodes.nonempty()) return;
  nodes = nodes.filter(function (n) { return !n.ancestors().some(function (a) { return a.selected(); }); });
  const all = nodes.union(nodes.descendants());
  cy.batch(function () { all.filter('.component, .boundary:childless').forEach(function (n) { const p = n.position(); n.position({ x: p.x + dx, y: p.y + dy }); }); });
  all.forEach(function (n) { if (n.hasClass('component') || (n.hasClass('boundary') && n.isChildless())) dragged.add(n.id()); });
  if (dragTimer) clearTimeout(dragTimer);
  dragTimer = setTimeout(finishDrag, 400);
}

export function initDrag() {
  cy.on('grab', 'node', function () { /* positions are read at dragfree */ });
  cy.on('dragfree', 'node', function (ev) {
    if (READONLY) return;
    dragged.add(ev.target.id());
    if (dragTimer) clearTimeout(dragTimer);
    dragTimer = setTimeout(finishDrag, 0);
  });
}
