// Applying change sets to the page (state + canvas), inverting them for undo, shaping them for the API.
import { refreshBadges } from './assessment.js';
import { boundaryDepth, boundaryElement, componentElement, cy, flowElement, flowLabel, ZONES } from './canvas.js';
import { KIND_STYLE, TRUST_COLOR, VISUAL } from './config.js';
import { clone } from './dom.js';
import { renderProperties } from './properties.js';
import { renderTextView } from './selection.js';
import { defaults, state } from './state.js';

function syncCy(kind, before, after) {
  if (!VISUAL[kind]) return;
  var ele = cy.$id(after.id);
  if (ele.empty()) return;
  if (kind === 'component') {
    var ks = KIND_STYLE[after.kind] || KIND_STYLE.service;
    ele.data({ label: after.name, ckind: after.kind, shape: ks[0], fill: ks[1], stroke: ks[2] });
    ele.toggleClass('internet', !!after.internet_facing);
    var parent = after.boundary && cy.$id(after.boundary).nonempty() ? after.boundary : null;
    if (!ZONES && (ele.data('parent') || null) !== parent) ele.move({ parent: parent });
    ele = cy.$id(after.id);
    if (after.position && (!before || !before.position || before.position.x !== after.position.x || before.position.y !== after.position.y)) {
      var p = ele.position();
      if (Math.abs(p.x - after.position.x) > 0.5 || Math.abs(p.y - after.position.y) > 0.5) ele.position({ x: after.position.x, y: after.position.y });
    }
  } else if (kind === 'boundary') {
    ele.data({ label: after.name, bkind: after.kind, trust: after.trust_level, tcolor: TRUST_COLOR[after.trust_level] || '#64748b' });
    var bp = after.parent && cy.$id(after.parent).nonempty() ? after.parent : null;
    if (!ZONES && (ele.data('parent') || null) !== bp) ele.move({ parent: bp });
    ele = cy.$id(after.id);
    if (!ZONES && ele.isChildless() && after.position) ele.position({ x: after.position.x, y: after.position.y });
    if (ZONES) ele.data('z', boundaryDepth(after.id));
  } else if (kind === 'flow') {
    ele.data('label', flowLabel(after));
    ele.toggleClass('plain', after.encryption === 'none');
    ele.toggleClass('both', !!after.bidirectional);
    if (ele.data('source') !== after.source || ele.data('target') !== after.target) ele.move({ source: after.source, target: after.target });
  }
}
function addCy(kind, item) {
  if (!VISUAL[kind]) return;
  if (kind === 'flow') {
    if (cy.$id(item.source).nonempty() && cy.$id(item.target).nonempty()) cy.add(flowElement(item));
  } else if (kind === 'component') {
    cy.add(componentElement(item));
  } else {
    cy.add(boundaryElement(item));
  }
}
export function applyLocal(changes) {
  cy.batch(function () {
    changes.forEach(function (ch) {
      var map = state.elements[ch.kind];
      if (ch.kind === 'model') { state.info = Object.assign({}, state.info, ch.data); return; }
      if (ch.op === 'create') {
        var item = Object.assign(defaults(ch.kind), clone(ch.data), { id: ch.id });
        map.set(ch.id, item);
        addCy(ch.kind, item);
      } else if (ch.op === 'update') {
        var before = map.get(ch.id);
        if (!before) return;
        var after = Object.assign({}, before, clone(ch.data), { id: ch.id });
        delete after._unsaved_position;
        map.set(ch.id, after);
        syncCy(ch.kind, before, after);
      } else if (ch.op === 'delete') {
        map.delete(ch.id);
        if (VISUAL[ch.kind]) {
          var ele = cy.$id(ch.id);
          if (ele.nonempty()) {
            if (ele.isParent && ele.isParent()) ele.children().move({ parent: ele.data('parent') || null });
            cy.$id(ch.id).remove();
          }
        }
      }
    });
  });
  renderTextView();
  refreshBadges();
  renderProperties();
}
// The change set that undoes `changes` (computed against the state before they are applied).
export function invert(changes) {
  var overlay = new Map();
  var get = function (kind, id) { var key = kind + '\u0000' + id; return overlay.has(key) ? overlay.get(key) : (kind === 'model' ? state.info : state.elements[kind].get(id)); };
  var set = function (kind, id, v) { overlay.set(kind + '\u0000' + id, v); };
  var inverse = [];
  changes.forEach(function (ch) {
    var old = get(ch.kind, ch.id);
    if (ch.op === 'create') { inverse.push({ op: 'delete', kind: ch.kind, id: ch.id }); set(ch.kind, ch.id, Object.assign(defaults(ch.kind), ch.data)); }
    else if (ch.op === 'update') {
      var back = {};
      var dflt = defaults(ch.kind);
      Object.keys(ch.data).forEach(function (k) { back[k] = old && old[k] !== undefined ? clone(old[k]) : (dflt[k] !== undefined ? dflt[k] : null); });
      if (ch.kind !== 'model' && back.position && old && old._unsaved_position) back.position = null;
      inverse.push({ op: 'update', kind: ch.kind, id: ch.id, data: back });
      set(ch.kind, ch.id, Object.assign({}, old, ch.data));
    } else if (ch.op === 'delete') {
      var data = clone(old); if (data) { delete data._unsaved_position; delete data.id; }
      inverse.push({ op: 'create', kind: ch.kind, id: ch.id, data: data || {} });
      set(ch.kind, ch.id, null);
    }
  });
  return inverse.reverse();
}
export function wireChanges(changes) {
  return changes.map(function (ch) {
    var out = { op: ch.op, kind: ch.kind, id: ch.id };
    if (ch.op !== 'delete') {
      out.data = {};
      Object.keys(ch.data || {}).forEach(function (k) { if (k.charAt(0) !== '_') out.data[k] = ch.data[k]; });
      delete out.data.id;
    }
    if (ch.kind === 'model') delete out.id;
    return out;
  });
}
