/* Reports page: request a report (202), poll its progress, offer the download. */
(function () {
  'use strict';
  var T = window.tm, CONFIG = T.readJSON('reports-config');
  // The list of reports follows the jobs without a reload: polled while one is queued or running.
  var body = document.getElementById('reports-body'), FORMATS = { pdf: 'PDF', html: 'HTML', sarif: 'SARIF', csv: 'CSV', json: 'JSON', text: 'Text' };
  var listTimer = null;
  var cell = function (tr, content) { var td = document.createElement('td'); if (content && content.nodeType) td.appendChild(content); else td.textContent = content; tr.appendChild(td); return td; };
  var size = function (n) { if (n == null) return '—'; if (n < 1024) return n + ' bytes'; if (n < 1048576) return (n / 1024).toFixed(1) + ' KB'; return (n / 1048576).toFixed(1) + ' MB'; };
  var renderList = function (items) {
    while (body.firstChild) body.removeChild(body.firstChild);
    if (!items.length) { var tr0 = document.createElement('tr'); var td0 = cell(tr0, 'No reports yet.'); td0.colSpan = 5; td0.className = 'muted'; body.appendChild(tr0); return; }
    items.forEach(function (r) {
      var tr = document.createElement('tr'); tr.dataset.report = r.id;
      var when = document.createElement('time'); when.dateTime = r.created_at; when.textContent = String(r.created_at || '').replace('T', ' ').slice(0, 16);
      cell(tr, when); cell(tr, FORMATS[r.format] || r.format);
      cell(tr, r.status + ((r.status === 'running' || r.status === 'queued') ? ' (' + (r.progress || 0) + '%)' + (r.progress_message ? ': ' + r.progress_message : '') : ''));
      cell(tr, size(r.size_bytes));
      if (r.status === 'succeeded') { var a = document.createElement('a'); a.href = r.download_url || (CONFIG.urls.report + r.id + '/download/'); a.textContent = 'download'; cell(tr, a); } else cell(tr, '—');
      body.appendChild(tr);
    });
  };
  var refreshList = function () {
    if (!body || !CONFIG.urls.list) return;
    clearTimeout(listTimer);
    T.api('GET', CONFIG.urls.list).then(function (res) {
      if (!res.ok || !res.data) return;
      var items = res.data.results || [];
      renderList(items);
      var busy = items.some(function (r) { return r.status === 'queued' || r.status === 'running'; });
      if (busy) listTimer = setTimeout(refreshList, 1500);
    });
  };
  if (body && body.textContent.match(/queued|running/)) refreshList();
  var form = document.getElementById('report-form');
  if (!form) return;
  var wrap = document.getElementById('report-progress'), bar = document.getElementById('report-bar');
  var text = document.getElementById('report-progress-text'), link = document.getElementById('report-download');
  var poll = function (url, tries) {
    T.api('GET', url).then(function (res) {
      if (!res.ok) { text.textContent = 'Could not read the report status: ' + T.errorText(res); return; }
      var r = res.data;
      bar.value = r.progress || 0;
      text.textContent = (r.status || '') + (r.progress_message ? ': ' + r.progress_message : '') + ' (' + (r.progress || 0) + '%)';
      if (r.status === 'succeeded' || r.status === 'failed') refreshList();
      if (r.status === 'succeeded') {
        bar.value = 100;
        link.href = r.download_url || (CONFIG.urls.report + r.id + '/download/');
        link.textContent = 'Download the ' + String(r.format || '').toUpperCase() + ' report';
        link.hidden = false; link.focus();
        form.querySelector('button').disabled = false;
      } else if (r.status === 'failed') {
        text.textContent = 'The report failed: ' + (r.error || 'unknown error');
        form.querySelector('button').disabled = false;
      } else if (tries < 600) {
        setTimeout(function () { poll(url, tries + 1); }, tries < 10 ? 500 : 1500);
      }
    });
  };
  form.addEventListener('submit', function (ev) {
    ev.preventDefault();
    form.querySelector('button').disabled = true;
    wrap.hidden = false; link.hidden = true; bar.value = 0; text.textContent = 'Requested…';
    var request = function (retried) {
      return T.api('POST', CONFIG.urls.create, { format: form.format.value }).then(function (res) {
        var runMissing = res.status === 400 && res.data && (res.data.errors || []).some(function (e) { return e.path === 'run'; });
        if (runMissing && !retried) {
          // no finished assessment yet: run one, then ask again
          text.textContent = 'Assessing the current revision first…'; bar.value = 5;
          return T.api('POST', CONFIG.urls.assess, {}).then(function (run) {
            if (!run.ok) { text.textContent = 'Could not assess the model: ' + T.errorText(run); form.querySelector('button').disabled = false; return null; }
            return waitRun(run.data.url || (CONFIG.urls.run + run.data.id + '/'), 0).then(function () { return request(true); });
          });
        }
        if (!res.ok) { text.textContent = 'Not started: ' + T.errorText(res); form.querySelector('button').disabled = false; return null; }
        var r = res.data || {};
        poll(r.url || (CONFIG.urls.report + r.id + '/'), 0);
        refreshList();
        return null;
      });
    };
    var waitRun = function (url, tries) {
      return T.api('GET', url).then(function (res) {
        var st = res.data && res.data.status;
        if (st === 'succeeded' || st === 'failed' || tries > 300) return st;
        bar.value = Math.min(30, 5 + tries);
        return new Promise(function (resolve) { setTimeout(resolve, 500); }).then(function () { return waitRun(url, tries + 1); });
      });
    };
    request(false);
  });
})();
