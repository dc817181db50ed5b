"""The folium map: served with the app's own Leaflet files, clustered markers, one popup per activity."""

from __future__ import annotations

from dataclasses import dataclass

import folium
from folium.plugins import FastMarkerCluster
from jinja2.utils import htmlsafe_json_dumps
from markupsafe import Markup

from activities.search import Found
from creative_minds.money import format_pence
from creative_minds.web import format_time

# The app's own copies (creative_minds/static/vendor); folium's CDN links are replaced by these.
MAP_JS = [("leaflet", "/static/vendor/leaflet/leaflet.js")]
MAP_CSS = [("leaflet_css", "/static/vendor/leaflet/leaflet.css")]
CLUSTER_JS = [("markercluster", "/static/vendor/leaflet.markercluster/leaflet.markercluster.js")]
CLUSTER_CSS = [
    ("markercluster_css", "/static/vendor/leaflet.markercluster/MarkerCluster.css"),
    ("markercluster_default_css", "/static/vendor/leaflet.markercluster/MarkerCluster.Default.css"),
]
ASSETS_JS = [url for _, url in MAP_JS + CLUSTER_JS]
ASSETS_CSS = [url for _, url in MAP_CSS + CLUSTER_CSS]
WEST_YORKSHIRE = (53.65, -1.65)

# Markers are added by the page's own script from compact rows (folium would otherwise run the
# whole data set through a template engine). Each row: [lat, lon, title, partner, when, cost,
# access, contact, id, miles]. The popup is built with DOM text nodes, so nothing in the data
# is ever read as HTML. Markers take keyboard focus and carry the activity's name.
MARKER_JS = """function (row) {
    var marker = L.marker(new L.LatLng(row[0], row[1]), {title: row[2], alt: row[2], keyboard: true});
    marker.bindPopup(function () {
        var box = document.createElement('div');
        function add(tag, text) { if (text) { var el = document.createElement(tag); el.textContent = text; box.appendChild(el); return el; } }
        add('h3', row[2]).className = 'popup-title';
        add('p', row[3]);
        add('p', row[4] + ' · ' + row[5]);
        if (row[9] !== null) { add('p', row[9].toFixed(1) + ' miles away'); }
        if (row[6]) { add('p', 'Access: ' + row[6]); }
        if (row[7]) { add('p', 'Contact: ' + row[7]); }
        var link = document.createElement('a');
        link.href = '/activities/' + row[8];
        link.textContent = 'More about this activity';
        var p = document.createElement('p'); p.appendChild(link); box.appendChild(p);
        return box;
    }, {maxWidth: 320});
    return marker;
}"""
# Leaflet.markercluster's icons have no accessible name: give each cluster one.
CLUSTER_ICON_JS = """function (cluster) {
    var count = cluster.getChildCount();
    var size = count < 10 ? 'small' : (count < 100 ? 'medium' : 'large');
    return L.divIcon({
        html: '<div><span aria-hidden="true">' + count + '</span><span class="visually-hidden">Group of ' + count + ' activities: press Enter to zoom in</span></div>',
        className: 'marker-cluster marker-cluster-' + size,
        iconSize: new L.Point(40, 40)
    });
}"""


@dataclass(frozen=True)
class RenderedMap:
    html: Markup
    script: Markup


def marker_row(found: Found) -> list[object]:
    p = found.project
    when = p.day_label + (f", {format_time(p.starts_at)}" if p.starts_at else "") if p.day_of_week else "Times to be confirmed"
    cost = "Free" if p.is_free else format_pence(p.cost_to_attend_pence)
    access = "Step-free and wheelchair accessible" if p.wheelchair_accessible else ""
    if p.accessibility_notes:
        access = f"{access}. {p.accessibility_notes}" if access else p.accessibility_notes
    contact = p.contact_phone or p.contact_email or p.partner_contact_email
    miles = round(found.distance_miles, 2) if found.distance_miles is not None else None
    return [p.latitude, p.longitude, p.title, p.partner_name, when, cost, access, contact, p.id, miles]


def build_map(found: list[Found], *, tile_url: str, tile_attribution: str, near: tuple[float, float] | None = None) -> RenderedMap:
    m = folium.Map(location=near or WEST_YORKSHIRE, zoom_start=11 if near else 10, tiles=None, control_scale=True)
    m.default_js = MAP_JS
    m.default_css = MAP_CSS
    folium.TileLayer(tiles=tile_url, attr=tile_attribution, name="Map", max_zoom=19).add_to(m)
    cluster = FastMarkerCluster([], callback=MARKER_JS, icon_create_function=CLUSTER_ICON_JS, name="Activities")
    cluster.default_js = CLUSTER_JS
    cluster.default_css = CLUSTER_CSS
    cluster.add_to(m)
    if near:
        folium.CircleMarker(location=near, radius=8, color="#4c2c92", fill=True, tooltip="Search centre").add_to(m)
    if found:
        lats = [f.project.latitude for f in found] + ([near[0]] if near else [])
        lons = [f.project.longitude for f in found] + ([near[1]] if near else [])
        m.fit_bounds([[min(lats), min(lons)], [max(lats), max(lons)]], max_zoom=15)
    root = m.get_root()
    root.render()
    rows = htmlsafe_json_dumps([marker_row(f) for f in found])
    markers = f"""
(function () {{
    var make = {MARKER_JS};
    {cluster.get_name()}.addLayers({rows}.map(make));
}})();"""
    return RenderedMap(html=Markup(root.html.render()), script=Markup(root.script.render() + markers))
