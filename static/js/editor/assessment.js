// Live assessment: fetching it, severity badges on the canvas, the score panel.
import { badgeUri, cy, flowLabel } from './canvas.js';
import { CONFIG, SEV_COLOR, SEV_RANK } from './config.js';
import { $, clear, el } from './dom.js';
import { renderFindings, renderPaths } from './findings.js';
import { renderProperties } from './properties.js';
import { renderTextView } from './selection.js';
import { state } from './state.js';

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
          var rt = $('#roundtrip'); if (rt) rt.textContent = Math.round(state.lastRoundTrip) + ' ms';
        }
      });
    }).catch(function () { announceAssessment('The live assessment is unavailable.'); });
}
function announceAssessment(msg) { var n = $('#assessment-status'); if (n) n.textContent = msg; }
export function isOpen(f) { return !f.mitigated && (!f.status || f.status === 'open'); }
let flagged = [];
function applyAssessment(result) {
  var t0 = performance.now();
  state.assessed = true;
  state.counts = result.counts || null;
  state.findings = (result.findings || []).slice().sort(function (a, b) { return (SEV_RANK[a.severity] - SEV_RANK[b.severity]) || (a.id < b.id ? -1 : 1); });
  state.paths = result.attack_paths || [];
  state.scores = result.scores || null;
  var before = document.body.dataset.score;
  state.findingsByElement = {};
  state.findings.forEach(function (f) {
    if (!isOpen(f)) return;
    (f.elements || []).forEach(function (id) { (state.findingsByElement[id] = state.findingsByElement[id] || []).push(f); });
  });
  refreshBadges();
  renderScore();
  renderFindings();
  renderPaths();
  renderTextView();
  renderProperties();
  var open = state.findings.filter(isOpen).length;
  announceAssessment(open + ' open finding' + (open === 1 ? '' : 's') + (state.scores ? ', score ' + fmtScore(state.scores.overall) : '') +
    (before && state.scores && before !== String(state.scores.overall) ? ' (was ' + fmtScore(parseFloat(before)) + ')' : '') + '.');
  if (state.scores) document.body.dataset.score = String(state.scores.overall);
  document.body.dataset.openFindings = String(open);
  document.body.dataset.assessedRevision = String(result.revision !== undefined ? result.revision : state.revision);
  performance.measure('editor:apply-assessment', { start: t0 });
}
export function worst(list) {
  var w = null; (list || []).forEach(function (f) { if (w === null || SEV_RANK[f.severity] < SEV_RANK[w]) w = f.severity; }); return w;
}
export function refreshBadges() {
  cy.batch(function () {
    flagged.forEach(function (id) { var e = cy.$id(id); if (e.nonempty()) e.removeData('sev sevcolor badge'); });
    flagged = [];
    Object.keys(state.findingsByElement).forEach(function (id) {
      var e = cy.$id(id);
      if (e.empty()) return;
      var list = state.findingsByElement[id];
      var sev = worst(list);
      var data = { sev: sev, sevcolor: SEV_COLOR[sev] };
      if (e.isNode() && e.hasClass('component')) data.badge = badgeUri(sev, list.length);
      if (e.isEdge()) data.label = flowLabel(state.elements.flow.get(id) || { protocol: '' }) + '  ⚠' + list.length;
      e.data(data);
      flagged.push(id);
    });
    // flows without findings get their plain label back (inside the batch, and only where it changed)
    cy.edges().forEach(function (e) {
      if (e.data('sev')) return;
      var f = state.elements.flow.get(e.id());
      var label = f && flowLabel(f);
      if (f && e.data('label') !== label) e.data('label', label);
    });
  });
}
function fmtScore(v) { return (v === null || v === undefined || isNaN(v)) ? '—' : (Math.round(v * 10) / 10).toFixed(1); }
export function renderScore() {
  var s = state.scores;
  var overall = $('#score-overall');
  if (!overall) return;
  overall.textContent = s ? fmtScore(s.overall) : '—';
  var stage = $('#score-stage'); if (stage) stage.textContent = s && s.stage ? s.stage : '';
  var list = $('#score-breakdown'); clear(list);
  if (!s) return;
  var entries = function (v) { return Array.isArray(v) ? v : Object.keys(v || {}).map(function (k) { var x = v[k]; return typeof x === 'object' ? Object.assign({ key: k, name: k }, x) : { key: k, name: k, score: x }; }); };
  [['Principles', entries(s.principles)], ['ZTMM pillars', entries(s.pillars)]].forEach(function (group) {
    if (!group[1].length) return;
    list.appendChild(el('li', { class: 'score-group' }, group[0]));
    group[1].forEach(function (e) {
      var li = el('li', { class: 'score-row' });
      li.appendChild(el('span', { class: 'score-name' }, e.name || e.key));
      var bar = el('span', { class: 'score-bar', role: 'img', 'aria-label': (e.name || e.key) + ' ' + fmtScore(e.score) + ' of 100' });
      var fill = el('span', { class: 'score-fill' }); fill.style.width = Math.max(0, Math.min(100, e.score || 0)) + '%';
      fill.dataset.level = e.score >= 80 ? 'good' : e.score >= 50 ? 'fair' : 'poor';
      bar.appendChild(fill); li.appendChild(bar);
      li.appendChild(el('span', { class: 'score-num' }, fmtScore(e.score) + (e.stage ? ' · ' + e.stage : '')));
      list.appendChild(li);
    });
  });
}
