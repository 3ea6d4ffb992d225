/* Findings page: the live assessment's findings with filters, and triage through the API. */
(function () {
  'use strict';
  var T = window.tm, CONFIG = T.readJSON('findings-config');
  var body = document.getElementById('findings-body'), count = document.getElementById('findings-count');
  var form = document.getElementById('finding-filters');
  var tpl = document.getElementById('triage-template');
  var RANK = { critical: 0, high: 1, medium: 2, low: 3, info: 4 };
  var findings = [];
  var statusOf = function (f) { return f.status || (f.mitigated ? 'mitigated' : 'open'); };
  var render = function () {
    var q = form.q.value.trim().toLowerCase(), sev = form.severity.value, st = form.status.value, pr = form.principle.value;
    var shown = findings.filter(function (f) {
      return (!sev || f.severity === sev) && (!st || statusOf(f) === st) && (!pr || f.principle === pr) &&
        (!q || (f.id + ' ' + f.rule + ' ' + f.title + ' ' + (f.elements || []).join(' ')).toLowerCase().indexOf(q) >= 0);
    });
    T.clear(body);
    shown.slice(0, 500).forEach(function (f) {
      var tr = T.el('tr', { 'data-finding': f.id });
      var td = T.el('td'); td.appendChild(T.el('span', { class: 'sev sev-' + f.severity }, f.severity)); tr.appendChild(td);
      td = T.el('td'); td.appendChild(T.el('strong', null, f.title)); td.appendChild(T.el('div', { class: 'small muted' }, f.rule));
      if (f.remediation) { var d = T.el('details'); d.appendChild(T.el('summary', null, 'Remediation')); d.appendChild(T.el('p', null, f.remediation)); td.appendChild(d); }
      tr.appendChild(td);
      td = T.el('td');
      (f.elements || []).forEach(function (id, i) { if (i) td.appendChild(document.createTextNode(', ')); td.appendChild(T.el('code', null, id)); });
      tr.appendChild(td);
      tr.appendChild(T.el('td', { class: 'small' }, (f.principle || '—') + ' / ' + (f.pillar || '—')));
      td = T.el('td'); td.appendChild(T.el('span', { class: 'status-' + statusOf(f) }, statusOf(f).replace('_', ' ')));
      if (f.justification) td.appendChild(T.el('div', { class: 'small muted' }, f.justification));
      if (f.expires_at) td.appendChild(T.el('div', { class: 'small muted' }, 'until ' + String(f.expires_at).slice(0, 10)));
      tr.appendChild(td);
      if (CONFIG.can_edit) {
        td = T.el('td');
        var triage = tpl.content.firstElementChild.cloneNode(true);
        triage.status.value = statusOf(f);
        triage.justification.value = f.justification || '';
        if (f.expires_at) triage.expires_at.value = String(f.expires_at).slice(0, 10);
        triage.setAttribute('aria-label', 'Triage ' + f.title);
        triage.addEventListener('submit', function (ev) {
          ev.preventDefault();
          var status = triage.status.value;
          if (status !== 'open' && !triage.justification.value.trim()) { count.textContent = 'A triage decision needs a justification.'; triage.justification.setAttribute('aria-invalid', 'true'); triage.justification.focus(); return; }
          var payload = { status: status, justification: triage.justification.value, expires_at: triage.expires_at.value ? triage.expires_at.value + 'T23:59:59Z' : null };
          T.api('PATCH', CONFIG.urls.triage + encodeURIComponent(f.id) + '/', payload).then(function (res) {
            if (!res.ok) { count.textContent = 'Triage not saved: ' + T.errorText(res); return; }
            var t = (res.data && res.data.triage) || {};
            f.status = t.status || status; f.justification = t.justification !== undefined ? t.justification : payload.justification;
            f.expires_at = t.expires_at !== undefined ? t.expires_at : payload.expires_at;
            render();
            count.textContent = 'Saved: ' + f.title + ' is now ' + f.status.replace('_', ' ') + '. ' + count.textContent;
          });
        });
        td.appendChild(triage); tr.appendChild(td);
      }
      body.appendChild(tr);
    });
    count.textContent = shown.length + ' of ' + findings.length + ' findings' + (shown.length > 500 ? ' (first 500 shown)' : '') + '.';
  };
  form.addEventListener('input', render);
  form.addEventListener('submit', function (ev) { ev.preventDefault(); render(); });
  T.api('GET', CONFIG.urls.live_assessment).then(function (res) {
    if (!res.ok) { count.textContent = 'The assessment is unavailable: ' + T.errorText(res); return; }
    findings = (res.data.findings || []).slice().sort(function (a, b) { return (RANK[a.severity] - RANK[b.severity]) || (a.id < b.id ? -1 : 1); });
    var rev = document.getElementById('f-revision'); if (rev && res.data.revision !== undefined) rev.textContent = String(res.data.revision);
    var principles = {}; findings.forEach(function (f) { if (f.principle) principles[f.principle] = 1; });
    Object.keys(principles).sort().forEach(function (p) { form.principle.appendChild(T.el('option', { value: p }, p)); });
    render();
    document.body.dataset.findingsReady = '1';
  });
})();
