// The page's script, plain browser JavaScript (no framework, nothing fetched
// from elsewhere): it opens the WebSocket, applies the snapshot and the
// diffs to its copy of the state, and redraws. It never polls: everything
// it learns arrives on the socket. Kept free of backticks and dollar-brace
// so that it can live in this template string.
export const pageScript = String.raw`
"use strict";
(function () {
  var names = ["nodes", "pods", "services", "endpoints", "events", "members", "machines"];
  var state = {};
  var timeline = [];
  var machinesEnabled = false;
  var drawScheduled = false;

  function reset() {
    names.forEach(function (n) { state[n] = new Map(); });
    timeline = [];
  }
  reset();

  function esc(s) {
    return String(s).replace(/[&<>"']/g, function (c) { return "&#" + c.charCodeAt(0) + ";"; });
  }

  function apply(d) {
    if (d.op === "put") state[d.collection].set(d.key, d.value);
    else if (d.op === "delete") state[d.collection].delete(d.key);
    else if (d.op === "timeline") timeline.push(d.entry);
  }

  function onMessage(msg) {
    if (msg.type === "snapshot") {
      reset();
      machinesEnabled = msg.machinesEnabled;
      names.forEach(function (n) {
        msg.state[n].forEach(function (v) { state[n].set(v.key !== undefined ? v.key : v.name, v); });
      });
      timeline = msg.state.timeline.slice();
    } else if (msg.type === "diff") {
      msg.diffs.forEach(apply);
    }
    scheduleDraw();
  }

  function scheduleDraw() {
    if (drawScheduled) return;
    drawScheduled = true;
    requestAnimationFrame(function () { drawScheduled = false; draw(); });
  }

  function machineButtons(name) {
    var m = state.machines.get(name);
    if (!machinesEnabled || m === undefined) return "";
    var running = m.state === "running";
    return '<span class="buttons" data-machine-state="' + esc(m.state) + '">' +
      (running
        ? '<button class="kill" data-action="kill" data-machine="' + esc(name) + '">kill</button>'
        : '<button class="start" data-action="start" data-machine="' + esc(name) + '">start</button>') +
      "</span>";
  }

  function podClass(p) {
    if (p.deleting) return "deleting";
    if (p.phase === "Running") return p.ready ? "ready" : "running";
    return p.phase.toLowerCase();
  }

  function byName(a, b) { return a.name < b.name ? -1 : a.name > b.name ? 1 : 0; }

  function drawMembers() {
    var members = Array.from(state.members.values()).sort(byName);
    var leaderId = "";
    var term = 0;
    members.forEach(function (m) {
      if (m.up && m.leaderId !== "0" && m.term >= term) { term = m.term; leaderId = m.leaderId; }
    });
    document.getElementById("members").innerHTML = members.map(function (m) {
      var leader = m.up && m.memberId === leaderId;
      var role = !m.up ? "down" : leader ? "leader" : m.leaderId === "0" ? "no leader" : "follower";
      return '<span class="member ' + (leader ? "leader " : "") + (m.up ? "" : "down") + '" data-member="' + esc(m.name) + '" data-role="' + role + '">' +
        "<b>" + esc(m.name) + "</b> " + role + (m.up ? " · term " + m.term + " · index " + m.index : "") + " " + machineButtons(m.name) + "</span>";
    }).join("");
  }

  function drawNodes() {
    var pods = Array.from(state.pods.values()).sort(byName);
    var nodes = Array.from(state.nodes.values()).sort(byName);
    var columns = nodes.map(function (n) { return { node: n, pods: [] }; });
    var index = new Map(columns.map(function (c) { return [c.node.name, c]; }));
    var waiting = [];
    pods.forEach(function (p) {
      var c = index.get(p.node);
      if (c !== undefined) c.pods.push(p); else waiting.push(p);
    });
    function podHtml(p) {
      return '<div class="pod ' + podClass(p) + '" data-pod="' + esc(p.key) + '" data-phase="' + esc(p.phase) + '" data-ready="' + p.ready + '" title="' + esc(p.key + " " + p.ip) + '">' +
        esc(p.name) + '<span class="phase">' + esc(p.deleting ? "Terminating" : p.phase) + (p.ready ? " ✓" : "") + "</span></div>";
    }
    var html = columns.map(function (c) {
      var n = c.node;
      var status = n.ready === "True" ? "Ready" : "NotReady";
      return '<div class="node ' + status + '" data-node="' + esc(n.name) + '" data-status="' + status + '">' +
        "<h3><span>" + esc(n.name) + "</span>" + machineButtons(n.name) + "</h3>" +
        '<div class="meta">' + status + (n.unschedulable ? ", SchedulingDisabled" : "") + (n.ip ? " · " + esc(n.ip) : "") + " · " + c.pods.length + " pods</div>" +
        c.pods.map(podHtml).join("") + "</div>";
    }).join("");
    if (waiting.length > 0) {
      html += '<div class="node unscheduled" data-node=""><h3>not scheduled</h3>' + waiting.map(podHtml).join("") + "</div>";
    }
    document.getElementById("nodes").innerHTML = html;
  }

  function drawServices() {
    var services = Array.from(state.services.values()).sort(function (a, b) { return a.key < b.key ? -1 : 1; });
    document.querySelector("#services tbody").innerHTML = services.map(function (s) {
      var ep = state.endpoints.get(s.key);
      var eps = ep === undefined ? "" :
        ep.ready.map(function (a) { return '<span class="ep ready">' + esc(a) + "</span>"; }).join("") +
        ep.notReady.map(function (a) { return '<span class="ep notready">' + esc(a) + "</span>"; }).join("");
      return '<tr data-service="' + esc(s.key) + '"><td>' + esc(s.namespace + "/" + s.name) + "</td><td>" + esc(s.type) + "</td><td>" + esc(s.clusterIP) +
        "</td><td>" + esc(s.ports.join(", ")) + "</td><td>" + eps + "</td></tr>";
    }).join("");
  }

  function clock(ms) {
    var d = new Date(ms);
    return d.toISOString().slice(11, 23);
  }

  function drawTimeline() {
    var onlySince = document.getElementById("since-kill").checked;
    var lastKill = -1;
    timeline.forEach(function (e, i) { if (e.kind === "Killed") lastKill = i; });
    var from = onlySince && lastKill >= 0 ? lastKill : 0;
    var killAt = lastKill >= 0 ? timeline[lastKill].at : undefined;
    var rows = timeline.slice(from).slice(-300);
    document.querySelector("#timeline tbody").innerHTML = rows.map(function (e) {
      var after = killAt !== undefined && e.at >= killAt ? "+" + ((e.at - killAt) / 1000).toFixed(1) + " s" : "";
      return '<tr class="' + esc(e.kind) + '" data-kind="' + esc(e.kind) + '" data-subject="' + esc(e.subject) + '"><td>' + clock(e.at) + "</td><td>" + after +
        "</td><td>" + esc(e.kind) + "</td><td>" + esc(e.subject) + "</td><td>" + esc(e.node) + "</td></tr>";
    }).reverse().join("");
  }

  function drawEvents() {
    var events = Array.from(state.events.values()).sort(function (a, b) { return a.time < b.time ? 1 : a.time > b.time ? -1 : 0; });
    document.getElementById("events").innerHTML = events.map(function (e) {
      return '<li class="' + esc(e.type) + '"><b>' + esc(e.time.slice(11, 19)) + "</b> " + esc(e.reason) + " " + esc(e.object) + ": " + esc(e.message) + "</li>";
    }).join("");
  }

  function draw() {
    drawMembers();
    drawNodes();
    drawServices();
    drawTimeline();
    drawEvents();
  }

  document.addEventListener("click", function (ev) {
    var t = ev.target;
    if (!(t instanceof HTMLElement) || t.dataset.action === undefined) return;
    var name = t.dataset.machine;
    t.disabled = true;
    fetch("/api/machines/" + encodeURIComponent(name) + "/" + t.dataset.action, {
      method: "POST", headers: { "Content-Type": "application/json" }, body: "{}", credentials: "same-origin",
    }).then(function (r) {
      if (!r.ok) return r.text().then(function (text) { alert(name + ": " + text); });
    }).catch(function (err) { alert(name + ": " + err); }).finally(function () { t.disabled = false; });
  });
  document.getElementById("since-kill").addEventListener("change", scheduleDraw);

  var retryMs = 500;
  function connect() {
    var conn = document.getElementById("connection");
    var ws = new WebSocket((location.protocol === "https:" ? "wss://" : "ws://") + location.host + "/ws");
    ws.onopen = function () { conn.textContent = "live"; conn.className = "conn up"; retryMs = 500; };
    ws.onmessage = function (m) { onMessage(JSON.parse(m.data)); };
    ws.onclose = function () {
      conn.textContent = "reconnecting"; conn.className = "conn down";
      setTimeout(connect, retryMs);
      retryMs = Math.min(retryMs * 2, 5000);
    };
  }
  connect();
})();
`;
