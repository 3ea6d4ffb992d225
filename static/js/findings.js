/* Findings page: the list is rendered by the server (filters, sorting and pages are GET parameters); this only
   keeps the bulk triage form in step with the checkboxes ("select the page", how many are selected). */
(function () {
  'use strict';
  var form = document.getElementById('bulk-triage');
  var done = function () {
    document.body.dataset.findingsReadyAt = String(performance.now());  // since navigation start (benchmarks)
    document.body.dataset.findingsReady = '1';
  };
  if (!form) { done(); return; }
  var boxes = Array.prototype.slice.call(document.querySelectorAll('input.row-select'));
  var all = document.getElementById('select-page');
  var count = document.getElementById('selected-count');
  var submit = form.querySelector('button[type=submit]');
  var scope = function () { var checked = form.querySelector('input[name=scope]:checked'); return checked ? checked.value : 'selected'; };
  var sync = function () {
    var n = boxes.filter(function (b) { return b.checked; }).length;
    count.textContent = String(n);
    if (all) { all.checked = n > 0 && n === boxes.length; all.indeterminate = n > 0 && n < boxes.length; }
    submit.disabled = scope() === 'selected' && n === 0;
  };
  if (all) all.addEventListener('change', function () { boxes.forEach(function (b) { b.checked = all.checked; }); sync(); });
  boxes.forEach(function (b) { b.addEventListener('change', sync); });
  form.addEventListener('change', function (ev) { if (ev.target && ev.target.name === 'scope') sync(); });
  form.addEventListener('submit', function (ev) {
    var status = form.status.value;
    if ((status === 'accepted' || status === 'false_positive') && !form.justification.value.trim()) {
      ev.preventDefault();
      form.justification.setAttribute('aria-invalid', 'true');
      form.justification.focus();
    }
  });
  sync();
  done();
})();
