// The concerns map: a marker for each concern listed on the page, drawn with Leaflet.
// The page's table lists the same concerns, so nothing is lost without this script or tiles.
(function () {
  "use strict";
  var holder = document.getElementById("concerns-map");
  var data = document.getElementById("concerns-data");
  if (!holder || !data || typeof window.L === "undefined") {
    return;
  }
  var concerns = JSON.parse(data.textContent || "[]");
  var map = window.L.map(holder, { scrollWheelZoom: false });
  var tiles = holder.getAttribute("data-tiles");
  if (tiles) {
    window.L.tileLayer(tiles, { maxZoom: 19 }).addTo(map);
  }
  var points = [];
  concerns.forEach(function (concern) {
    var popup = document.createElement("div");
    var link = document.createElement("a");
    link.href = concern.url;
    link.className = "govuk-link";
    link.textContent = concern.reference;
    popup.appendChild(link);
    var about = document.createElement("p");
    about.className = "govuk-body-s";
    about.textContent =
      concern.priority + " " + concern.category + ", " + concern.place + ": " + concern.status;
    popup.appendChild(about);
    var point = [concern.lat, concern.lon];
    window.L.circleMarker(point, { radius: 8, weight: 2, color: "#0b0c0c", fillColor: "#d4351c", fillOpacity: 0.8 })
      .bindPopup(popup)
      .bindTooltip(concern.reference)
      .addTo(map);
    points.push(point);
  });
  if (points.length) {
    map.fitBounds(points, { padding: [24, 24], maxZoom: 16 });
  } else {
    map.setView([51.515, -0.09], 14);
  }
})();
