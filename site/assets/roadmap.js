/* LLM Roadmap: progress tracking (localStorage, export/import as JSON) and the resource filters.
   Plain JavaScript, no framework, no network. Runs on every page; each part does nothing where its markup is absent. */
(function () {
  "use strict";

  var KEY = "llm-roadmap:progress:v1";
  var FORMAT = "llm-roadmap-progress";

  /* ---------- progress store: {roadmapId: {nodeId: "YYYY-MM-DD"}} ---------- */

  function load() {
    try {
      var data = JSON.parse(window.localStorage.getItem(KEY) || "{}");
      return data && typeof data === "object" && !Array.isArray(data) ? data : {};
    } catch (e) {
      return {};
    }
  }

  function save(data) {
    try {
      window.localStorage.setItem(KEY, JSON.stringify(data));
    } catch (e) {
      /* storage full or disabled: progress simply is not kept */
    }
  }

  function today() {
    return new Date().toISOString().slice(0, 10);
  }

  function all(selector, root) {
    return Array.prototype.slice.call((root || document).querySelectorAll(selector));
  }

  function refresh() {
    var data = load();
    all("input.rm-progress").forEach(function (box) {
      var done = !!(data[box.dataset.roadmap] || {})[box.dataset.node];
      box.checked = done;
      var node = box.closest(".rm-node");
      if (node) node.classList.toggle("rm-node--done", done);
    });
    all(".rm-diagram").forEach(function (diagram) {
      var marks = data[diagram.dataset.roadmap] || {};
      all("a.rm-dnode", diagram).forEach(function (link) {
        link.classList.toggle("rm-done", !!marks[link.dataset.node]);
      });
    });
    all(".rm-progress-count").forEach(function (count) {
      var marks = data[count.dataset.roadmap] || {};
      var nodes = (count.dataset.nodes || "").split(" ").filter(Boolean);
      var total = parseInt(count.dataset.total, 10) || nodes.length;
      var done = nodes.length
        ? nodes.filter(function (id) { return marks[id]; }).length
        : Math.min(Object.keys(marks).length, total);
      count.textContent = done + " / " + total;
      all('.rm-progress-bar__fill[data-roadmap="' + count.dataset.roadmap + '"]').forEach(function (bar) {
        bar.style.width = (total ? Math.round((100 * done) / total) : 0) + "%";
      });
    });
  }

  function onCheck(event) {
    var box = event.target;
    if (!box.matches || !box.matches("input.rm-progress")) return;
    var data = load();
    var marks = data[box.dataset.roadmap] || {};
    if (box.checked) marks[box.dataset.node] = today();
    else delete marks[box.dataset.node];
    data[box.dataset.roadmap] = marks;
    save(data);
    refresh();
  }

  function say(panel, text) {
    var note = panel.querySelector(".rm-progress-note");
    if (!note) {
      note = document.createElement("span");
      note.className = "rm-progress-note";
      note.setAttribute("role", "status");
      panel.querySelector(".rm-progress-panel__tools").appendChild(note);
    }
    note.textContent = text;
  }

  function exportProgress() {
    var payload = { format: FORMAT, version: 1, exported: new Date().toISOString(), progress: load() };
    var blob = new Blob([JSON.stringify(payload, null, 2)], { type: "application/json" });
    var link = document.createElement("a");
    link.href = URL.createObjectURL(blob);
    link.download = "llm-roadmap-progress-" + today() + ".json";
    document.body.appendChild(link);
    link.click();
    setTimeout(function () {
      URL.revokeObjectURL(link.href);
      link.remove();
    }, 0);
  }

  /* Merge an export into what is stored: a step done in either stays done. */
  function importProgress(file, panel, messages) {
    var reader = new FileReader();
    reader.onload = function () {
      var payload;
      try {
        payload = JSON.parse(reader.result);
      } catch (e) {
        payload = null;
      }
      if (!payload || payload.format !== FORMAT || typeof payload.progress !== "object" || !payload.progress) {
        say(panel, messages.bad);
        return;
      }
      var data = load();
      Object.keys(payload.progress).forEach(function (roadmap) {
        var marks = payload.progress[roadmap];
        if (!marks || typeof marks !== "object") return;
        data[roadmap] = data[roadmap] || {};
        Object.keys(marks).forEach(function (node) {
          if (typeof marks[node] === "string" && !data[roadmap][node]) data[roadmap][node] = marks[node].slice(0, 10);
        });
      });
      save(data);
      refresh();
      say(panel, messages.ok);
    };
    reader.readAsText(file);
  }

  function setUpPanel(panel) {
    if (panel.dataset.ready) return;
    panel.dataset.ready = "1";
    var reset = panel.querySelector(".rm-reset");
    var messages = { ok: reset.dataset.imported, bad: reset.dataset.badFile };
    panel.querySelector(".rm-export").addEventListener("click", exportProgress);
    panel.querySelector(".rm-import input").addEventListener("change", function (event) {
      if (event.target.files && event.target.files[0]) importProgress(event.target.files[0], panel, messages);
      event.target.value = "";
    });
    reset.addEventListener("click", function () {
      if (window.confirm(reset.dataset.confirm)) {
        save({});
        refresh();
      }
    });
  }

  /* ---------- resource filters ---------- */

  function setUpFilters(form) {
    if (form.dataset.ready) return;
    form.dataset.ready = "1";
    var items = all(".rm-resource-index > li.rm-res");
    var count = form.querySelector(".rm-filter-count");
    var empty = document.querySelector(".rm-filter-empty");
    var controls = all("[data-filter]", form);
    var text = items.map(function (item) { return item.textContent.toLowerCase(); });

    function apply() {
      var wanted = {};
      controls.forEach(function (control) { wanted[control.dataset.filter] = control.value.trim().toLowerCase(); });
      var shown = 0;
      items.forEach(function (item, index) {
        var ok = (!wanted.kind || item.dataset.kind === wanted.kind) &&
          (!wanted.lang || item.dataset.lang === wanted.lang) &&
          (!wanted.access || item.dataset.access === wanted.access) &&
          (!wanted.level || item.dataset.level === wanted.level) &&
          (!wanted.topics || (" " + item.dataset.topics + " ").indexOf(" " + wanted.topics + " ") >= 0) &&
          (!wanted.text || text[index].indexOf(wanted.text) >= 0);
        item.hidden = !ok;
        if (ok) shown += 1;
      });
      count.textContent = form.dataset.showing.replace("{shown}", shown).replace("{total}", items.length);
      if (empty) empty.hidden = shown > 0;
      var state = new URLSearchParams();
      Object.keys(wanted).forEach(function (key) { if (wanted[key]) state.set(key, wanted[key]); });
      var query = state.toString();
      history.replaceState(null, "", location.pathname + (query ? "?" + query : "") + location.hash);
    }

    /* filters can be preset from the address, e.g. resources/?kind=video&lang=zh */
    var params = new URLSearchParams(location.search);
    controls.forEach(function (control) {
      if (params.has(control.dataset.filter)) control.value = params.get(control.dataset.filter);
    });
    form.addEventListener("submit", function (event) { event.preventDefault(); });
    form.addEventListener("input", apply);
    form.addEventListener("change", apply);
    form.addEventListener("reset", function () { setTimeout(apply, 0); });
    apply();
  }

  /* ---------- start ---------- */

  function init() {
    all(".rm-progress-panel").forEach(setUpPanel);
    all("form.rm-filters").forEach(setUpFilters);
    refresh();
  }

  document.addEventListener("change", onCheck);
  window.addEventListener("storage", function (event) { if (event.key === KEY) refresh(); });
  if (window.document$ && typeof window.document$.subscribe === "function") {
    window.document$.subscribe(init);
  } else if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", init);
  } else {
    init();
  }
})();
