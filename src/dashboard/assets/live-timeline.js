// A run's timeline, live: follows the run's journal stream (the API's /v1/runs/{id}/events, which
// takes the dashboard's session cookie) and, for each entry, asks the dashboard for the facts and
// the new timeline items as server-rendered, escaped markup. Nothing from the run is turned into
// markup here.
(function () {
  var timeline = document.getElementById('timeline');
  if (timeline === null || timeline.dataset.live !== 'true') return;
  var runId = timeline.dataset.runId;
  var lastSeq = Number(timeline.dataset.lastSeq || '0');
  var note = document.getElementById('live-note');
  var pending = false;
  var again = false;
  var finished = false;
  var source = new EventSource('/v1/runs/' + encodeURIComponent(runId) + '/events?after=' + lastSeq);

  function refresh() {
    if (pending) {
      again = true;
      return;
    }
    pending = true;
    fetch('/ui/runs/' + encodeURIComponent(runId) + '/live?after=' + lastSeq, { credentials: 'same-origin' })
      .then(function (response) {
        if (!response.ok) throw new Error('HTTP ' + response.status);
        return response.text();
      })
      .then(function (text) {
        var parsed = new DOMParser().parseFromString(text, 'text/html');
        var facts = parsed.getElementById('live-facts');
        var items = parsed.getElementById('live-items');
        if (facts !== null) document.getElementById('run-facts').replaceChildren(facts.content.cloneNode(true));
        if (items !== null) {
          Array.prototype.forEach.call(items.content.children, function (item) {
            if (document.getElementById(item.id) === null) timeline.appendChild(item.cloneNode(true));
          });
          lastSeq = Math.max(lastSeq, Number(items.dataset.lastSeq || '0'));
          if (items.dataset.finished === 'true') finish();
        }
      })
      .catch(function () {
        if (note !== null) note.textContent = 'live (retrying)';
      })
      .finally(function () {
        pending = false;
        if (again && !finished) {
          again = false;
          refresh();
        }
      });
  }

  function finish() {
    finished = true;
    source.close();
    timeline.dataset.live = 'false';
    if (note !== null) note.textContent = 'finished';
  }

  source.onmessage = refresh;
  [
    'run-start',
    'step-start',
    'model-response',
    'model-fallback',
    'tool-call',
    'tool-start',
    'tool-result',
    'outcome-decision',
    'output-rejected',
    'guardrail-decision',
    'approval-request',
    'approval-decision',
    'escalation-open',
    'escalation-reply',
    'escalation-resolve',
    'run-waiting',
    'run-resume',
    'run-end',
  ].forEach(function (type) {
    source.addEventListener(type, refresh);
  });
  source.onerror = function () {
    // EventSource reconnects by itself with Last-Event-ID; a stream that ended after run-end closes
    // here. Otherwise the page asks for what it may have missed: if the run ended meanwhile, that
    // answer says so and the stream is closed instead of reconnecting forever.
    if (finished) source.close();
    else refresh();
  };
})();
