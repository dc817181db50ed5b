/* One activity's page: a small map with its place marked (the address is given in words beside it). */
(function () {
  'use strict';
  var el = document.getElementById('activity-map');
  if (!el || typeof L === 'undefined') { return; }
  var where = [parseFloat(el.dataset.lat), parseFloat(el.dataset.lon)];
  var map = L.map(el, {scrollWheelZoom: false}).setView(where, 15);
  L.tileLayer(el.dataset.tiles, {attribution: el.dataset.attribution, maxZoom: 19}).addTo(map);
  L.marker(where, {title: el.dataset.title, alt: el.dataset.title, keyboard: true}).addTo(map);
})();
