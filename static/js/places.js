/* The public stations map: markers for the listed stations (circle markers,
   so they show without tiles or icon images) and, on the "near me" page, the
   browser's location: asked once, then the page reloads with ?lng=&lat= so
   the server sorts by distance. Without a location the page stays sorted
   from the street or community centre. */
(function () {
  "use strict";

  var ASKED_KEY = "linli.places.located";

  function readJson(id) {
    var el = id && document.getElementById(id);
    if (!el) { return null; }
    try { return JSON.parse(el.textContent); } catch (e) { return null; }
  }

  function drawMap(el) {
    if (typeof L === "undefined" || el._linliMap) { return; }
    var data = readJson(el.dataset.source) || { places: [] };
    var map = L.map(el, { zoomControl: true, attributionControl: !!el.dataset.tiles });
    if (el.dataset.tiles) {
      L.tileLayer(el.dataset.tiles, { maxZoom: 19, subdomains: "abc", attribution: el.dataset.attribution || "" }).addTo(map);
    } else {
      el.classList.add("map--plain");
    }
    var group = L.featureGroup().addTo(map);
    (data.places || []).forEach(function (p) {
      if (p.lng === null || p.lat === null) { return; }
      var marker = L.circleMarker([p.lat, p.lng], {
        radius: 9, weight: 2, color: "#fff", fillOpacity: 0.95,
        fillColor: p.open ? "#1e8e3e" : "#8a8f98",
        className: "place-marker" + (p.open ? " place-marker--open" : "")
      }).addTo(group);
      var box = document.createElement("div");
      var link = document.createElement("a");
      link.href = p.url;
      link.textContent = p.name;
      box.appendChild(link);
      var line = document.createElement("div");
      line.textContent = [p.status, p.distance, p.offers].filter(Boolean).join(" · ");
      box.appendChild(line);
      marker.bindPopup(box);
      marker.bindTooltip(p.name);
    });
    if (data.origin) {
      L.circleMarker([data.origin[1], data.origin[0]], {
        radius: 7, weight: 3, color: "#1a56db", fillColor: "#fff", fillOpacity: 1,
        className: "origin-marker"
      }).bindTooltip(el.dataset.msgYou || "").addTo(group);
    }
    var bounds = group.getBounds();
    if (bounds.isValid()) {
      map.fitBounds(bounds, { padding: [16, 16], maxZoom: 17 });
    } else {
      map.setView([35.0, 105.0], 4);
    }
    el._linliMap = map;
  }

  function withLocation(lng, lat) {
    var url = new URL(window.location.href);
    url.searchParams.set("lng", lng.toFixed(6));
    url.searchParams.set("lat", lat.toFixed(6));
    url.searchParams.delete("community");
    return url.toString();
  }

  function locate(status, manual) {
    if (!navigator.geolocation) { return; }
    if (status) { status.textContent = status.dataset.msgLocating || ""; }
    navigator.geolocation.getCurrentPosition(function (pos) {
      try { window.sessionStorage.setItem(ASKED_KEY, "1"); } catch (e) { /* private mode */ }
      window.location.replace(withLocation(pos.coords.longitude, pos.coords.latitude));
    }, function () {
      try { window.sessionStorage.setItem(ASKED_KEY, "1"); } catch (e) { /* private mode */ }
      if (status) { status.textContent = status.dataset.msgFailed || ""; }
    }, { enableHighAccuracy: !!manual, timeout: 10000, maximumAge: 120000 });
  }

  function initLocation() {
    var where = document.getElementById("where");
    if (!where) { return; }
    var status = document.getElementById("locate-status");
    var button = where.querySelector("[data-locate-me]");
    if (navigator.geolocation && button) {
      button.hidden = false;
      button.addEventListener("click", function () { locate(status, true); });
    }
    var params = new URLSearchParams(window.location.search);
    var asked = false;
    try { asked = window.sessionStorage.getItem(ASKED_KEY) === "1"; } catch (e) { asked = false; }
    // Ask once per visit, and never when the visitor chose a community themselves.
    if (where.dataset.located !== "1" && !params.get("community") && !params.get("lng") && !asked) {
      locate(status, false);
    }
  }

  function init() {
    document.querySelectorAll("[data-places-map]").forEach(drawMap);
    initLocation();
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", init);
  } else {
    init();
  }
})();
