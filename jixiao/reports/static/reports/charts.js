/* The statistics pages' charts, drawn with ECharts from the figures the server put in
 * #chart-data (the same figures as the tables under them). */
(function () {
  "use strict";
  var source = document.getElementById("chart-data");
  if (!source || !window.echarts) return;
  var data = JSON.parse(source.textContent);
  var RED = "#b4232a", GOLD = "#e6b44c", GREY = "#8a8f98";
  var base = { color: [RED, GOLD, GREY, "#4c7fb4", "#6aa16a"], animation: false, tooltip: {} };

  function merge(option) {
    var result = {};
    Object.keys(base).forEach(function (k) { result[k] = base[k]; });
    Object.keys(option).forEach(function (k) { result[k] = option[k]; });
    return result;
  }

  function horizontalBars(rows) {
    return {
      grid: { left: 8, right: 40, top: 8, bottom: 8, containLabel: true },
      xAxis: { type: "value" },
      yAxis: { type: "category", inverse: true, axisLabel: { interval: 0 }, data: rows.map(function (r) { return r[0]; }) },
      series: [{ type: "bar", data: rows.map(function (r) { return r[1]; }), label: { show: true, position: "right" } }],
    };
  }

  var builders = {
    units: function () { return horizontalBars(data.units); },
    vetoes: function () { return horizontalBars(data.vetoes); },
    categories: function () {
      var names = data.categories.map(function (r) { return r[0]; });
      return {
        legend: { top: 0 }, grid: { containLabel: true, left: 8, right: 8, top: 40, bottom: 8 },
        xAxis: { type: "category", data: names, axisLabel: { interval: 0, rotate: 20 } },
        yAxis: { type: "value" },
        series: [
          { name: data.routes[0][0], type: "bar", stack: "all", data: data.categories.map(function (r) { return r[1]; }) },
          { name: data.routes[1][0], type: "bar", stack: "all", data: data.categories.map(function (r) { return r[2]; }) },
        ],
      };
    },
    routes: function () {
      return {
        series: [{ type: "pie", radius: ["40%", "68%"], label: { formatter: "{b}\n{c}" },
          data: data.routes.map(function (r) { return { name: r[0], value: r[1] }; }) }],
      };
    },
    boxes: function () {
      return {
        grid: { containLabel: true, left: 8, right: 8, bottom: 8 },
        xAxis: { type: "category", data: data.boxes.map(function (b) { return b[0]; }), axisLabel: { interval: 0, rotate: 20 } },
        yAxis: { type: "value", scale: true },
        series: [{ type: "boxplot", data: data.boxes.map(function (b) { return b[1]; }) }],
      };
    },
    histogram: function () {
      var width = data.histogram.width, starts = [], byCategory = {};
      var lowest = Infinity, highest = -Infinity;
      data.histogram.bars.forEach(function (bar) {
        lowest = Math.min(lowest, bar[1]);
        highest = Math.max(highest, bar[1]);
        (byCategory[bar[0]] = byCategory[bar[0]] || {})[bar[1]] = bar[2];
      });
      // Every band from the lowest to the highest, empty ones too: the shape stays true.
      for (var start = lowest; start <= highest; start += width) starts.push(start);
      return {
        legend: { type: "scroll", top: 0 }, grid: { containLabel: true, left: 8, right: 8, top: 40, bottom: 8 },
        xAxis: { type: "category", data: starts.map(function (s) { return s + "–" + (s + width); }) },
        yAxis: { type: "value" },
        series: Object.keys(byCategory).map(function (name) {
          return { name: name, type: "bar", stack: "all", data: starts.map(function (s) { return byCategory[name][s] || 0; }) };
        }),
      };
    },
    personal: function () {
      return {
        legend: { top: 0 }, grid: { containLabel: true, left: 8, right: 8, top: 40, bottom: 8 },
        xAxis: { type: "category", data: data.periods },
        yAxis: [{ type: "value", scale: true }, { type: "value", inverse: true, minInterval: 1 }],
        series: [
          { name: data.labels.total, type: "line", data: data.totals },
          { name: data.labels.rank, type: "line", yAxisIndex: 1, data: data.ranks },
        ],
      };
    },
    trend: function () {
      return {
        legend: { top: 0 }, grid: { containLabel: true, left: 8, right: 8, top: 40, bottom: 8 },
        xAxis: { type: "category", data: data.periods },
        yAxis: [{ type: "value" }, { type: "value", axisLabel: { formatter: "{value}%" } }],
        series: [
          { name: data.labels.exemplars, type: "line", data: data.exemplars },
          { name: data.labels.special, type: "line", data: data.special },
          { name: data.labels.share, type: "bar", yAxisIndex: 1, data: data.share, itemStyle: { opacity: 0.35 } },
        ],
      };
    },
  };

  var charts = [];
  Array.prototype.forEach.call(document.querySelectorAll("[data-chart]"), function (element) {
    var build = builders[element.dataset.chart];
    if (!build) return;
    // A bar per unit or reason: tall enough for every name.
    var rows = data[element.dataset.chart];
    if (Array.isArray(rows) && (element.dataset.chart === "units" || element.dataset.chart === "vetoes")) {
      element.style.height = Math.max(200, rows.length * 22 + 40) + "px";
    }
    var chart = window.echarts.init(element);
    chart.setOption(merge(build()));
    charts.push(chart);
  });
  window.addEventListener("resize", function () { charts.forEach(function (c) { c.resize(); }); });
})();
