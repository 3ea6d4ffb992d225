// Live assessment: fetching it, severity badges on the canvas, the score panel.
import { badgeUri, cy, flowLabel } from './canvas.js';
import { CONFIG, SEV_COLOR, SEV_RANK } from './config.js';
import { $, clear, el } from './dom.js';
import { emit, on } from './events.js';
import { isOpen, state, worst } from './state.js';

export function refreshAssessment(t0) {
  if (!CONFIG.urls.live_assessment) return Promise.resolve();
  return fetch(CONFIG.urls.live_assessment, { credentials: 'same-origin', headers: { 'Accept': 'application/json' } })
    .then(function (resp) {
      if (!resp.ok) { $('#score-overall') && ($('#score-overall').textContent = '—'); announceAssessment('The live assessment is unavailable (HTTP ' + resp.status + ').'); return null; }
      return resp.json().then(function (result) {
        applyAssessment(result);
        if (t0 !== null && t0 !== undefined) {
          state.lastRoundTrip = performance.now() - t0;
          state.roundTrips.push(state.lastRoundTrip);
          const rt = $('#roundtrip'); if (rt) rt.textContent = Math.round(state.lastRoundTrip) + ' ms';
        }
      });
    }).catch(function () { announceAssessment('The live assessment is unavailable.'); });
}
function announceAssessment(msg) { const n = $('#assessment-status'); if (n) n.textContent = msg; }
let flagged = [];
function applyAssessment(result) {
  const t0 = performance.now();
  state.assessed = true;
  state.counts = result.counts || null;
  state.findings = (result.findings || []).slice().sort(function (a, b) { return (SEV_RANK[a.severity] - SEV_RANK[b.severity]) || (a.id < b.id ? -1 : 1); });
  state.paths = result.attack_paths || [];
  state.scores = result.scores || null;
  const before = document.body.dataset.score;
  state.findingsByElement = {};
  state.findings.forEach(function (f) {
    if (!isOpen(f)) return;
    (f.elements || []).forEach(function (id) { (state.findingsByElement[id] = state.findingsByElement[id] || []).push(f); });
  });
  refreshBadges();
  renderScore();
  emit('assessed');
  const open = state.findings.filter(isOpen).length;
  announceAssessment(open + ' open finding' + (open === 1 ? '' : 's') + (state.scores ? ', score ' + fmtScore(state.scores.overall) : '') +
    (before && state.scores && before !== String(state.scores.overall) ? ' (was ' + fmtScore(parseFloat(before)) + ')' : '') + '.');
  if (state.scores) document.body.dataset.score = String(state.scores.overall);
  document.body.dataset.openFindings = String(open);
  document.body.dataset.assessedRevision = String(result.revision !== undefined ? result.revision : state.revision);
  performance.measure('editor:apply-assessment', { start: t0 });
}
export function refreshBadges() {
  cy.batch(function () {
    flagged.forEach(function (id) { const e = cy.$id(id); if (e.nonempty()) e.removeData('sev sevcolor badge'); });
    flagged = [];
    Object.keys(state.findingsByElement).forEach(function (id) {
      const e = cy.$id(id);
      if (e.empty()) return;
      const list = state.findingsByElement[id];
      const sev = worst(list);
      const data = { sev: sev, sevcolor: SEV_COLOR[sev] };
      if (e.isNode() && e.hasClass('component')) data.badge = badgeUri(sev, list.length);
      if (e.isEdge()) data.label = flowLabel(state.elements.flow.get(id) || { protocol: '' }) + '  ⚠' + list.length;
      e.data(data);
      flagged.push(id);
    });
    // flows without findings get their plain label back (inside the batch, and only where it changed)
    cy.edges().forEach(function (e) {
      if (e.data('sev')) return;
      const f = state.elements.flow.get(e.id());
      const label = f && flowLabel(f);
      if (f && e.data('label') !== label) e.data('label', label);
    });
  });
}
function fmtScore(v) { return (v === null || v === undefined || isNaN(v)) ? '—' : (Math.round(v * 10) / 10).toFixed(1); }
export function renderScore() {
  const s = state.scores;
  const overall = $('#score-overall');
  if (!overall) return;
  const graded = s && s.assessed !== false;
  overall.textContent = graded ? fmtScore(s.overall) : '—';
  const stage = $('#score-stage'); if (stage) stage.textContent = !s ? '' : !graded ? 'not enough detail to assess' : (s.grade ? 'Grade ' + s.grade + ' · ' : '') + (s.stage || '');
  const verdict = $('#score-verdict');
  if (verdict) verdict.textContent = !s ? '' : (s.coverage ? 'Coverage ' + Math.round(s.coverage.ratio * 100) + '% of what the engine needs. ' : '') + (graded ? '' : (s.verdict || ''));
  const list = $('#score-breakdown'); clear(list);
  if (!s) return;
  const entries = function (v) { return Array.isArray(v) ? v : Object.keys(v || {}).map(function (k) { const x = v[k]; return typeof x === 'object' ? Object.assign({ key: k, name: k }, x) : { key: k, name: k, score: x }; }); };
  [['Principles', entries(s.principles)], ['ZTMM pillars', entries(s.pillars)]].forEach(function (group) {
    if (!group[1].length) return;
    list.appendChild(el('li', { class: 'score-group' }, group[0]));
    group[1].forEach(function (e) {
      const li = el('li', { class: 'score-row' });
      li.appendChild(el('span', { class: 'score-name' }, e.name || e.key));
      const bar = el('span', { class: 'score-bar', role: 'img', 'aria-label': (e.name || e.key) + ' ' + fmtScore(e.score) + ' of 100' });
      const fill = el('span', { class: 'score-fill' }); fill.style.width = Math.max(0, Math.min(100, e.score || 0)) + '%';
      fill.dataset.level = e.score >= 80 ? 'good' : e.score >= 50 ? 'fair' : 'poor';
      bar.appendChild(fill); li.appendChild(bar);
      li.appendChild(el('span', { class: 'score-num' }, fmtScore(e.score) + (e.stage ? ' · ' + e.stage : '')));
      list.appendChild(li);
    });
  });
}

export function initAssessment() {
  on('saved', function (t0) { return refreshAssessment(t0); });
  on('applied', function () { refreshBadges(); });
}
