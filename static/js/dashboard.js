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
        chip.textContent = (Math.round(s * 10) / 10).toFixed(1); cell.appendChild(chip);
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
})();
