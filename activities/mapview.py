"""The folium map: served with the app's own Leaflet files, clustered markers, one popup per activity."""

from __future__ import annotations

from dataclasses import dataclass

import folium
from folium.plugins import FastMarkerCluster
from markupsafe import Markup, escape

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

# Each row is [lat, lon, popup html, title]. Markers take keyboard focus and have a name.
MARKER_JS = """function (row) {
    var marker = L.marker(new L.LatLng(row[0], row[1]), {title: row[3], alt: row[3], keyboard: true});
    marker.bindPopup(row[2], {maxWidth: 320});
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


def popup_html(found: Found) -> str:
    p = found.project
    when = p.day_label + (f", {format_time(p.starts_at)}" if p.starts_at else "") if p.day_of_week else "Times to be confirmed"
    cost = "Free" if p.is_free else format_pence(p.cost_to_attend_pence)
    access = "Step-free and wheelchair accessible" if p.wheelchair_accessible else ""
    if p.accessibility_notes:
        access = f"{access}. {p.accessibility_notes}" if access else p.accessibility_notes
    contact = p.contact_phone or p.contact_email or p.partner.contact_email
    parts = [
        f'<h3 class="popup-title">{escape(p.title)}</h3>',
        f"<p>{escape(p.partner.name)}</p>",
        f"<p>{escape(when)} · {escape(cost)}</p>",
    ]
    if found.distance_miles is not None:
        parts.append(f"<p>{found.distance_miles:.1f} miles away</p>")
    if access:
        parts.append(f"<p>Access: {escape(access)}</p>")
    if contact:
        parts.append(f"<p>Contact: {escape(contact)}</p>")
    parts.append(f'<p><a href="/activities/{p.id}">More about this activity</a></p>')
    return "".join(parts)


def build_map(found: list[Found], *, tile_url: str, tile_attribution: str, near: tuple[float, float] | None = None) -> RenderedMap:
    m = folium.Map(location=near or WEST_YORKSHIRE, zoom_start=11 if near else 10, tiles=None, control_scale=True)
    m.default_js = MAP_JS
    m.default_css = MAP_CSS
    folium.TileLayer(tiles=tile_url, attr=tile_attribution, name="Map", max_zoom=19).add_to(m)
    rows = [[f.project.latitude, f.project.longitude, popup_html(f), f.project.title] for f in found]
    cluster = FastMarkerCluster(rows, callback=MARKER_JS, icon_create_function=CLUSTER_ICON_JS, name="Activities")
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
    return RenderedMap(html=Markup(root.html.render()), script=Markup(root.script.render()))
