/* alliance-radar report: the little glue between the Plotly charts and the page (no drawing here).
 * - a timeline point opens its story;
 * - hovering an edge shows its stories in the tooltip; clicking an edge or an organisation lists the
 *   stories behind it in the panel under the network (built with textContent: titles are untrusted);
 * - the "as of" date dims the members who had not joined yet (or had left) on that day.
 * The data comes from <script type="application/json" id="report-data">.
 */
(function () {
  "use strict";
  var data = null;

  function reportData() {
    if (data === null) {
      var node = document.getElementById("report-data");
      data = node ? JSON.parse(node.textContent) : { stories: {}, edges: [], orgs: [] };
    }
    return data;
  }

  function isWebLink(url) {
    return typeof url === "string" && /^https?:\/\//i.test(url);
  }

  function el(tag, cls, text) {
    var node = document.createElement(tag);
    if (cls) node.className = cls;
    if (text !== undefined && text !== null) node.textContent = text;
    return node;
  }

  function showStories(heading, detail, storyIds) {
    var panel = document.getElementById("edge-stories");
    if (!panel) return;
    var stories = reportData().stories;
    panel.textContent = "";
    panel.appendChild(el("h3", null, heading));
    if (detail) panel.appendChild(el("p", "muted", detail));
    var list = el("ul", "story-list");
    storyIds.forEach(function (id) {
      var s = stories[id];
      if (!s) return;
      var item = el("li");
      item.appendChild(el("span", "date", s.date || ""));
      if (isWebLink(s.url)) {
        var link = el("a", null, s.title);
        link.href = s.url;
        link.target = "_blank";
        link.rel = "noopener noreferrer";
        item.appendChild(link);
      } else {
        item.appendChild(el("span", null, s.title));
      }
      var meta = [s.event, (s.outlets || []).join(", ")].filter(Boolean).join(" · ");
      if (meta) item.appendChild(el("span", "meta", meta));
      list.appendChild(item);
    });
    if (!list.childNodes.length) list.appendChild(el("li", "muted", "연결된 기사가 없습니다."));
    panel.appendChild(list);
    panel.hidden = false;
  }

  function pointData(event) {
    var point = event && event.points && event.points[0];
    return point && point.customdata ? point.customdata : null;
  }

  window.radarReport = {
    timeline: function (id) {
      var chart = document.getElementById(id);
      chart.on("plotly_click", function (event) {
        var custom = pointData(event);
        if (custom && isWebLink(custom[0])) window.open(custom[0], "_blank", "noopener");
      });
      chart.setAttribute("data-ready", "1");
    },
    network: function (id) {
      var chart = document.getElementById(id);
      chart.on("plotly_click", function (event) {
        var custom = pointData(event);
        if (!custom) return;
        var d = reportData();
        if (custom[0] === "edge") {
          var edge = d.edges[custom[1]];
          if (edge) showStories(edge.a + " — " + edge.b, edge.label, edge.stories);
        } else if (custom[0] === "org") {
          var org = d.orgs[custom[1]];
          if (org) showStories(org.name, org.detail, org.stories);
        }
      });
      chart.setAttribute("data-ready", "1");
    }
  };

  function applyAsOf(input) {
    var day = input.value;
    if (!day) return;
    document.querySelectorAll("table.members").forEach(function (table) {
      var count = 0;
      table.querySelectorAll("tbody tr").forEach(function (row) {
        var joined = row.getAttribute("data-joined") || "";
        var left = row.getAttribute("data-left") || "";
        var member = joined !== "" && joined <= day && (left === "" || left > day);
        row.classList.toggle("not-member", !member);
        if (member) count += 1;
      });
      var badge = document.getElementById(table.getAttribute("data-count"));
      if (badge) badge.textContent = count + "개 기관 (" + day + " 기준)";
    });
  }

  document.addEventListener("DOMContentLoaded", function () {
    var input = document.getElementById("as-of");
    if (input) {
      input.addEventListener("change", function () { applyAsOf(input); });
      input.addEventListener("input", function () { applyAsOf(input); });
      applyAsOf(input);
    }
  });
})();
