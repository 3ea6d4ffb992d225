/* Dashboard: models without a stored assessment get their live score and open findings filled in. */
(function () {
  'use strict';
  var SEV = ['critical', 'high', 'medium', 'low', 'info'];
  var cells = Array.prototype.slice.call(document.querySelectorAll('[data-score-for]')).filter(function (c) { return c.querySelector('.muted'); }).slice(0, 20);
  var run = function (i) {
    if (i >= cells.length) return;
    var cell = cells[i], id = cell.dataset.scoreFor;
    fetch('/api/v1/models/' + id + '/live-assessment/', { credentials: 'same-origin', headers: { Accept: 'application/json' } })
      .then(function (r) { return r.ok ? r.json() : null; })
      .then(function (res) {
        if (!res || !res.scores) return;
        var s = res.scores.overall;
        while (cell.firstChild) cell.removeChild(cell.firstChild);
        var chip = document.createElement('span'); chip.className = 'score-chip'; chip.dataset.level = s >= 80 ? 'good' : s >= 50 ? 'fair' : 'poor';
        chip.textContent = res.scores.assessed === false ? 'not enough detail' : (res.scores.grade ? res.scores.grade + ' · ' : '') + (Math.round(s * 10) / 10).toFixed(1);
        if (res.scores.assessed === false) chip.dataset.level = 'none';
        cell.appendChild(chip);
        if (res.scores.coverage) { var cov = document.createElement('small'); cov.className = 'coverage'; cov.textContent = ' coverage ' + Math.round(res.scores.coverage.ratio * 100) + '%'; cell.appendChild(cov); }
        var small = document.createElement('small'); small.className = 'muted'; small.textContent = ' live'; cell.appendChild(small);
        var counts = (res.counts && res.counts.open) || {};  // the server's one definition of the counts
        var target = document.querySelector('[data-counts-for="' + id + '"]');
        if (target) {
          while (target.firstChild) target.removeChild(target.firstChild);
          var any = false;
          SEV.forEach(function (sev) { if (counts[sev]) { any = true; var b = document.createElement('span'); b.className = 'sev sev-' + sev; b.textContent = counts[sev] + ' ' + sev; target.appendChild(b); } });
          if (!any) { var n = document.createElement('span'); n.className = 'muted'; n.textContent = 'none open'; target.appendChild(n); }
        }
      })
      .catch(function () { /* leave "not assessed" */ })
      .then(function () { run(i + 1); });
  };
  run(0);
  // Rows whose latest revision is not assessed yet (an edit a moment ago): follow the stored score until it
  // describes that revision (the background job), then show its score and counts.
  var fill = function (id, score) {
    var cell = document.querySelector('[data-score-for="' + id + '"]'), target = document.querySelector('[data-counts-for="' + id + '"]');
    if (cell) {
      while (cell.firstChild) cell.removeChild(cell.firstChild);
      var chip = document.createElement('span'); chip.className = 'score-chip'; chip.dataset.level = score.overall >= 80 ? 'good' : score.overall >= 50 ? 'fair' : 'poor';
      chip.textContent = (Math.round(score.overall * 10) / 10).toFixed(1); cell.appendChild(chip);
    }
    if (target && score.counts && score.counts.open) {
      while (target.firstChild) target.removeChild(target.firstChild);
      var any = false;
      SEV.forEach(function (sev) { var n = score.counts.open[sev]; if (n) { any = true; var b = document.createElement('span'); b.className = 'sev sev-' + sev; b.textContent = n + ' ' + sev; target.appendChild(b); } });
      if (!any) { var none = document.createElement('span'); none.className = 'muted'; none.textContent = 'none open'; target.appendChild(none); }
    }
    var rev = document.querySelector('[data-revision-for="' + id + '"]');
    if (rev) rev.textContent = 'r' + score.revision;
  };
  var follow = function (row, tries) {
    var id = row.dataset.model, wanted = parseInt(row.dataset.revision, 10);
    fetch('/api/v1/models/' + id + '/score/', { credentials: 'same-origin', headers: { Accept: 'application/json' } })
      .then(function (r) { return r.ok ? r.json() : null; })
      .then(function (score) {
        if (score && score.revision >= wanted) { row.dataset.assessed = String(score.revision); fill(id, score); return; }
        if (tries < 60) setTimeout(function () { follow(row, tries + 1); }, 2000);
      })
      .catch(function () { /* keep what the page shows */ });
  };
  Array.prototype.slice.call(document.querySelectorAll('tr[data-model]'))
    .filter(function (row) { return row.dataset.assessed !== row.dataset.revision; })
    .slice(0, 20)
    .forEach(function (row) { follow(row, 0); });
})();
