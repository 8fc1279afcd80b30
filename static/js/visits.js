/* Visits pages: fill hidden lng/lat from the browser's location, show only the
   parts of the visit form that apply, draw the patrol map and send route points. */
(function () {
  "use strict";

  function locate(done) {
    if (!navigator.geolocation) { done(null); return; }
    navigator.geolocation.getCurrentPosition(function (pos) {
      done([pos.coords.longitude, pos.coords.latitude]);
    }, function () { done(null); }, { enableHighAccuracy: true, timeout: 10000, maximumAge: 60000 });
  }

  function fillForm(form) {
    var lng = form.querySelector('input[name="lng"]');
    var lat = form.querySelector('input[name="lat"]');
    if (!lng || !lat) { return; }
    var status = form.querySelector("[data-geo-status]");
    locate(function (point) {
      if (!point) { return; }
      lng.value = point[0].toFixed(6);
      lat.value = point[1].toFixed(6);
      form.setAttribute("data-geo-ready", "1");
      if (status) { status.textContent = point[0].toFixed(5) + ", " + point[1].toFixed(5); }
    });
  }

  function openParts(form) {
    var radios = form.querySelectorAll('input[name="also_open"]');
    if (!radios.length) { return; }
    function update() {
      var checked = form.querySelector('input[name="also_open"]:checked');
      var value = checked ? checked.value : "";
      form.querySelectorAll("[data-open-part]").forEach(function (part) {
        var want = part.getAttribute("data-open-part");
        part.hidden = !(want === value || (want === "any" && value));
      });
    }
    radios.forEach(function (r) { r.addEventListener("change", update); });
    update();
  }

  function drawPatrol(el) {
    if (typeof L === "undefined") { return; }
    var data = {};
    try { data = JSON.parse(document.getElementById(el.dataset.source).textContent) || {}; } catch (e) { data = {}; }
    if (el.dataset.icons) { L.Icon.Default.prototype.options.imagePath = el.dataset.icons; }
    var map = L.map(el, { attributionControl: !!el.dataset.tiles });
    if (el.dataset.tiles) {
      L.tileLayer(el.dataset.tiles, { maxZoom: 19, subdomains: "abc", attribution: el.dataset.attribution || "" }).addTo(map);
    } else {
      el.classList.add("map--plain");
    }
    var group = L.featureGroup().addTo(map);
    if (data.grid) { L.geoJSON(data.grid, { style: { color: "#b3261e", weight: 1.5, fillOpacity: 0.15 } }).addTo(group); }
    var route = (data.route || []).map(function (p) { return [p[1], p[0]]; });
    if (route.length > 1) { L.polyline(route, { color: "#1565c0", weight: 3 }).addTo(group); }
    if (route.length) { L.circleMarker(route[0], { radius: 5, color: "#1565c0" }).addTo(group); }
    (data.points || []).forEach(function (p) { L.marker([p[1], p[0]], { keyboard: false }).addTo(group); });
    var bounds = group.getBounds();
    if (bounds.isValid()) { map.fitBounds(bounds, { padding: [12, 12], maxZoom: 17 }); } else { el.hidden = true; }
  }

  function track(section) {
    var url = section.getAttribute("data-track-url");
    var token = document.querySelector('input[name="csrfmiddlewaretoken"]');
    if (!url || !token || !navigator.geolocation) { return; }
    window.setInterval(function () {
      locate(function (point) {
        if (!point) { return; }
        var body = new URLSearchParams({ lng: point[0].toFixed(6), lat: point[1].toFixed(6) });
        fetch(url, { method: "POST", body: body, credentials: "same-origin",
                     headers: { "X-CSRFToken": token.value } }).catch(function () {});
      });
    }, 5 * 60 * 1000);
  }

  function init() {
    document.querySelectorAll("form[data-geo-fill]").forEach(fillForm);
    document.querySelectorAll("form[data-visit-form]").forEach(openParts);
    document.querySelectorAll("[data-patrol-map]").forEach(drawPatrol);
    document.querySelectorAll("[data-track-url]").forEach(track);
  }

  if (document.readyState === "loading") { document.addEventListener("DOMContentLoaded", init); } else { init(); }
})();
