/* Reports page: request a report (202), poll its progress, offer the download. */
(function () {
  'use strict';
  var T = window.tm, CONFIG = T.readJSON('reports-config');
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
