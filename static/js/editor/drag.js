// Moving nodes: dragging (and dropping into boundaries) and nudging with the arrow keys.
import { cy } from './canvas.js';
import { positionChange as change } from './changes.js';
import { READONLY } from './config.js';
import { announce } from './dom.js';
import { deepestBoundaryAt } from './edit.js';
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
  const changes = [], moved = [];
  roots.forEach(function (n) {
    const isBoundary = n.hasClass('boundary');
    const target = deepestBoundaryAt(n.position(), exclude);
    const current = (isBoundary ? (state.elements.boundary.get(n.id()) || {}).parent : (state.elements.component.get(n.id()) || {}).boundary) || null;
    if (target !== current) {
      const data = {}; data[isBoundary ? 'parent' : 'boundary'] = target;
      changes.push({ op: 'update', kind: isBoundary ? 'boundary' : 'component', id: n.id(), data: data });
      moved.push([n.id(), target]);
    }
  });
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
