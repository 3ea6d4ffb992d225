// The findings list and attack paths (highlighting a path on the canvas).
import { cy } from './canvas.js';
import { READONLY, SEVERITIES } from './config.js';
import { $, announce, clear, el } from './dom.js';
import { on } from './events.js';
import { quickFixOf } from './fixes.js';
import { commit } from './save.js';
import { selectIds } from './selection.js';
import { displayName, getEl, isOpen, kindOfId, state } from './state.js';

export function renderFindings() {
  const list = $('#findings-list'); if (!list) return;
  clear(list);
  const open = state.findings.filter(isOpen);
  let counts = {}; SEVERITIES.forEach(function (s) { counts[s] = 0; });
  if (state.counts) counts = Object.assign(counts, state.counts.open);  // the server's counts (selectors.live_counts)
  else open.forEach(function (f) { counts[f.severity] = (counts[f.severity] || 0) + 1; });
  const summary = $('#findings-summary');
  if (summary) {
    clear(summary);
    SEVERITIES.forEach(function (s) { if (counts[s]) summary.appendChild(el('span', { class: 'sev sev-' + s }, counts[s] + ' ' + s)); });
    if (!open.length) summary.appendChild(el('span', { class: 'muted' }, state.assessed ? 'No open findings.' : 'Not assessed yet.'));
  }
  open.slice(0, 300).forEach(function (f) {
    const li = el('li');
    const b = el('button', { type: 'button', class: 'finding', 'data-finding': f.id, 'data-rule': f.rule });
    b.appendChild(el('span', { class: 'sev sev-' + f.severity }, f.severity));
    b.appendChild(el('span', { class: 'finding-title' }, f.title));
    b.appendChild(el('span', { class: 'muted finding-els' }, (f.elements || []).map(function (id) { const x = getEl(id); return x ? displayName(x, kindOfId(id)) : id; }).join(', ')));
    b.addEventListener('click', function () { selectIds(f.elements || []); announce('Selected the elements of: ' + f.title); });
    li.appendChild(b);
    const quick = READONLY ? null : quickFixOf(f);
    if (f.remediation || quick) {
      const d = el('details', { class: 'how-to-fix' });
      d.appendChild(el('summary', null, 'How to fix'));
      if (f.remediation) d.appendChild(el('p', null, f.remediation));
      if (quick) {
        const fixBtn = el('button', { type: 'button', class: 'primary small', 'data-testid': 'quick-fix', 'data-fix-finding': f.id }, quick.label);
        fixBtn.addEventListener('click', function () {
          const now = quickFixOf(f);
          if (now && commit(now.changes, now.message)) announce(now.message + '. Ctrl+Z undoes.', 'ok');
        });
        d.appendChild(fixBtn);
      }
      li.appendChild(d);
    }
    list.appendChild(li);
  });
  if (open.length > 300) list.appendChild(el('li', { class: 'muted' }, (open.length - 300) + ' more on the findings page.'));
}
export function clearPath() {
  cy.elements().removeClass('path-dim path-on');
  state.highlightedPath = null;
  document.querySelectorAll('[data-path].active').forEach(function (n) { n.classList.remove('active'); n.setAttribute('aria-pressed', 'false'); });
}
function highlightPath(p) {
  clearPath();
  let on = cy.collection();
  (p.hops || []).concat(p.flows || []).forEach(function (id) { const e = cy.$id(id); if (e.nonempty()) on = on.union(e); });
  cy.batch(function () { cy.elements().not(on).not(on.ancestors()).addClass('path-dim'); on.addClass('path-on'); });
  state.highlightedPath = p.id;
  const names = (p.hops || []).map(function (id) { const c = state.elements.component.get(id); return c ? c.name : id; });
  announce('Attack path highlighted: ' + names.join(' → '));
  if (on.nonempty()) cy.animate({ fit: { eles: on, padding: 80 }, duration: 250 });
}
export function renderPaths() {
  const list = $('#paths-list'); if (!list) return;
  clear(list);
  if (!state.paths.length) { list.appendChild(el('li', { class: 'muted' }, state.assessed ? 'No attack paths found.' : 'Not assessed yet.')); return; }
  state.paths.slice(0, 50).forEach(function (p) {
    const li = el('li');
    const names = (p.hops || []).map(function (id) { const c = state.elements.component.get(id); return c ? c.name : id; });
    const b = el('button', { type: 'button', class: 'path', 'data-path': p.id, 'aria-pressed': 'false' });
    b.appendChild(el('span', { class: 'path-hops' }, names.join(' → ')));
    b.appendChild(el('span', { class: 'muted' }, ' cost ' + p.cost + (p.data_at_risk && p.data_at_risk.length ? ' · data at risk: ' + p.data_at_risk.join(', ') : '')));
    b.addEventListener('click', function () {
      if (state.highlightedPath === p.id) { clearPath(); announce('Attack path cleared.'); return; }
      highlightPath(p); b.classList.add('active'); b.setAttribute('aria-pressed', 'true');
    });
    li.appendChild(b); list.appendChild(li);
  });
}

export function initFindings() {
  on('assessed', function () { renderFindings(); renderPaths(); });
}
