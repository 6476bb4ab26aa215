// The overview's charts: uPlot over the figures the page embeds as JSON (#overview-data). Each
// chart is sized to its container and redrawn when the container changes size.
(function () {
  var source = document.getElementById('overview-data');
  if (source === null || typeof uPlot === 'undefined') return;
  var data = JSON.parse(source.textContent);
  var palette = ['#0b5cad', '#1a7f37', '#b42318', '#9a6700', '#6639ba', '#0e7490', '#be185d', '#4d5562'];

  document.querySelectorAll('.chart[data-series]').forEach(function (element) {
    var series = data[element.dataset.series] || [];
    var colours = {};
    if (series.length === 0) {
      element.textContent = 'No data in this range.';
      element.classList.add('muted');
      return;
    }
    var options = {
      width: Math.max(300, element.clientWidth),
      height: 240,
      series: [{}].concat(
        series.map(function (entry) {
          // The latency chart: one colour per agent and model, a dash per percentile (p50 solid, p95 dashed, p99 dotted).
          var percentile = / (p50|p95|p99)$/.exec(entry.label);
          var group = percentile === null ? entry.label : entry.label.slice(0, -4);
          if (colours[group] === undefined) colours[group] = palette[Object.keys(colours).length % palette.length];
          var dash = percentile === null || percentile[1] === 'p50' ? undefined : percentile[1] === 'p95' ? [8, 4] : [2, 3];
          return { label: entry.label, stroke: colours[group], width: 2, dash: dash, spanGaps: false, points: { show: data.x.length < 40 } };
        }),
      ),
      axes: [{}, { size: 60 }],
      // Every other time on the pages is UTC: the axes and the legend too, whatever the browser's zone.
      tzDate: function (seconds) {
        return uPlot.tzDate(new Date(seconds * 1000), 'Etc/UTC');
      },
      legend: { live: true },
      cursor: { drag: { x: true, y: false } },
    };
    var plot = new uPlot(
      options,
      [data.x].concat(
        series.map(function (entry) {
          return entry.values;
        }),
      ),
      element,
    );
    element.dataset.drawn = 'true';
    new ResizeObserver(function () {
      plot.setSize({ width: Math.max(300, element.clientWidth), height: 240 });
    }).observe(element);
  });
})();
