"""The folium map: served with the app's own Leaflet files, clustered markers, one popup per activity."""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from typing import Any

import folium
import msgspec
from folium.plugins import FastMarkerCluster
from markupsafe import Markup

from activities.search import Marker

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


@lru_cache(maxsize=8)
def map_shell(tile_url: str, tile_attribution: str) -> RenderedMap:
    """The map itself (tiles, an empty cluster layer), built once: it depends only on the settings.

    The page's own script (static/js/finder-map.js) puts the markers of each search on it, from
    the compact marker data the list carries, so a filter change never rebuilds the map.
    """
    m = folium.Map(location=WEST_YORKSHIRE, zoom_start=10, tiles=None, control_scale=True)
    m.default_js = MAP_JS
    m.default_css = MAP_CSS
    folium.TileLayer(tiles=tile_url, attr=tile_attribution, name="Map", max_zoom=19).add_to(m)
    cluster = FastMarkerCluster([], icon_create_function=CLUSTER_ICON_JS, name="Activities")
    cluster.default_js = CLUSTER_JS
    cluster.default_css = CLUSTER_CSS
    cluster.add_to(m)
    root = m.get_root()
    root.render()
    handles = f"\nwindow.cmFinderMap = {{map: {m.get_name()}, cluster: {cluster.get_name()}}};"
    return RenderedMap(html=Markup(root.html.render()), script=Markup(root.script.render() + handles))  # type: ignore[attr-defined]


def marker_data(markers: list[Marker], near: tuple[float, float] | None) -> Markup:
    """Compact JSON for the map, safe inside a <script type="application/json"> element.

    {"t": [titles], "m": [[lat, lon, id, title index, miles?], ...], "near": [lat, lon] or null}:
    titles are listed once (many activities share one), and the popup's details are fetched
    when a marker is opened, so 50,000 markers stay a few megabytes.
    """
    titles: dict[str, int] = {}
    if near is None:
        rows: list[list[Any]] = [
            [m.latitude, m.longitude, m.id, titles.setdefault(m.title, len(titles))] for m in markers
        ]
    else:
        rows = [
            [m.latitude, m.longitude, m.id, titles.setdefault(m.title, len(titles)), round(m.distance_miles or 0, 2)]
            for m in markers
        ]
    data = msgspec.json.encode({"t": list(titles), "m": rows, "near": list(near) if near else None})
    return Markup(data.decode().replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026"))
