// The properties panel: a form per element generated from the vocabulary.
import { KINDS, READONLY } from './config.js';
import { $, announce, clear, el } from './dom.js';
import { createFlow, deleteSelection } from './edit.js';
import { on } from './events.js';
import { commit, same } from './save.js';
import { displayName, getEl, kindOfId, selection, state } from './state.js';

const propsEl = $('#properties');
function optionsFor(ref, selfId) {
  const out = [];
  const kinds = ref === '*any' ? ['component', 'flow', 'boundary', 'data_asset', 'identity'] : ref.split('|').filter(function (k) { return k !== '*'; });
  kinds.forEach(function (k) {
    state.elements[k].forEach(function (x) { if (x.id !== selfId) out.push([x.id, displayName(x, k) + ' (' + x.id + ')']); });
  });
  out.sort(function (a, b) { return a[1].localeCompare(b[1]); });
  if (ref.split('|').indexOf('*') >= 0) out.unshift(['*', '* (everything)']);
  return out;
}
function renderField(kind, item, f) {
  const id = 'prop-' + f.name;
  const wrap = el('div', { class: 'field field-' + f.type, 'data-field': f.name });
  const value = item[f.name];
  let input;
  if (f.type === 'bool') {
    input = el('input', { type: 'checkbox', id: id, name: f.name });
    input.checked = !!value;
    const lab = el('label', { for: id });
    lab.appendChild(input); lab.appendChild(document.createTextNode(' ' + f.label));
    wrap.appendChild(lab);
    return [wrap, input];
  }
  wrap.appendChild(el('label', { for: id }, f.label));
  if (f.type === 'enum') {
    input = el('select', { id: id, name: f.name });
    f.values.forEach(function (v) { const o = el('option', { value: v }, f.labels && f.labels[v] ? f.labels[v] + ' (' + v + ')' : v); if (v === value) o.selected = true; input.appendChild(o); });
  } else if (f.type === 'ref') {
    input = el('select', { id: id, name: f.name });
    if (f.nullable) input.appendChild(el('option', { value: '' }, '— none —'));
    optionsFor(f.ref, kind === 'boundary' ? item.id : null).forEach(function (o) {
      const opt = el('option', { value: o[0] }, o[1]); if (o[0] === value) opt.selected = true; input.appendChild(opt);
    });
    if (value && !getEl(value) && value !== '*') { const missing = el('option', { value: value }, value + ' (missing)'); missing.selected = true; input.appendChild(missing); }
  } else if (f.type === 'refs' || f.type === 'multi') {
    input = el('select', { id: id, name: f.name, multiple: true, size: '4' });
    const opts = f.type === 'multi' ? f.values.map(function (v) { return [v, v]; }) : optionsFor(f.ref, null);
    opts.forEach(function (o) { const opt = el('option', { value: o[0] }, o[1]); if ((value || []).indexOf(o[0]) >= 0) opt.selected = true; input.appendChild(opt); });
  } else if (f.type === 'text') {
    input = el('textarea', { id: id, name: f.name, rows: '3', maxlength: f.maxLength || null });
    input.value = value || '';
  } else if (f.type === 'int') {
    input = el('input', { id: id, name: f.name, type: 'number', min: f.minimum, max: f.maximum, inputmode: 'numeric' });
    input.value = value === null || value === undefined ? '' : String(value);
  } else if (f.type === 'tags') {
    input = el('input', { id: id, name: f.name, type: 'text', placeholder: 'comma, separated' });
    input.value = (value || []).join(', ');
  } else if (f.type === 'json') {
    input = el('textarea', { id: id, name: f.name, rows: '2', spellcheck: 'false', class: 'mono' });
    input.value = value && Object.keys(value).length ? JSON.stringify(value) : '';
  } else {
    input = el('input', { id: id, name: f.name, type: 'text', maxlength: f.maxLength || null, required: f.required || null });
    input.value = value === null || value === undefined ? '' : String(value);
    if (f.readonly) { input.readOnly = true; input.classList.add('mono'); }
  }
  wrap.appendChild(input);
  return [wrap, input];
}
function readField(f, input) {
  if (f.type === 'bool') return input.checked;
  if (f.type === 'refs' || f.type === 'multi') return Array.from(input.selectedOptions).map(function (o) { return o.value; });
  if (f.type === 'ref') return input.value === '' ? null : input.value;
  if (f.type === 'int') { if (input.value.trim() === '') return null; const n = parseInt(input.value, 10); if (isNaN(n)) throw new Error('a whole number'); return n; }
  if (f.type === 'tags') return input.value.split(',').map(function (s) { return s.trim(); }).filter(Boolean).filter(function (t, i, a) { return a.indexOf(t) === i; });
  if (f.type === 'json') { if (!input.value.trim()) return {}; const v = JSON.parse(input.value); if (typeof v !== 'object' || Array.isArray(v) || v === null) throw new Error('a JSON object'); return v; }
  return input.value;
}
function caret(node, which) { try { return node[which]; } catch (e) { return null; } }
function isTextField(node) { return node && (node.tagName === 'TEXTAREA' || (node.tagName === 'INPUT' && (node.type === 'text' || node.type === 'number'))); }
let renderingProps = false, propsAgain = false;
export function renderProperties() {
  if (!propsEl) return;
  if (renderingProps) { propsAgain = true; return; }  // a blur inside the panel committed an edit meanwhile
  renderingProps = true;
  try { renderPropertiesNow(); } finally { renderingProps = false; }
  if (propsAgain) { propsAgain = false; renderProperties(); }
}
function renderPropertiesNow() {
  const active = document.activeElement && propsEl.contains(document.activeElement) ? document.activeElement.id : null;
  // a field being typed in keeps what was typed and where the caret was (the panel re-renders after each
  // save and assessment, while the user may already be typing the next value)
  const form0 = propsEl.querySelector('form');
  const typing = active && form0 && isTextField(document.activeElement) ? {
    item: form0.dataset.id, value: document.activeElement.value,
    start: caret(document.activeElement, 'selectionStart'), end: caret(document.activeElement, 'selectionEnd')
  } : null;
  clear(propsEl);
  const ids = selection.ids.filter(function (id) { return getEl(id); });
  if (!ids.length) {
    propsEl.appendChild(el('p', { class: 'muted' }, READONLY ? 'Select an element to see its properties.' : 'Select an element to edit it, or add one from the palette.'));
    return;
  }
  if (ids.length > 1) {
    propsEl.appendChild(el('p', null, ids.length + ' elements selected.'));
    if (!READONLY) {
      const del = el('button', { type: 'button', class: 'danger' }, 'Delete ' + ids.length + ' elements');
      del.addEventListener('click', deleteSelection); propsEl.appendChild(del);
    }
    return;
  }
  const id = ids[0], kind = kindOfId(id), item = state.elements[kind].get(id);
  const head = el('div', { class: 'props-head' });
  head.appendChild(el('h3', null, displayName(item, kind)));
  head.appendChild(el('span', { class: 'muted' }, kind.replace('_', ' ')));
  propsEl.appendChild(head);
  const fs = state.findingsByElement[id] || [];
  if (fs.length) {
    const fl = el('ul', { class: 'props-findings' });
    fs.forEach(function (f) { const li = el('li'); li.appendChild(el('span', { class: 'sev sev-' + f.severity }, f.severity)); li.appendChild(el('span', null, ' ' + f.title)); fl.appendChild(li); });
    propsEl.appendChild(fl);
  }
  const form = el('form', { class: 'props-form', 'data-kind': kind, 'data-id': id, novalidate: true });
  form.addEventListener('submit', function (ev) { ev.preventDefault(); });
  KINDS[kind].fields.forEach(function (f) {
    if (f.type === 'position') return;
    const pair = renderField(kind, item, f);
    const input = pair[1];
    if (READONLY || f.readonly) { input.disabled = !f.readonly; }
    const onChange = function () {
      let v;
      try { v = readField(f, input); } catch (err) { announce(f.label + ' must be ' + err.message + '.', 'error'); input.setAttribute('aria-invalid', 'true'); return; }
      input.removeAttribute('aria-invalid');
      const now = state.elements[kind].get(id);
      if (!now || same(v, now[f.name])) return;
      if (f.required && (v === '' || v === null)) { announce(f.label + ' is required.', 'error'); input.setAttribute('aria-invalid', 'true'); return; }
      const data = {}; data[f.name] = v;
      commit([{ op: 'update', kind: kind, id: id, data: data }], 'Set ' + f.name + ' of ' + id);
    };
    input.addEventListener('change', onChange);
    if (input.tagName === 'INPUT' && input.type === 'text') input.addEventListener('keydown', function (ev) { if (ev.key === 'Enter') { ev.preventDefault(); onChange(); } });
    form.appendChild(pair[0]);
  });
  propsEl.appendChild(form);
  if (kind === 'component' && !READONLY) {
    const connect = el('div', { class: 'field' });
    connect.appendChild(el('label', { for: 'prop-new-flow' }, 'Add a flow to'));
    const sel = el('select', { id: 'prop-new-flow' });
    sel.appendChild(el('option', { value: '' }, '— choose a component —'));
    optionsFor('component', id).forEach(function (o) { sel.appendChild(el('option', { value: o[0] }, o[1])); });
    const add = el('button', { type: 'button' }, 'Add flow');
    add.addEventListener('click', function () { if (sel.value) createFlow(id, sel.value); });
    connect.appendChild(sel); connect.appendChild(add);
    propsEl.appendChild(connect);
  }
  if (!READONLY) {
    const actions = el('div', { class: 'props-actions' });
    const delBtn = el('button', { type: 'button', class: 'danger', 'data-testid': 'props-delete' }, 'Delete ' + kind.replace('_', ' '));
    delBtn.addEventListener('click', deleteSelection);
    actions.appendChild(delBtn);
    propsEl.appendChild(actions);
  }
  if (state.focusName) {
    state.focusName = false;
    const name = document.getElementById('prop-name') || propsEl.querySelector('input:not([readonly]), select, textarea');
    if (name && !READONLY) { name.focus(); if (name.select && name.tagName !== 'SELECT') name.select(); }
  } else if (active) {
    const again = document.getElementById(active);
    if (again) {
      again.focus();
      if (typing && typing.item === id && isTextField(again)) { again.value = typing.value; try { again.setSelectionRange(typing.start, typing.end); } catch (e) { /* number fields have no caret range */ } }
    }
  }
}
export function initProperties() {
  ['selection', 'applied', 'assessed'].forEach(function (name) { on(name, function () { renderProperties(); }); });
}
