// The model held in the page: elements by kind, undo/redo stacks, the selection, ids and names.
import { INITIAL, KIND_OF, KINDS, SEV_RANK, VOCAB } from './config.js';
import { clone } from './dom.js';

export const state = {
  revision: null,  // revision and info are set by loadDocument (initState)
  info: {},
  elements: {},
  findings: [], findingsByElement: {}, paths: [], scores: null, assessed: false,
  undo: [], redo: [], pending: 0, conflict: false, clipboard: null, armed: null,
  unsavedLayout: false, lastRoundTrip: null, roundTrips: [], saves: 0, highlightedPath: null
};
// The page sends fields left at their default only once, in the vocabulary: put them back.
const DEFAULTS = {};
function withDefaults(kind, item) {
  const d = DEFAULTS[kind], out = {};
  for (const key in d) { const v = d[key]; out[key] = Array.isArray(v) ? [] : (v !== null && typeof v === 'object') ? {} : v; }
  for (const own in item) out[own] = item[own];
  if (out.position === undefined && (kind === 'component' || kind === 'boundary')) out.position = null;
  return out;
}
export function loadDocument(doc, revision) {
  state.revision = revision;
  state.info = doc.model || {};
  Object.keys(KINDS).forEach(function (k) { state.elements[k] = new Map(); });
  let unsaved = false;
  Object.keys(KIND_OF).forEach(function (collection) {
    (doc[collection] || []).forEach(function (item) {
      if (item._unsaved_position) { unsaved = true; }
      state.elements[KIND_OF[collection]].set(item.id, withDefaults(KIND_OF[collection], item));
    });
  });
  state.unsavedLayout = unsaved;
}

export const selection = { ids: [] };

// How deep a boundary sits (1 = top level).
export function boundaryDepth(id) {
  let d = 0; const seen = {};
  while (id && state.elements.boundary.has(id) && !seen[id]) { seen[id] = 1; id = state.elements.boundary.get(id).parent; d++; }
  return d;
}
// Findings: open ones count, and the worst severity of a list.
export function isOpen(f) { return !f.mitigated && (!f.status || f.status === 'open'); }
export function worst(list) {
  let w = null; (list || []).forEach(function (f) { if (w === null || SEV_RANK[f.severity] < SEV_RANK[w]) w = f.severity; }); return w;
}

export function kindOfId(id) {
  for (const k in state.elements) if (state.elements[k].has(id)) return k;
  return null;
}
export function getEl(id) { const k = kindOfId(id); return k ? state.elements[k].get(id) : null; }
export function displayName(item, kind) {
  if (!item) return '';
  if (kind === 'flow') {
    const s = state.elements.component.get(item.source), t = state.elements.component.get(item.target);
    return item.name || ((s ? s.name : item.source) + ' → ' + (t ? t.name : item.target));
  }
  if (kind === 'grant') return item.identity + ' → ' + item.target;
  if (kind === 'control') return item.control + ' on ' + item.target;
  return item.name || item.id;
}
export function defaults(kind) {
  const out = {};
  KINDS[kind].fields.forEach(function (f) { if (f.default !== null && f.default !== undefined) out[f.name] = clone(f.default); });
  return out;
}
export let idPattern = null;
export function newId(base) {
  const slug = String(base).toLowerCase().replace(/[^a-z0-9]+/g, '-').replace(/^-+|-+$/g, '') || 'element';
  for (let n = 1; ; n++) {
    const candidate = slug + '-' + n;
    if (!kindOfId(candidate) && idPattern.test(candidate)) return candidate;
  }
}

export function initState() {
  Object.keys(KINDS).forEach(function (k) { state.elements[k] = new Map(); });
  Object.keys(KINDS).forEach(function (k) {
    DEFAULTS[k] = {};
    KINDS[k].fields.forEach(function (f) { if (f.default !== null && f.default !== undefined && f.name !== 'id') DEFAULTS[k][f.name] = f.default; });
  });
  loadDocument(INITIAL.document, INITIAL.revision);
  idPattern = new RegExp(VOCAB.id_pattern);
}
