// Conformance on the canvas: a toolbar toggle colours each designed flow by what the attached manifests and the
// latest observation say of it (GET .../conformance/, computed for the current revision): designed and observed,
// designed but unused, blocked by policy, mTLS designed but plaintext observed... Flows the manifests know
// nothing of are dimmed. Re-read after every save while it is on. The colours differ from the severity colours
// (config.js SEV_COLOR), which they replace while the toggle is on.
import { cy } from './canvas.js';
import { CONFIG } from './config.js';
import { $, announce, clear, el } from './dom.js';
import { on } from './events.js';

// Worst first: a flow in several categories shows the first one it has.
export const CONF_STATUS = [
  ['designed-but-blocked', 'blocked by policy', '#e11d48'],
  ['designed-mtls-observed-plaintext', 'mTLS designed, plaintext observed', '#f97316'],
  ['designed-mtls-not-enforced', 'mTLS designed, not enforced', '#ca8a04'],
  ['designed-authenticated-caller-unknown', 'authenticated designed, anonymous caller', '#9333ea'],
  ['designed-allowed-unused', 'allowed but never observed', '#0891b2'],
  ['conforming', 'designed, allowed and observed', '#16a34a'],
  ['designed-allowed', 'designed and allowed (no observation)', '#4f46e5']
];
const COLOR = {};
CONF_STATUS.forEach(function (s) { COLOR[s[0]] = s[2]; });
const UNMAPPED = ['unmapped', 'not in the manifests', '#94a3b8'];
COLOR.unmapped = UNMAPPED[2];

let active = false;
let marked = [];
let counts = {};
let extra = { shadow: 0, overPermissive: 0 };

function statusOf(categories) {
  for (let i = 0; i < CONF_STATUS.length; i++) if (categories.indexOf(CONF_STATUS[i][0]) >= 0) return CONF_STATUS[i][0];
  return null;
}
function unmark() {
  cy.batch(function () {
    marked.forEach(function (id) { const e = cy.$id(id); if (e.nonempty()) { e.removeData('conf confcolor'); e.removeClass('conf'); } });
  });
  marked = [];
}
function apply(result) {
  const byFlow = {};
  (result.verdicts || []).forEach(function (v) {
    const status = statusOf(v.categories || []);
    (v.flows || []).forEach(function (id) {
      const before = byFlow[id];
      if (status && (!before || CONF_STATUS.findIndex(function (s) { return s[0] === status; }) < CONF_STATUS.findIndex(function (s) { return s[0] === before; }))) byFlow[id] = status;
    });
  });
  const c = result.counts || {};
  extra = { shadow: c['shadow-dependency'] || 0, overPermissive: c['over-permissive'] || 0 };
  unmark();
  counts = {};
  cy.batch(function () {
    cy.edges().forEach(function (e) {
      const status = byFlow[e.id()] || 'unmapped';
      counts[status] = (counts[status] || 0) + 1;
      e.data({ conf: status, confcolor: COLOR[status] });
      e.addClass('conf');
      marked.push(e.id());
    });
  });
  renderLegend();
}
function renderLegend() {
  const box = $('#conformance-legend');
  if (!box) return;
  clear(box);
  box.hidden = !active;
  if (!active) return;
  box.appendChild(el('strong', null, 'Conformance: '));
  CONF_STATUS.concat([UNMAPPED]).forEach(function (s) {
    if (!counts[s[0]]) return;
    const item = el('span', { class: 'conf-item', 'data-status': s[0] });
    item.appendChild(el('span', { class: 'key conf-' + s[0], 'aria-hidden': 'true' }));
    item.appendChild(document.createTextNode(' ' + s[1] + ' (' + counts[s[0]] + ')'));
    box.appendChild(item);
  });
  if (extra.shadow || extra.overPermissive) {
    const link = el('a', { href: CONFIG.urls.conformance_page || '#' },
      extra.shadow + ' observed and ' + extra.overPermissive + ' allowed pair(s) are not designed: see the Conformance page');
    box.appendChild(link);
  }
}
let loads = 0;  // only the latest request's answer is applied (saves can follow each other quickly)
function load() {
  const mine = ++loads;
  return fetch(CONFIG.urls.conformance, { credentials: 'same-origin', headers: { 'Accept': 'application/json' } })
    .then(function (resp) {
      return resp.json().catch(function () { return {}; }).then(function (data) {
        if (!active || mine !== loads) return;
        if (!resp.ok) { setActive(false); announce('No conformance to show: ' + (data.detail || 'HTTP ' + resp.status), 'error'); return; }
        apply(data);
        document.body.dataset.conformanceRevision = String(data.revision !== undefined ? data.revision : '');
        document.body.dataset.conformance = 'on';
      });
    })
    .catch(function () { if (active) { setActive(false); announce('The conformance result is unavailable.', 'error'); } });
}
function setActive(on_) {
  active = on_;
  const button = document.querySelector('[data-testid="tool-conformance"]');
  if (button) button.setAttribute('aria-pressed', active ? 'true' : 'false');
  if (!active) { unmark(); counts = {}; delete document.body.dataset.conformance; }
  renderLegend();
}
export function toggleConformance() {
  setActive(!active);
  if (active) { announce('Colouring flows by conformance…'); return load(); }
  announce('Conformance colours off.');
  return Promise.resolve();
}
export function conformanceOf(id) { const e = cy.$id(id); return e.nonempty() ? (e.data('conf') || null) : null; }

export function initConformance() {
  const button = document.querySelector('[data-testid="tool-conformance"]');
  if (!button || !CONFIG.urls.conformance) return;
  button.addEventListener('click', toggleConformance);
  // not returned: the save queue does not wait for the conformance, which can take a while on a large cluster
  on('saved', function () { if (active) load(); return null; });
}
