/* The rolling big screen: rotates pages of exemplar cards, keeps the counters and charts
 * current, and picks up newly published exemplars by itself.
 *
 * Built to run for days on a lobby TV: the card elements and the chart instances are made
 * once and only updated afterwards (nothing is appended per rotation or per refresh), one
 * timer chain each, and the data is fetched with its ETag so an unchanged showcase costs a
 * 304. As a last guard against a browser's own slow leaks, the page reloads once a day.
 */
(function () {
  "use strict";
  var body = document.body;
  var noPhoto = body.dataset.noPhoto;
  var dataUrl = body.dataset.url;
  var interval = milliseconds(body.dataset.interval, 10, 50);
  var refresh = milliseconds(body.dataset.refresh, 60, 200);
  var showUnits = !body.dataset.unit;
  var cardsBox = document.getElementById("s-cards");
  var pageLabel = document.getElementById("s-page");
  var emptyNote = document.getElementById("s-empty");
  var DAY = 24 * 60 * 60 * 1000;

  /* Seconds from the page's data attribute, as milliseconds; a missing, zero or odd value
   * (NaN would fire timers at once) falls back to the default. */
  function milliseconds(text, fallbackSeconds, minimum) {
    var seconds = parseFloat(text);
    if (!isFinite(seconds) || seconds <= 0) seconds = fallbackSeconds;
    return Math.max(minimum, seconds * 1000);
  }

  var state = { version: null, cards: [], page: 0, slots: [], perPage: 0, rotations: 0 };
  var charts = {};
  document.documentElement.classList.add("js");

  function layoutSize() {
    var style = getComputedStyle(body);
    var cols = parseInt(style.getPropertyValue("--cols"), 10) || 4;
    var rows = parseInt(style.getPropertyValue("--rows"), 10) || 2;
    return cols * rows;
  }

  function makeSlot() {
    var slot = document.createElement("article");
    slot.className = "slot";
    slot.innerHTML =
      '<img alt=""><div class="slot-text"><b class="name"></b><span class="post"></span>' +
      '<span class="unit"></span><span class="route"></span><p class="deeds"></p></div>';
    return {
      root: slot,
      img: slot.querySelector("img"),
      name: slot.querySelector(".name"),
      post: slot.querySelector(".post"),
      unit: slot.querySelector(".unit"),
      route: slot.querySelector(".route"),
      deeds: slot.querySelector(".deeds"),
    };
  }

  /* The slots are rebuilt only when the layout's number of cards changes (a resize). */
  function ensureSlots() {
    var size = layoutSize();
    if (size === state.perPage) return;
    state.perPage = size;
    state.slots.forEach(function (slot) { slot.root.remove(); });
    // The server's first page goes; its "nothing published" note stays, shown when empty.
    Array.prototype.forEach.call(cardsBox.querySelectorAll(".slot"), function (slot) { slot.remove(); });
    state.slots = [];
    for (var i = 0; i < size; i++) {
      var slot = makeSlot();
      state.slots.push(slot);
      cardsBox.appendChild(slot.root);
    }
  }

  function fill(slot, card) {
    slot.root.hidden = !card;
    if (!card) return;
    var src = card.photo || noPhoto;
    if (slot.img.getAttribute("src") !== src) slot.img.setAttribute("src", src);
    slot.img.alt = card.name;
    slot.name.textContent = card.name;
    slot.post.textContent = card.post;
    slot.unit.textContent = card.unit;
    slot.route.textContent = card.route_label;
    slot.route.className = "route route-" + card.route;
    slot.deeds.textContent = card.achievements;
  }

  function pages() {
    return Math.max(1, Math.ceil(state.cards.length / state.perPage));
  }

  function show() {
    ensureSlots();
    emptyNote.hidden = state.cards.length > 0;
    if (state.page >= pages()) state.page = 0;
    var start = state.page * state.perPage;
    for (var i = 0; i < state.slots.length; i++) fill(state.slots[i], state.cards[start + i]);
    pageLabel.textContent = state.cards.length ? (state.page + 1) + " / " + pages() : "";
    body.dataset.page = String(state.page);
    body.dataset.pages = String(pages());
    body.dataset.rotations = String(state.rotations);
  }

  function rotate() {
    if (pages() > 1) {
      cardsBox.classList.add("fading");
      window.setTimeout(function () {
        state.page = (state.page + 1) % pages();
        state.rotations += 1;
        show();
        cardsBox.classList.remove("fading");
      }, Math.min(400, interval / 4));
    } else {
      state.rotations += 1;
      body.dataset.rotations = String(state.rotations);
    }
    window.setTimeout(rotate, interval);
  }

  var GOLD = "#f2c462", CREAM = "#fff6e0";
  var lastData = null;

  /* ECharts sizes are in pixels: grown with the screen, so a 4K lobby screen reads as a 1080p one. */
  function px(n) {
    return Math.round(n * Math.max(1, window.innerHeight / 1080));
  }
  var PALETTE = ["#f2c462", "#ff8a5c", "#ffd8a8", "#e85d4a", "#ffe9b3", "#c9a227", "#f7a072", "#ffd166"];

  /* Labels must stay readable on a small screen too (1366×768): every name is shown (no
   * label of a crowded axis is dropped), in a font that fits the chart's rows, and a name
   * too long for the room it has ends with an ellipsis instead of squeezing the bars. */
  function fitFont(size, room) {
    return Math.max(9, Math.min(size, Math.floor(room)));
  }

  function pie(rows, element) {
    var font = fitFont(px(13), element.clientHeight / 9);
    return {
      color: PALETTE,
      tooltip: { trigger: "item" },
      series: [{
        type: "pie", radius: ["40%", "68%"], center: ["50%", "52%"], avoidLabelOverlap: true,
        label: {
          color: CREAM, fontSize: font, lineHeight: Math.round(font * 1.2), formatter: "{b}\n{c}",
          alignTo: "labelLine", edgeDistance: px(6), overflow: "truncate", ellipsis: "…",
        },
        labelLine: { length: px(8), length2: px(8) },
        data: rows.map(function (r) { return { name: r[0], value: r[1] }; }),
      }],
      animation: false,
    };
  }

  function bars(rows, limit, element) {
    var top = rows.slice().sort(function (a, b) { return b[1] - a[1]; }).slice(0, limit).reverse();
    var margin = px(6);
    var pitch = (element.clientHeight - 2 * margin) / Math.max(1, top.length);
    var font = fitFont(px(12), pitch * 0.7);
    return {
      grid: { left: px(8), right: px(36), top: margin, bottom: margin, containLabel: true },
      xAxis: { type: "value", show: false },
      yAxis: {
        type: "category", data: top.map(function (r) { return r[0]; }),
        axisLabel: {
          color: CREAM, fontSize: font, interval: 0,
          width: Math.round(element.clientWidth * 0.55), overflow: "truncate", ellipsis: "…",
        },
        axisLine: { show: false }, axisTick: { show: false },
      },
      series: [{
        type: "bar", data: top.map(function (r) { return r[1]; }), itemStyle: { color: GOLD },
        label: { show: true, position: "right", color: CREAM, fontSize: font }, barMaxWidth: px(18),
      }],
      animation: false,
    };
  }

  function chart(id) {
    if (!window.echarts) return null;
    var element = document.getElementById(id);
    if (!element) return null;
    if (!charts[id]) charts[id] = window.echarts.init(element, null, { renderer: "canvas" });
    return charts[id];
  }

  function draw(data) {
    lastData = data;
    var route = chart("chart-route");
    if (route) route.setOption(pie(data.charts.by_route, route.getDom()), { notMerge: true });
    var category = chart("chart-category");
    if (category) category.setOption(bars(data.charts.by_category, 8, category.getDom()), { notMerge: true });
    var unit = showUnits ? chart("chart-unit") : null;
    if (unit) unit.setOption(bars(data.charts.by_unit, 10, unit.getDom()), { notMerge: true });
  }

  function apply(data) {
    state.version = data.version;
    document.getElementById("s-title").textContent = data.title;
    document.getElementById("s-where").textContent = data.where;
    state.cards = data.cards;
    body.dataset.version = data.version;
    body.dataset.cards = String(data.cards.length);
    ["exemplars", "by_rank", "special", "units"].forEach(function (name) {
      document.getElementById("c-" + name).textContent = data.counters[name];
    });
    draw(data);
    show();
  }

  function poll() {
    fetch(dataUrl, { cache: "no-cache", credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (response) { return response.status === 200 ? response.json() : null; })
      .then(function (data) {
        if (data && data.version !== state.version) apply(data);
        body.dataset.polls = String((parseInt(body.dataset.polls || "0", 10)) + 1);
      })
      .catch(function () { /* the network is back at the next poll */ })
      .then(function () { window.setTimeout(poll, refresh); });
  }

  function tick() {
    var now = new Date();
    var pad = function (n) { return (n < 10 ? "0" : "") + n; };
    document.getElementById("s-clock").textContent =
      now.getFullYear() + "-" + pad(now.getMonth() + 1) + "-" + pad(now.getDate()) + " " +
      pad(now.getHours()) + ":" + pad(now.getMinutes());
    window.setTimeout(tick, 1000 * (60 - now.getSeconds()));
  }

  window.addEventListener("resize", function () {
    Object.keys(charts).forEach(function (id) { charts[id].resize(); });
    if (lastData) draw(lastData);
    show();
  });

  tick();
  poll();
  window.setTimeout(rotate, interval);
  /* The daily reload happens only while the server answers: a TV reloaded during an
   * outage would stay on the browser's error page. */
  function reloadWhenReachable() {
    fetch(dataUrl, { cache: "no-store", credentials: "same-origin" })
      .then(function (response) {
        if (response.ok) window.location.reload();
        else window.setTimeout(reloadWhenReachable, 5 * 60 * 1000);
      })
      .catch(function () { window.setTimeout(reloadWhenReachable, 5 * 60 * 1000); });
  }
  window.setTimeout(reloadWhenReachable, DAY);
})();
