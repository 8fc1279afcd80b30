/* The dashboard and its large screen (大屏): ECharts charts from the board's
   JSON (embedded on load, fetched again by the screen every N seconds) and a
   Leaflet map of grids coloured by a figure, appeals as a heat map and as
   points by status, and service points. Without a tile URL (intranet) the map
   draws on a plain background. No data leaves the page's own origin. */
(function () {
  "use strict";

  var PALETTE = ["#b3261e", "#1a73e8", "#188038", "#e37400", "#8e24aa", "#00a3bf", "#d93025", "#5f6368",
                 "#f9ab00", "#12b5cb"];

  function readJson(id) {
    var el = id && document.getElementById(id);
    if (!el) { return null; }
    try { return JSON.parse(el.textContent); } catch (e) { return null; }
  }

  function getJson(url) {
    return fetch(url, { credentials: "same-origin", headers: { "Accept": "application/json" } })
      .then(function (r) {
        if (!r.ok) { throw new Error("HTTP " + r.status); }
        return r.json();
      });
  }

  // ---------------------------------------------------------------- charts

  function chartOptions(kind, data, dark) {
    var text = dark ? "#cfd8e3" : "#1f2328";
    var base = { color: PALETTE, textStyle: { color: text }, animation: !dark, backgroundColor: "transparent",
                 tooltip: { trigger: kind === "categories" ? "item" : "axis", confine: true } };
    var labels = data.labels || {};
    if (kind === "weeks" || kind === "months") {
      var s = data[kind];
      return Object.assign(base, {
        legend: { top: 0, data: [labels.received, labels.closed], textStyle: { color: text } },
        grid: { left: 36, right: 12, top: 32, bottom: 28 },
        xAxis: { type: "category", data: s.labels.map(function (l) { return kind === "weeks" ? l.slice(5) : l; }) },
        yAxis: { type: "value", minInterval: 1 },
        series: [
          { name: labels.received, type: "line", smooth: true, data: s.received, color: "#1a73e8" },
          { name: labels.closed, type: "bar", data: s.closed, color: "#188038", barMaxWidth: 18 }
        ]
      });
    }
    if (kind === "categories") {
      return Object.assign(base, {
        legend: { type: "scroll", bottom: 0, textStyle: { color: text } },
        series: [{ name: data.categories.title, type: "pie", radius: ["35%", "65%"], center: ["50%", "45%"],
                   label: { color: text, formatter: "{b}: {c}" },
                   data: data.categories.rows.map(function (r) { return { name: r.label, value: r.values.received }; }) }]
      });
    }
    var b = data[kind]; // channels, grids, units: horizontal bars of the first column
    var first = b.columns[0];
    var rows = b.rows.slice().reverse();
    return Object.assign(base, {
      grid: { left: 8, right: 24, top: 8, bottom: 8, containLabel: true },
      xAxis: { type: "value", minInterval: 1 },
      yAxis: { type: "category", data: rows.map(function (r) { return r.label; }) },
      series: [{ name: first.label, type: "bar", barMaxWidth: 16, color: kind === "grids" ? "#e37400" : "#b3261e",
                 data: rows.map(function (r) { return r.values[first.key]; }),
                 label: { show: true, position: "right", color: text } }]
    });
  }

  function drawCharts(root, data, dark) {
    if (typeof echarts === "undefined") { return; }
    root.querySelectorAll("[data-chart]").forEach(function (el) {
      var chart = echarts.getInstanceByDom(el) || echarts.init(el, dark ? "dark" : null, { renderer: "canvas" });
      chart.setOption(chartOptions(el.dataset.chart, data, dark), true);
      el.dataset.drawn = "1";
    });
  }

  function resizeCharts(root) {
    if (typeof echarts === "undefined") { return; }
    root.querySelectorAll("[data-chart]").forEach(function (el) {
      var chart = echarts.getInstanceByDom(el);
      if (chart) { chart.resize(); }
    });
  }

  // ---------------------------------------------------------------- the map

  function scale(figure, values) {
    var max = 0;
    values.forEach(function (v) { if (v !== null && v > max) { max = v; } });
    if (figure.rate) {
      return { breaks: [0, 60, 70, 80, 90], colours: ["#d93025", "#f29900", "#fdd663", "#81c995", "#188038"] };
    }
    var colours = figure.key === "closed" ? ["#e6f4ea", "#a8dab5", "#5bb974", "#1e8e3e", "#0d652d"]
                                          : ["#fce8e6", "#f6aea9", "#ee675c", "#d93025", "#a50e0e"];
    var breaks = [0];
    for (var i = 1; i < 5; i++) { breaks.push(Math.max(breaks[i - 1] + 1, Math.ceil(max * i / 5))); }
    if (max === 0) { breaks = [0, 1, 2, 3, 4]; }
    return { breaks: breaks, colours: colours };
  }

  function colourFor(sc, value) {
    if (value === null || value === undefined) { return "#9aa0a6"; }
    var c = sc.colours[0];
    for (var i = 0; i < sc.breaks.length; i++) { if (value >= sc.breaks[i]) { c = sc.colours[i]; } }
    return c;
  }

  function dashMap(el) {
    if (typeof L === "undefined") { return; }
    if (el.dataset.icons) { L.Icon.Default.prototype.options.imagePath = el.dataset.icons; }
    var map = L.map(el, { zoomControl: true, attributionControl: !!el.dataset.tiles });
    if (el.dataset.tiles) {
      L.tileLayer(el.dataset.tiles, { maxZoom: 19, subdomains: "abc", attribution: el.dataset.attribution || "" }).addTo(map);
    } else {
      el.classList.add("map--plain");
    }
    map.setView([35.0, 105.0], 4);
    var picker = document.getElementById("map-figure");
    var state = { data: null, layers: null, control: null, legend: null, fitted: false,
                  figure: (picker && picker.value) || el.dataset.mapFigure || "received" };
    var dark = !!el.closest(".screen");

    function figureOf() {
      var list = (state.data && state.data.figures) || [];
      for (var i = 0; i < list.length; i++) { if (list[i].key === state.figure) { return list[i]; } }
      return list[0] || { key: "received", label: "", rate: false };
    }

    function gridStyle(sc, figure) {
      return function (feature) {
        return { color: dark ? "#e8eaed" : "#5f6368", weight: 1.2, fillOpacity: 0.55,
                 fillColor: colourFor(sc, feature.properties[figure.key]) };
      };
    }

    function legendHtml(sc, figure) {
      var data = state.data, html = "<strong>" + escapeHtml(figure.label) + "</strong>";
      for (var i = 0; i < sc.breaks.length; i++) {
        var to = i + 1 < sc.breaks.length ? (figure.rate ? sc.breaks[i + 1] : sc.breaks[i + 1] - 1) : null;
        var range = figure.rate ? sc.breaks[i] + "%" + (to !== null ? "–" + to + "%" : "+")
                                : sc.breaks[i] + (to !== null ? (to > sc.breaks[i] ? "–" + to : "") : "+");
        html += '<div data-legend-step><i style="background:' + sc.colours[i] + '"></i>' + range + "</div>";
      }
      if (figure.rate) { html += '<div><i style="background:#9aa0a6"></i>' + escapeHtml(el.dataset.labelNone || "—") + "</div>"; }
      html += '<hr><strong>' + escapeHtml(el.dataset.labelPoints || "") + "</strong>";
      data.statuses.forEach(function (s) {
        html += '<div data-legend-status="' + s.key + '"><i class="dot" style="background:' + s.colour + '"></i>' + escapeHtml(s.label) + "</div>";
      });
      return html;
    }

    function restyle() {
      if (!state.layers) { return; }
      var figure = figureOf();
      var values = state.data.grids.features.map(function (f) { return f.properties[figure.key]; });
      var sc = scale(figure, values);
      state.layers.grids.setStyle(gridStyle(sc, figure));
      state.layers.grids.eachLayer(function (lyr) {
        var p = lyr.feature.properties;
        lyr.setTooltipContent((p.community ? p.community + " · " : "") + p.name + ": " + figure.label + " " + p[figure.key + "_display"]);
      });
      if (state.legend) { state.legend.getContainer().innerHTML = legendHtml(sc, figure); }
      el.dataset.mapFigure = figure.key;
    }

    function draw(data) {
      state.data = data;
      var visible = { grids: true, points: true, heat: true, places: true };
      if (state.layers) {
        Object.keys(state.layers).forEach(function (k) {
          visible[k] = map.hasLayer(state.layers[k]);
          map.removeLayer(state.layers[k]);
        });
        state.control.remove();
      }
      var colours = {}, labels = {};
      data.statuses.forEach(function (s) { colours[s.key] = s.colour; labels[s.key] = s.label; });
      var grids = L.geoJSON(data.grids, {
        onEachFeature: function (feature, lyr) { lyr.bindTooltip("", { sticky: true }); }
      });
      var points = L.featureGroup(data.points.map(function (p) {
        return L.circleMarker([p.lat, p.lng], { radius: 5, weight: 1, color: "#ffffff", fillColor: colours[p.status] || "#5f6368",
                                               fillOpacity: 0.9, className: "appeal-point appeal-point--" + p.status })
          .bindTooltip((p.number ? p.number + " · " : "") + p.category + " · " + (labels[p.status] || p.status));
      }));
      var heat = L.heatLayer(data.points.map(function (p) { return [p.lat, p.lng, 1]; }),
                             { radius: 22, blur: 16, maxZoom: 17, minOpacity: 0.3 });
      var places = L.featureGroup(data.places.map(function (p) {
        return L.marker([p.lat, p.lng], { keyboard: false, title: p.name })
          .bindTooltip(p.name + " · " + p.kind_label + (p.address ? " · " + p.address : ""));
      }));
      state.layers = { grids: grids, heat: heat, points: points, places: places };
      var overlays = {};
      overlays[el.dataset.labelGrids || "grids"] = grids;
      overlays[el.dataset.labelHeat || "heat"] = heat;
      overlays[el.dataset.labelPoints || "points"] = points;
      overlays[el.dataset.labelPlaces || "places"] = places;
      ["grids", "heat", "points", "places"].forEach(function (k) { if (visible[k]) { state.layers[k].addTo(map); } });
      state.control = L.control.layers(null, overlays, { collapsed: dark }).addTo(map);
      if (!state.legend) {
        state.legend = L.control({ position: "bottomright" });
        state.legend.onAdd = function () { return L.DomUtil.create("div", "map-legend"); };
        state.legend.addTo(map);
      }
      restyle();
      if (!state.fitted) {
        var bounds = grids.getBounds();
        if (!bounds.isValid()) { bounds = points.getBounds(); }
        if (bounds.isValid()) { map.fitBounds(bounds, { padding: [12, 12], maxZoom: 17 }); state.fitted = true; }
      }
      var note = document.querySelector("[data-map-note]");
      if (note) {
        note.textContent = data.truncated ? (el.dataset.labelTruncated || "").replace("{n}", data.points.length)
          .replace("{total}", data.points_total) : "";
      }
      el.dataset.loaded = String((parseInt(el.dataset.loaded || "0", 10) || 0) + 1);
    }

    function reload() {
      return getJson(el.dataset.source).then(draw);
    }

    if (picker) {
      picker.addEventListener("change", function () { state.figure = picker.value; restyle(); });
    }
    el._linliMap = map;
    el._reload = reload;
    reload().catch(function () { el.dataset.failed = "1"; });
  }

  function escapeHtml(s) {
    return String(s).replace(/[&<>"']/g, function (c) {
      return { "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" }[c];
    });
  }

  // ---------------------------------------------------------------- the large screen

  function renderScreen(root, data) {
    data.cards.forEach(function (c) {
      root.querySelectorAll('[data-screen-figure="' + c.key + '"]').forEach(function (el) { el.textContent = c.display; });
      root.querySelectorAll('[data-screen-bar="' + c.key + '"]').forEach(function (el) {
        el.style.width = (c.value === null ? 0 : Math.round(c.value)) + "%";
      });
    });
    data.services.forEach(function (s) {
      s.figures.forEach(function (f) {
        root.querySelectorAll('[data-screen-figure="' + f.name + '"]').forEach(function (el) { el.textContent = f.display; });
      });
    });
    var total = root.querySelector('[data-list-total="overdue"]');
    if (total) { total.textContent = data.overdue.total; }
    var list = root.querySelector('[data-screen-list="overdue"]');
    if (list) {
      var none = list.querySelector(".screen-list__none");
      var noneText = none ? none.textContent : (list.dataset.none || "");
      list.dataset.none = noneText;
      list.innerHTML = "";
      (data.overdue.rows.length ? data.overdue.rows : [null]).forEach(function (r) {
        var li = document.createElement("li");
        if (r) { li.textContent = r.grid + " · " + r.title; } else { li.className = "screen-list__none"; li.textContent = noneText; }
        list.appendChild(li);
      });
    }
    var updated = root.querySelector("[data-updated]");
    if (updated) { updated.textContent = (data.generated_at || "").slice(11, 19); }
    root.dataset.generatedAt = data.generated_at;
  }

  function startScreen(root, seconds) {
    var stale = root.querySelector("[data-stale]");
    function tick() {
      var mapEl = root.querySelector("[data-dashboard-map]");
      getJson(root.dataset.source).then(function (data) {
        drawCharts(root, data, true);
        renderScreen(root, data);
        if (stale) { stale.hidden = true; }
        root.dataset.refreshes = String((parseInt(root.dataset.refreshes, 10) || 0) + 1);
        return mapEl && mapEl._reload ? mapEl._reload() : null;
      }).catch(function () {
        if (stale) { stale.hidden = false; }
      }).then(function () {
        // A finished round (data and map), good or bad: the quiet moment until the next one.
        root.dataset.rounds = String((parseInt(root.dataset.rounds, 10) || 0) + 1);
        window.setTimeout(tick, seconds * 1000);
      });
    }
    window.setTimeout(tick, seconds * 1000);
    var full = root.querySelector('[data-action="fullscreen"]');
    if (full) {
      if (!document.documentElement.requestFullscreen) { full.hidden = true; }
      full.addEventListener("click", function () {
        if (document.fullscreenElement) { document.exitFullscreen(); } else { document.documentElement.requestFullscreen(); }
      });
    }
  }

  function init() {
    var root = document.querySelector("[data-dashboard]");
    if (!root) { return; }
    var data = readJson(root.dataset.initial);
    var screen = root.hasAttribute("data-screen");
    if (data) { drawCharts(root, data, screen); }
    root.querySelectorAll("[data-dashboard-map]").forEach(dashMap);
    window.addEventListener("resize", function () { resizeCharts(root); });
    if (screen) { startScreen(root, parseInt(root.dataset.refresh, 10) || 60); }
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", init);
  } else {
    init();
  }
})();
