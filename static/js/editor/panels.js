// The "Data & access" panel: data assets, workload identities, grants and controls (elements without a
// canvas shape). Each list selects into the properties panel, where every field is edited; the add buttons
// create one with sensible references (the selected component, its identity) and focus its first field.
import { CONFIG, KINDS, READONLY } from './config.js';
import { $, announce } from './dom.js';
import { commit } from './save.js';
import { selectIds } from './selection.js';
import { defaults, displayName, getEl, kindOfId, newId, selection, state } from './state.js';

const NOUN = { data_asset: 'data asset', identity: 'identity', grant: 'grant', control: 'control' };
function selectedOf(kinds) {
  const id = selection.ids.find(function (x) { return kinds.indexOf(kindOfId(x)) >= 0; });
  return id || null;
}
function firstId(kind) { const it = state.elements[kind].keys().next(); return it.done ? null : it.value; }
// The new element's data, or a sentence saying what is missing first.
function draft(kind) {
  const data = defaults(kind);
  if (kind === 'data_asset') { data.name = 'New data asset'; return data; }
  if (kind === 'identity') { data.name = 'New workload identity'; return data; }
  if (kind === 'grant') {
    const comp = state.elements.component.get(selectedOf(['component']));
    const identity = selectedOf(['identity']) || (comp && comp.identity) || firstId('identity');
    if (!identity) return 'Add an identity first: a grant gives an identity access to something.';
    data.identity = identity;
    data.target = selectedOf(['data_asset']) || (comp && !comp.identity ? comp.id : null) || firstId('data_asset') || '*';
    return data;
  }
  const target = selectedOf(['component', 'flow', 'boundary', 'data_asset', 'identity', 'grant']) || firstId('component');
  if (!target) return 'Add a component first: a control protects an element.';
  const values = (KINDS.control.fields.find(function (f) { return f.name === 'control'; }) || { values: [] }).values;
  data.control = values[0];
  data.target = target;
  return data;
}
export function addElement(kind) {
  if (READONLY) return null;
  const data = draft(kind);
  if (typeof data === 'string') { announce(data, 'error'); return null; }
  const base = kind === 'grant' ? 'grant-' + data.identity : kind === 'control' ? data.control + '-' + data.target : kind === 'identity' ? 'identity' : 'data';
  const id = newId(base);
  if (!commit([{ op: 'create', kind: kind, id: id, data: data }], 'Add ' + NOUN[kind] + ' ' + id)) return null;
  selectIds([id], { noCenter: true, focusName: true });
  announce('Added ' + NOUN[kind] + ' ' + displayName(getEl(id), kind) + '. Edit it in the properties panel.', 'ok');
  return id;
}
export function initPanels() {
  document.querySelectorAll('[data-add-kind]').forEach(function (b) {
    if (READONLY || !CONFIG.can_edit) { b.hidden = true; return; }
    b.addEventListener('click', function () { addElement(b.dataset.addKind); });
  });
  const head = $('#data-access-h');
  if (head) head.dataset.ready = '1';
}
