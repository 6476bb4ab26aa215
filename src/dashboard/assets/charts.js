// The overview's charts: uPlot over the figures the page embeds as JSON (#overview-data). Each
// chart is sized to its container and redrawn when the container changes size.
(function () {
  var source = document.getElementById('overview-data');
  if (source === null || typeof uPlot === 'undefined') return;
  var data = JSON.parse(source.textContent);
  var palette = ['#0b5cad', '#1a7f37', '#b42318', '#9a6700', '#6639ba', '#0e7490', '#be185d', '#4d5562'];

  document.querySelectorAll('.chart[data-series]').forEach(function (element) {
    var series = data[element.dataset.series] || [];
    if (series.length === 0) {
      element.textContent = 'No data in this range.';
      element.classList.add('muted');
      return;
    }
    var options = {
      width: Math.max(300, element.clientWidth),
      height: 240,
      series: [{}].concat(
        series.map(function (entry, index) {
          return { label: entry.label, stroke: palette[index % palette.length], width: 2, spanGaps: false, points: { show: data.x.length < 40 } };
        }),
      ),
      axes: [{}, { size: 60 }],
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
