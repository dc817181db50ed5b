/* Activity finder: puts each search's markers on the one map, and keeps the printable-sheet shortlist.
 *
 * The map (built once with the page) gets its markers from the compact JSON the list carries
 * (<script id="activity-markers">): {"t": [titles], "m": [[lat, lon, id, title index, miles?]], "near": [lat, lon]}.
 * A marker's details are fetched when it is opened. The list works without any of this.
 */
(function () {
  'use strict';
  var WEST_YORKSHIRE = [53.65, -1.65];

  function readMarkers() {
    var el = document.getElementById('activity-markers');
    if (!el) { return null; }
    try { return JSON.parse(el.textContent); } catch (e) { return null; }
  }

  function popupFor(id, miles) {
    var box = null;  /* fetched once; Leaflet asks again when the popup is updated */
    return function (marker) {
      if (box) { return box; }
      box = document.createElement('div');
      box.textContent = 'Loading…';
      var url = '/activities/' + id + '/popup' + (miles !== undefined ? '?miles=' + miles : '');
      fetch(url, {credentials: 'same-origin'}).then(function (response) {
        if (!response.ok) { throw new Error(response.status); }
        return response.text();
      }).then(function (html) {
        box.innerHTML = html;  /* rendered and escaped by the server's template */
        marker.getPopup().update();
      }).catch(function () {
        box.textContent = '';
        var link = document.createElement('a');
        link.href = '/activities/' + id;
        link.textContent = 'More about this activity';
        box.appendChild(link);
      });
      return box;
    };
  }

  function showMarkers() {
    var handles = window.cmFinderMap;
    var data = readMarkers();
    if (!handles || !data || typeof L === 'undefined') { return; }
    var map = handles.map;
    handles.cluster.clearLayers();
    if (handles.centre) { map.removeLayer(handles.centre); handles.centre = null; }
    var south = 90, north = -90, west = 180, east = -180;
    var layers = data.m.map(function (row) {
      var title = data.t[row[3]];
      var marker = L.marker([row[0], row[1]], {title: title, alt: title, keyboard: true});
      marker.bindPopup(popupFor(row[2], row[4]), {maxWidth: 320});
      south = Math.min(south, row[0]); north = Math.max(north, row[0]);
      west = Math.min(west, row[1]); east = Math.max(east, row[1]);
      return marker;
    });
    handles.cluster.addLayers(layers);
    if (data.near) {
      handles.centre = L.circleMarker(data.near, {radius: 8, color: '#4c2c92', fill: true}).bindTooltip('Search centre').addTo(map);
      south = Math.min(south, data.near[0]); north = Math.max(north, data.near[0]);
      west = Math.min(west, data.near[1]); east = Math.max(east, data.near[1]);
    }
    if (layers.length) {
      map.fitBounds([[south, west], [north, east]], {maxZoom: 15});
    } else {
      map.setView(data.near || WEST_YORKSHIRE, data.near ? 11 : 10);
    }
    var region = document.querySelector('.finder-map .map-frame');
    if (region) { region.setAttribute('aria-label', 'Map of ' + data.m.length + ' activities'); }
  }

  /* The shortlist: ticked ids live in hidden inputs of the filter form (so filters and pages carry
     them) and in the address (so a reload or a shared link keeps them). */
  function shortlistFields() { return document.getElementById('shortlist-fields'); }

  function picked() {
    var fields = shortlistFields();
    if (!fields) { return []; }
    return Array.prototype.map.call(fields.querySelectorAll('input[name=pick]'), function (el) { return el.value; });
  }

  function setPicked(ids) {
    var fields = shortlistFields();
    fields.textContent = '';
    ids.forEach(function (id) {
      var input = document.createElement('input');
      input.type = 'hidden'; input.name = 'pick'; input.value = id;
      fields.appendChild(input);
    });
    var url = new URL(window.location.href);
    url.searchParams.delete('pick');
    ids.forEach(function (id) { url.searchParams.append('pick', id); });
    window.history.replaceState(window.history.state, '', url);
    var count = document.querySelector('.shortlist-count');
    if (count) {
      count.textContent = ids.length ? ids.length + (ids.length === 1 ? ' activity' : ' activities') + ' ticked for the sheet.' : '';
    }
  }

  document.addEventListener('change', function (event) {
    var box = event.target;
    if (!box.classList || !box.classList.contains('pick-box')) { return; }
    var ids = picked().filter(function (id) { return id !== box.value; });
    if (box.checked) { ids.push(box.value); }
    setPicked(ids);
  });

  /* The sheet takes every ticked activity, on this page or another. */
  document.addEventListener('submit', function (event) {
    var form = event.target;
    if (!form.classList || !form.classList.contains('sheet-form')) { return; }
    Array.prototype.forEach.call(form.querySelectorAll('input[type=hidden][name=id]'), function (el) { el.remove(); });
    var onPage = {};
    Array.prototype.forEach.call(form.querySelectorAll('.pick-box'), function (el) { onPage[el.value] = true; });
    picked().forEach(function (id) {
      if (onPage[id]) { return; }
      var input = document.createElement('input');
      input.type = 'hidden'; input.name = 'id'; input.value = id;
      form.appendChild(input);
    });
  });

  document.body.addEventListener('htmx:afterSwap', function (event) {
    if (event.detail.target && event.detail.target.id === 'results') { showMarkers(); }
  });
  showMarkers();
})();
