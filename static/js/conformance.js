// Conformance page: attach manifests or an observation through the API, then reload to show the verdicts.
(function () {
  var status = document.getElementById('mesh-status');
  var send = function (form, body) {
    status.textContent = 'Uploading…';
    fetch(form.dataset.url, { method: 'POST', body: body, credentials: 'same-origin', headers: { 'X-CSRFToken': window.tm.csrf() } })
      .then(function (resp) {
        return resp.text().then(function (text) {
          var data = null;
          try { data = JSON.parse(text); } catch (e) { data = { detail: text.slice(0, 200) }; }
          if (resp.ok) { window.location.reload(); return; }
          status.textContent = 'Not attached: ' + window.tm.errorText({ status: resp.status, data: data });
        });
      })
      .catch(function (err) { status.textContent = 'Not attached: ' + err; });
  };
  var manifests = document.getElementById('manifests-form');
  if (manifests) {
    manifests.addEventListener('submit', function (event) {
      event.preventDefault();
      var body = new FormData();
      Array.prototype.forEach.call(manifests.elements.files.files, function (f) { body.append('files', f, f.name); });
      var options = { mesh_provider: manifests.elements.mesh_provider.value };
      if (manifests.elements.meshed_namespaces.value.trim()) options.meshed_namespaces = manifests.elements.meshed_namespaces.value;
      if (manifests.elements.default_namespace.value.trim()) options.default_namespace = manifests.elements.default_namespace.value.trim();
      body.append('options', JSON.stringify(options));
      send(manifests, body);
    });
  }
  var observation = document.getElementById('observation-form');
  if (observation) {
    observation.addEventListener('submit', function (event) {
      event.preventDefault();
      var body = new FormData();
      body.append('file', observation.elements.file.files[0]);
      body.append('format', observation.elements.format.value);
      send(observation, body);
    });
  }
  var config = window.tm.readJSON('conformance-config') || { urls: {} };
  var report = function (res, what) {
    if (res.ok) { window.location.reload(); return; }
    status.textContent = what + ': ' + window.tm.errorText(res);
  };
  var live = document.getElementById('live-form');
  if (live) {
    live.addEventListener('submit', function (event) {
      event.preventDefault();
      var body = {
        base_url: live.elements.base_url.value.trim(),
        auth: live.elements.auth.value,
        namespaces: live.elements.namespaces.value.split(',').map(function (n) { return n.trim(); }).filter(Boolean),
        interval_minutes: parseInt(live.elements.interval_minutes.value || '0', 10)
      };
      if (live.elements.token.value) body.token = live.elements.token.value;
      window.tm.api('PUT', config.urls.live, body).then(function (res) { report(res, 'Not saved'); });
    });
  }
  var pull = document.getElementById('pull-now');
  if (pull) {
    pull.addEventListener('click', function () {
      status.textContent = 'Pulling…';
      window.tm.api('POST', config.urls.pull).then(function (res) {
        if (!res.ok) { status.textContent = 'Pull failed: ' + window.tm.errorText(res); }
        window.location.reload();
      });
    });
  }
  var accept = document.getElementById('accept-observed');
  if (accept) {
    accept.addEventListener('click', function () {
      var pairs = Array.prototype.map.call(document.querySelectorAll('.accept-pair:checked'), function (box) {
        return [box.dataset.source, box.dataset.target];
      });
      if (!pairs.length) { status.textContent = 'Select observed flows to accept first.'; return; }
      window.tm.api('POST', config.urls.accept, { base_revision: config.revision, pairs: pairs })
        .then(function (res) { report(res, 'Not accepted'); });
    });
  }
})();
