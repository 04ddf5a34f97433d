// The release page's behaviour: the organization table, the map and the per-ZIP answer.
// Every value from the data goes into the page through textContent, never as markup.
(function () {
  "use strict";

  const data = JSON.parse(document.getElementById("page-data").textContent);
  const COL = Object.fromEntries(data.columns.map((name, i) => [name, i]));
  const kinds = data.kinds;
  const rows = data.rows;
  const OTHER_KIND = data.other_kind;

  // --- helpers

  function kindOf(row) {
    return row[COL.kind] === null ? OTHER_KIND : kinds[row[COL.kind]];
  }

  function describeKind(row) {
    const role = row[COL.role];
    return role ? kindOf(row).label + " (" + role + ")" : kindOf(row).label;
  }

  function placeOf(row) {
    return [row[COL.city], row[COL.state]].filter(Boolean).join(", ");
  }

  function element(tag, text, className) {
    const node = document.createElement(tag);
    if (text !== undefined && text !== null) node.textContent = text;
    if (className) node.className = className;
    return node;
  }

  // A link only for http(s) URLs; anything else is shown as text.
  function nameLink(row) {
    const name = row[COL.name];
    const url = row[COL.website];
    let href = null;
    try {
      const parsed = new URL(url);
      if (parsed.protocol === "http:" || parsed.protocol === "https:") href = parsed.href;
    } catch (error) {
      href = null;
    }
    if (!href) return element("span", name);
    const link = element("a", name);
    link.href = href;
    link.rel = "noopener noreferrer";
    return link;
  }

  function number(n) {
    return n.toLocaleString("en-US");
  }

  // --- the table

  const haystack = rows.map((row) =>
    [row[COL.name], row[COL.city], row[COL.state], kindOf(row).label, kindOf(row).key]
      .filter(Boolean).join(" ").toLowerCase());
  const tbody = document.querySelector("#organizations tbody");
  const count = document.getElementById("row-count");

  function tableRow(row) {
    const tr = document.createElement("tr");
    const name = element("td");
    name.appendChild(nameLink(row));
    tr.appendChild(name);
    const kind = element("td", describeKind(row));
    kind.prepend(swatch(kindOf(row).colour));
    tr.appendChild(kind);
    for (const column of ["city", "state", "activity", "next_event_date", "sources"]) {
      const cell = element("td", row[COL[column]]);
      if (column === "activity") cell.className = "activity-" + row[COL.activity];
      tr.appendChild(cell);
    }
    return tr;
  }

  function renderTable(query) {
    const terms = query.toLowerCase().split(/\s+/).filter(Boolean);
    const matching = [];
    for (let i = 0; i < rows.length; i++) {
      if (terms.every((term) => haystack[i].includes(term))) matching.push(i);
    }
    const shown = matching.slice(0, data.shown_max);
    const fragment = document.createDocumentFragment();
    for (const i of shown) fragment.appendChild(tableRow(rows[i]));
    tbody.replaceChildren(fragment);
    count.dataset.matching = String(matching.length);
    count.dataset.shown = String(shown.length);
    let message = number(matching.length) + " of " + number(rows.length) + " organizations";
    if (shown.length < matching.length) message += " (the first " + number(shown.length) + " shown; filter to narrow)";
    count.textContent = message;
  }

  const search = document.getElementById("search");
  let pending = null;
  search.addEventListener("input", () => {
    clearTimeout(pending);
    pending = setTimeout(() => renderTable(search.value), 120);
  });
  renderTable(search.value);

  // --- the map

  function swatch(colour) {
    const mark = element("span", null, "swatch");
    mark.style.background = colour;
    return mark;
  }

  function popup(row) {
    const box = element("div", null, "popup");
    const title = element("strong");
    title.appendChild(nameLink(row));
    box.appendChild(title);
    box.appendChild(element("div", describeKind(row)));
    const place = placeOf(row);
    if (place) box.appendChild(element("div", place));
    const activity = element("div", "activity: " + row[COL.activity]);
    if (row[COL.next_event_date]) activity.textContent += ", next event " + row[COL.next_event_date];
    box.appendChild(activity);
    return box;
  }

  const placed = rows.filter((row) => row[COL.latitude] !== null);
  const mapBox = document.getElementById("map");
  const useCanvas = placed.length > data.canvas_above;
  const map = L.map(mapBox, { preferCanvas: useCanvas, worldCopyJump: true });
  if (data.view) {
    map.fitBounds(data.view, { maxZoom: 10, padding: [20, 20] });
  } else {
    map.setView([39.5, -98.35], 4);
  }

  map.createPane("labels");
  map.getPane("labels").style.zIndex = 350;  // under the markers (overlayPane is 400)
  map.getPane("labels").style.pointerEvents = "none";
  const labels = data.states.map(([usps, lat, lon]) => L.marker([lat, lon], {
    pane: "labels", interactive: false, keyboard: false,
    icon: L.divIcon({ className: "state-label", html: element("span", usps), iconSize: null }),
  }));
  L.layerGroup(labels).addTo(map);

  const markers = placed.map((row) => {
    const colour = kindOf(row).colour;
    const gone = row[COL.activity] === "gone";
    return L.circleMarker([row[COL.latitude], row[COL.longitude]], {
      radius: useCanvas ? 4 : 6, color: gone ? colour : "#ffffff", weight: gone ? 2 : 1,
      fillColor: colour, fillOpacity: gone ? 0 : 0.85,
    }).bindPopup(() => popup(row));
  });
  L.layerGroup(markers).addTo(map);
  mapBox.dataset.markers = String(markers.length);
  mapBox.dataset.renderer = useCanvas ? "canvas" : "svg";

  const legend = L.control({ position: "bottomright" });
  legend.onAdd = function () {
    const box = L.DomUtil.create("div", "legend");
    const drawn = new Map();
    for (const row of placed) drawn.set(kindOf(row), (drawn.get(kindOf(row)) || 0) + 1);
    for (const kind of [...kinds, OTHER_KIND]) {
      if (!drawn.has(kind)) continue;
      const line = element("div");
      line.appendChild(swatch(kind.colour));
      line.appendChild(document.createTextNode(kind.label + " (" + number(drawn.get(kind)) + ")"));
      box.appendChild(line);
    }
    if (!drawn.size) box.textContent = "No organization has a place to draw.";
    return box;
  };
  legend.addTo(map);

  const osm = L.tileLayer("https://tile.openstreetmap.org/{z}/{x}/{y}.png", {
    maxZoom: 19,
    attribution: '&copy; <a href="https://www.openstreetmap.org/copyright">OpenStreetMap</a> contributors',
  });
  const tiles = document.getElementById("tiles");
  function showTiles() {
    if (tiles.checked) osm.addTo(map); else osm.remove();
    mapBox.classList.toggle("with-tiles", tiles.checked);
  }
  tiles.addEventListener("change", showTiles);
  showTiles();

  // --- nearest by ZIP

  const zips = new Map();
  (function decodeZips(packed) {
    const scale = packed.scale[0];
    let code = 0, lat = 0, lon = 0;
    for (let i = 0; i < packed.code.length; i++) {
      code += packed.code[i];
      lat += packed.lat[i];
      lon += packed.lon[i];
      zips.set(String(code).padStart(5, "0"), [lat / scale, lon / scale]);
    }
  })(data.zips);

  const RADIANS = Math.PI / 180;
  function haversineKm(lat1, lon1, lat2, lon2) {
    const h = Math.sin((lat2 - lat1) * RADIANS / 2) ** 2
      + Math.cos(lat1 * RADIANS) * Math.cos(lat2 * RADIANS) * Math.sin((lon2 - lon1) * RADIANS / 2) ** 2;
    return 2 * 6371.0088 * Math.asin(Math.min(1, Math.sqrt(h)));
  }

  const answer = document.getElementById("zip-answer");
  const candidates = rows.filter((row) => row[COL.near] === 1);  // placed, and not gone
  let here = null;

  function answerZip(zip) {
    const point = zips.get(zip);
    answer.replaceChildren();
    if (!point) {
      answer.appendChild(element("p", /^[0-9]{5}$/.test(zip)
        ? "ZIP " + zip + " is not in the ZIP list (or has no known position)."
        : "Type a five-digit US ZIP code.", "zip-message"));
      return;
    }
    const byKind = new Map();
    for (const row of candidates) {
      const km = haversineKm(point[0], point[1], row[COL.latitude], row[COL.longitude]);
      const kind = kindOf(row);
      if (!byKind.has(kind)) byKind.set(kind, []);
      byKind.get(kind).push([km, row]);
    }
    answer.appendChild(element("h3", "Nearest to ZIP " + zip));
    for (const kind of [...kinds, OTHER_KIND]) {
      const found = byKind.get(kind);
      if (!found) continue;
      found.sort((a, b) => a[0] - b[0] || a[1][COL.name].localeCompare(b[1][COL.name]));
      const section = element("div", null, "zip-kind");
      const heading = element("h4", kind.label);
      heading.prepend(swatch(kind.colour));
      section.appendChild(heading);
      if (found[0][0] > data.within_km) {
        section.appendChild(element("p", "Nothing within " + data.within_km + " km; the nearest:", "zip-note"));
      }
      const list = element("ol");
      for (const [km, row] of found.slice(0, data.per_kind)) {
        const item = element("li", null, "zip-match");
        item.appendChild(nameLink(row));
        const details = [km.toFixed(1) + " km", placeOf(row), row[COL.role], row[COL.activity]];
        item.appendChild(element("span", " · " + details.filter(Boolean).join(" · "), "details"));
        list.appendChild(item);
      }
      section.appendChild(list);
      answer.appendChild(section);
    }
    if (!byKind.size) answer.appendChild(element("p", "No organization has a place to compare."));
    if (here) here.remove();
    here = L.circleMarker(point, { radius: 9, color: "#000", weight: 2, dashArray: "3 3",
      fill: false, interactive: false }).addTo(map);
    map.setView(point, 8, { animate: false });
    answer.dataset.zip = zip;
  }

  const zipInput = document.getElementById("zip-input");
  document.getElementById("zip-form").addEventListener("submit", (event) => {
    event.preventDefault();
    answerZip(zipInput.value.trim());
  });
})();
