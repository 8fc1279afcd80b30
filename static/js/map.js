/* Maps on the report and appeal pages, drawn with the bundled Leaflet.
   Without a tile URL (intranet mode) only the grid polygons and the point
   are drawn on a plain background. Data comes from json_script blocks. */
(function () {
  "use strict";

  function readJson(id) {
    var el = id && document.getElementById(id);
    if (!el) { return null; }
    try { return JSON.parse(el.textContent); } catch (e) { return null; }
  }

  function baseMap(el) {
    if (el.dataset.icons) { L.Icon.Default.prototype.options.imagePath = el.dataset.icons; }
    var map = L.map(el, { zoomControl: true, attributionControl: !!el.dataset.tiles });
    if (el.dataset.tiles) {
      L.tileLayer(el.dataset.tiles, { maxZoom: 19, subdomains: "abc", attribution: el.dataset.attribution || "" }).addTo(map);
    } else {
      el.classList.add("map--plain");
    }
    return map;
  }

  var GRID_STYLE = { color: "#b3261e", weight: 1.5, fillColor: "#f6d5d2", fillOpacity: 0.25 };

  // Ray casting on a GeoJSON Polygon / MultiPolygon (lng, lat order).
  function inRing(lng, lat, ring) {
    var inside = false;
    for (var i = 0, j = ring.length - 1; i < ring.length; j = i++) {
      var xi = ring[i][0], yi = ring[i][1], xj = ring[j][0], yj = ring[j][1];
      if (((yi > lat) !== (yj > lat)) && (lng < (xj - xi) * (lat - yi) / (yj - yi) + xi)) { inside = !inside; }
    }
    return inside;
  }
  function inPolygon(lng, lat, rings) {
    if (!inRing(lng, lat, rings[0])) { return false; }
    for (var k = 1; k < rings.length; k++) { if (inRing(lng, lat, rings[k])) { return false; } }
    return true;
  }
  function gridAt(collection, lng, lat) {
    var features = (collection && collection.features) || [];
    for (var i = 0; i < features.length; i++) {
      var g = features[i].geometry;
      if (!g) { continue; }
      var polys = g.type === "Polygon" ? [g.coordinates] : (g.type === "MultiPolygon" ? g.coordinates : []);
      for (var p = 0; p < polys.length; p++) {
        if (inPolygon(lng, lat, polys[p])) { return features[i].properties || {}; }
      }
    }
    return null;
  }

  function pickMap(el) {
    var grids = readJson(el.dataset.geojson) || { type: "FeatureCollection", features: [] };
    var lngInput = document.getElementById(el.dataset.lngInput);
    var latInput = document.getElementById(el.dataset.latInput);
    var status = document.getElementById(el.dataset.status);
    var map = baseMap(el);
    var layer = L.geoJSON(grids, {
      style: GRID_STYLE,
      onEachFeature: function (feature, lyr) {
        var p = feature.properties || {};
        lyr.bindTooltip((p.community ? p.community + " · " : "") + (p.name || ""), { sticky: true });
      }
    }).addTo(map);
    var bounds = layer.getBounds();
    if (bounds.isValid()) { map.fitBounds(bounds, { padding: [8, 8] }); } else { map.setView([35.0, 105.0], 4); }
    var marker = null;

    function say(text, bad) {
      if (!status) { return; }
      status.textContent = text;
      status.classList.toggle("pin-status--bad", !!bad);
    }

    function place(lat, lng, pan) {
      lat = Math.round(lat * 1e6) / 1e6;
      lng = Math.round(lng * 1e6) / 1e6;
      if (!marker) {
        marker = L.marker([lat, lng], { draggable: true, keyboard: true }).addTo(map);
        marker.on("dragend", function () {
          var p = marker.getLatLng();
          place(p.lat, p.lng, false);
        });
      } else {
        marker.setLatLng([lat, lng]);
      }
      if (lngInput) { lngInput.value = lng.toFixed(6); }
      if (latInput) { latInput.value = lat.toFixed(6); }
      var grid = gridAt(grids, lng, lat);
      if (grid) {
        var name = (grid.community ? grid.community + " · " : "") + (grid.name || "");
        say((el.dataset.msgInside || "{grid}").replace("{grid}", name), false);
      } else {
        say(el.dataset.msgOutside || "", true);
      }
      if (pan) { map.panTo([lat, lng]); }
    }

    map.on("click", function (e) { place(e.latlng.lat, e.latlng.lng, false); });

    if (lngInput && latInput && lngInput.value && latInput.value) {
      var lat0 = parseFloat(latInput.value), lng0 = parseFloat(lngInput.value);
      if (!isNaN(lat0) && !isNaN(lng0)) { place(lat0, lng0, true); }
    }

    document.querySelectorAll('[data-locate="' + el.id + '"]').forEach(function (button) {
      if (!navigator.geolocation) { button.hidden = true; return; }
      button.addEventListener("click", function () {
        say(el.dataset.msgLocating || "", false);
        navigator.geolocation.getCurrentPosition(function (pos) {
          place(pos.coords.latitude, pos.coords.longitude, true);
          map.setView([pos.coords.latitude, pos.coords.longitude], Math.max(map.getZoom(), 16));
        }, function () {
          say(el.dataset.msgGeoFailed || "", true);
        }, { enableHighAccuracy: true, timeout: 10000, maximumAge: 60000 });
      });
    });
    el._linliMap = map;
  }

  function showMap(el) {
    var data = readJson(el.dataset.source) || {};
    var map = baseMap(el);
    var group = L.featureGroup().addTo(map);
    if (data.grid) { L.geoJSON(data.grid, { style: GRID_STYLE }).addTo(group); }
    if (data.point) { L.marker([data.point[1], data.point[0]], { keyboard: false }).addTo(group); }
    var bounds = group.getBounds();
    if (bounds.isValid()) {
      map.fitBounds(bounds, { padding: [12, 12], maxZoom: 17 });
    } else {
      el.hidden = true;
    }
    el._linliMap = map;
  }

  function init() {
    if (typeof L === "undefined") { return; }
    document.querySelectorAll("[data-map]").forEach(function (el) {
      if (el._linliMap) { return; }
      if (el.dataset.map === "pick") { pickMap(el); } else { showMap(el); }
    });
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", init);
  } else {
    init();
  }
})();
