// The "Threats" panel: the manual threats of the selected element (or of the whole model when nothing is
// selected), and a form that records a new one on the selected element. A listed threat selects into the
// properties panel, where every field is edited; the threats become findings at the next assessment.
import { CONFIG, KINDS, READONLY } from './config.js';
import { $, announce, clear, el } from './dom.js';
import { on } from './events.js';
import { commit } from './save.js';
import { selectIds } from './selection.js';
import { defaults, displayName, getEl, kindOfId, newId, selection, state } from './state.js';

const FORM_FIELDS = ['category', 'likelihood', 'impact', 'status'];

function valuesOf(name) {
  const spec = (KINDS.threat ? KINDS.threat.fields : []).find(function (f) { return f.name === name; });
  return spec && spec.values ? spec.values : [];
}
// The element a new threat is about: the selected one, unless it is itself a threat (then its target).
function targetOfSelection() {
  const id = selection.ids[0];
  if (!id) return null;
  if (kindOfId(id) === 'threat') { const t = getEl(id); return t ? t.target : null; }
  return id;
}
function label(value) { return String(value).replace(/-/g, ' ').replace(/^./, function (c) { return c.toUpperCase(); }); }

function threatsOf(target) {
  const all = Array.from(state.elements.threat ? state.elements.threat.values() : []);
  return target ? all.filter(function (t) { return t.target === target; }) : all;
}

export function renderThreats() {
  const list = $('#threats-list'); if (!list || !state.elements.threat) return;
  const target = targetOfSelection();
  const head = $('#threats-target');
  if (head) head.textContent = target ? 'on ' + displayName(getEl(target), kindOfId(target)) : 'in the model';
  clear(list);
  const items = threatsOf(target);
  if (!items.length) list.appendChild(el('li', { class: 'muted' }, target ? 'No threats recorded on this element.' : 'No manual threats yet.'));
  items.forEach(function (t) {
    const li = el('li', { 'data-threat': t.id });
    const b = el('button', { type: 'button', class: 'finding', 'data-testid': 'threat-item' });
    b.appendChild(el('span', { class: 'chip' }, label(t.status)));
    b.appendChild(el('span', { class: 'finding-title' }, t.title));
    b.appendChild(el('span', { class: 'muted finding-els' }, label(t.category) + ' · ' + t.likelihood + ' × ' + t.impact));
    b.addEventListener('click', function () { selectIds([t.id], { noCenter: true }); });
    li.appendChild(b);
    list.appendChild(li);
  });
  const form = $('#threat-form');
  if (form) {
    form.hidden = READONLY || !CONFIG.can_edit;
    const add = $('#threat-add');
    if (add) add.disabled = !target;
  }
}

export function addThreat() {
  if (READONLY) return null;
  const target = targetOfSelection();
  if (!target) { announce('Select the element the threat is about first.', 'error'); return null; }
  const title = ($('#threat-title').value || '').trim();
  if (!title) { announce('A threat needs a title.', 'error'); $('#threat-title').focus(); return null; }
  const data = defaults('threat');
  data.target = target;
  data.title = title;
  FORM_FIELDS.forEach(function (name) { const input = $('#threat-' + name); if (input && input.value) data[name] = input.value; });
  const mitigation = ($('#threat-mitigation').value || '').trim();
  if (mitigation) data.mitigation = mitigation;
  const id = newId('threat-' + title);
  if (!commit([{ op: 'create', kind: 'threat', id: id, data: data }], 'Add threat ' + title)) return null;
  $('#threat-title').value = '';
  $('#threat-mitigation').value = '';
  renderThreats();
  announce('Recorded threat "' + title + '" on ' + displayName(getEl(target), kindOfId(target)) + '. Ctrl+Z undoes.', 'ok');
  return id;
}

function fillSelect(name) {
  const select = $('#threat-' + name); if (!select) return;
  clear(select);
  valuesOf(name).forEach(function (value) { select.appendChild(el('option', { value: value }, label(value))); });
  const spec = KINDS.threat.fields.find(function (f) { return f.name === name; });
  if (spec && spec.default) select.value = spec.default;
}

export function initThreats() {
  if (!KINDS.threat || !$('#threats-list')) return;
  FORM_FIELDS.forEach(fillSelect);
  const add = $('#threat-add');
  if (add) add.addEventListener('click', function () { addThreat(); });
  on('selection', renderThreats);
  on('applied', renderThreats);
  renderThreats();
  const panel = $('#threats-h');
  if (panel) panel.dataset.ready = '1';
}
