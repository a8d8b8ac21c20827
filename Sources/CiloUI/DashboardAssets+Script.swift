extension DashboardAssets {
    /// The page's script: the overview from `/api/events`, a panel per environment (services,
    /// live logs, diff, memory and CPU charts, actions). Text from the server is always set as
    /// text, never as HTML.
    static let script = #"""
        "use strict";
        const token = document.querySelector('meta[name="cilo-token"]').content;
        const history = new Map();   // "project/env" -> [{t, mem, cpu}], the last 5 minutes, kept by the page
        let overview = null, selected = null, logSource = null, diffTimer = null;

        const el = (tag, attrs = {}, ...children) => {
          const node = document.createElement(tag);
          for (const [key, value] of Object.entries(attrs)) {
            if (key === "class") node.className = value; else if (key.startsWith("on")) node.addEventListener(key.slice(2), value); else node.setAttribute(key, value);
          }
          for (const child of children) if (child !== null && child !== undefined) node.append(child instanceof Node ? child : String(child));
          return node;
        };
        const bytes = (n) => n == null ? "–" : n < 1024 ? `${n} B` : n < 1048576 ? `${(n / 1024).toFixed(1)} KiB` : n < 1073741824 ? `${(n / 1048576).toFixed(1)} MiB` : `${(n / 1073741824).toFixed(2)} GiB`;
        const age = (iso) => { const s = Math.max(0, (Date.now() - Date.parse(iso)) / 1000); return s < 60 ? `${s | 0} s` : s < 3600 ? `${(s / 60) | 0} min` : s < 86400 ? `${(s / 3600) | 0} h` : `${(s / 86400) | 0} d`; };
        const key = (env) => `${env.project}/${env.name}`;
        const plain = (text) => text.replace(/\u001b\[[0-9;?]*[A-Za-z]/g, "");   // compose's terminal escapes

        // A service as cilo reports it: unhealthy, exited, killed for lack of memory said as such.
        function serviceState(service) {
          const state = service.status || "";
          if (service.oomKilled) return ["killed: out of memory", "bad"];
          if (state.includes("unhealthy")) return [state, "bad"];
          if (state.startsWith("exited") && !state.includes("(0)")) return [state, "bad"];
          if (state.startsWith("running") || state.includes("(0)")) return [state, "ok"];
          return [state || "absent", "warn"];
        }
        function urls(env) {
          const links = [];
          for (const [service, url] of Object.entries(env.urls || {})) links.push(el("a", { href: url, target: "_blank", rel: "noopener", title: service }, url));
          return links;
        }

        function render() {
          const body = document.querySelector("#environments tbody");
          body.replaceChildren();
          const environments = overview.environments || [];
          document.getElementById("empty").hidden = environments.length > 0;
          for (const env of environments) {
            const up = (env.services || []).filter((s) => serviceState(s)[1] === "ok").length;
            const bad = (env.services || []).some((s) => serviceState(s)[1] === "bad");
            const links = el("td"); for (const link of urls(env)) links.append(link, " ");
            const row = el("tr", { "data-env": key(env), onclick: () => select(key(env)) },
              el("td", {}, el("strong", {}, env.name), el("span", { class: "muted" }, ` ${env.project}${env.engine !== "local" ? " @" + env.engine : ""}`)),
              el("td", { class: env.status === "running" && !bad ? "ok" : env.status === "running" ? "bad" : "warn" }, env.status),
              el("td", { class: bad ? "bad" : "" }, `${up}/${(env.services || []).length}`),
              links,
              el("td", {}, age(env.createdAt)),
              el("td", {}, env.cloneStrategy || "–"),
              el("td", { class: "disk" }, bytes(env.diskExclusiveBytes)),
              el("td", {}, env.stats ? bytes(env.stats.memoryBytes) : "–"),
              el("td", {}, env.stats ? `${env.stats.cpuPercent.toFixed(1)} %` : "–"),
              el("td", {}, env.changedFiles == null ? "–" : String(env.changedFiles)));
            if (key(env) === selected) row.classList.add("selected");
            body.append(row);
            if (env.stats) {
              const points = history.get(key(env)) || [];
              points.push({ t: Date.now(), mem: env.stats.memoryBytes, cpu: env.stats.cpuPercent });
              while (points.length && points[0].t < Date.now() - 300000) points.shift();
              history.set(key(env), points);
            }
          }
          const summary = [];
          for (const plan of overview.capacity || []) summary.push(`${plan.project}: ${plan.more} more fit (of ${plan.fits}), bound by ${plan.binding}`);
          const waiting = (overview.admission || []).filter((p) => !p.admitted).map((p) => `${p.project}/${p.env}`);
          if (waiting.length) summary.push(`waiting to start: ${waiting.join(", ")}`);
          for (const warning of overview.warnings || []) summary.push(`warning: ${warning}`);
          document.getElementById("summary").textContent = summary.join(" · ");
          const shared = document.getElementById("shared");
          shared.replaceChildren();
          if ((overview.shared || []).length) {
            shared.append(el("h2", {}, "Shared services"));
            const list = el("ul");
            for (const service of overview.shared) list.append(el("li", {}, `${service.project}/${service.service}: ${service.status}, used by ${service.usedBy.length ? service.usedBy.join(", ") : "nobody"}`));
            shared.append(list);
          }
          if (selected) {
            const env = environments.find((e) => key(e) === selected);
            if (!env) closePanel(); else refreshPanel(env);
          }
        }

        function chart(points, field) {
          const svg = document.createElementNS("http://www.w3.org/2000/svg", "svg");
          svg.setAttribute("class", "chart"); svg.setAttribute("viewBox", "0 0 300 60"); svg.setAttribute("preserveAspectRatio", "none");
          if (points.length > 1) {
            const max = Math.max(...points.map((p) => p[field]), field === "cpu" ? 1 : 1048576);
            const line = document.createElementNS("http://www.w3.org/2000/svg", "polyline");
            const start = points[0].t, span = Math.max(1, points[points.length - 1].t - start);
            line.setAttribute("points", points.map((p) => `${(300 * (p.t - start) / span).toFixed(1)},${(58 - 56 * p[field] / max).toFixed(1)}`).join(" "));
            svg.append(line);
          }
          return svg;
        }

        async function call(path, options = {}) {
          const response = await fetch(path, { ...options, headers: { "X-Cilo-Token": token, "Content-Type": "application/json" } });
          const type = response.headers.get("Content-Type") || "";
          const body = type.includes("json") ? await response.json() : await response.text();
          if (!response.ok) throw new Error(body.error || body || response.statusText);
          return body;
        }
        const apiPath = (env, rest = "") => `/api/environments/${encodeURIComponent(env.project)}/${encodeURIComponent(env.name)}${rest}`;

        function select(name) {
          if (selected === name) return;
          closePanel();
          selected = name;
          const env = overview.environments.find((e) => key(e) === name);
          const panel = document.getElementById("panel");
          panel.hidden = false;
          panel.replaceChildren(
            el("h2", {}, `${env.project}/${env.name}`),
            el("div", { class: "actions", id: "actions" }),
            el("div", { id: "message", class: "muted" }),
            el("div", { class: "grid" },
              el("div", { class: "card" }, el("h3", {}, "Services"), el("ul", { id: "services" }), el("h3", {}, "Memory"), el("div", { id: "memory" }), el("h3", {}, "CPU"), el("div", { id: "cpu" })),
              el("div", { class: "card" }, el("h3", {}, "Changes"), el("ul", { id: "files", class: "files" }), el("pre", { id: "patch", hidden: "" }))),
            el("div", { class: "card" }, el("h3", {}, "Logs"),
              el("div", { class: "actions" }, el("select", { id: "service" }, el("option", { value: "" }, "all services")),
                el("label", {}, el("input", { type: "checkbox", id: "follow", checked: "" }), " follow")),
              el("pre", { id: "logs" })));
          for (const service of env.services || []) document.getElementById("service").append(el("option", { value: service.name }, service.name));
          document.getElementById("service").addEventListener("change", () => logs(env));
          document.getElementById("follow").addEventListener("change", () => logs(env));
          actions(env);
          refreshPanel(env);
          diff(env);
          diffTimer = setInterval(() => { if (!document.hidden) diff(env); }, 2000);
          logs(env);
          render();
        }
        function closePanel() {
          selected = null;
          if (logSource) { logSource.close(); logSource = null; }
          if (diffTimer) { clearInterval(diffTimer); diffTimer = null; }
          const panel = document.getElementById("panel"); panel.hidden = true; panel.replaceChildren();
        }

        function refreshPanel(env) {
          const list = document.getElementById("services");
          if (!list) return;
          list.replaceChildren();
          for (const service of env.services || []) {
            const [state, tone] = serviceState(service);
            list.append(el("li", {}, el("strong", {}, service.name), " ", el("span", { class: tone }, state),
              " ", (env.urls || {})[service.name] ? el("a", { href: env.urls[service.name], target: "_blank", rel: "noopener" }, env.urls[service.name]) : el("span", { class: "muted" }, service.ip || "")));
          }
          const points = history.get(key(env)) || [];
          document.getElementById("memory").replaceChildren(chart(points, "mem"), el("div", { class: "muted" }, env.stats ? bytes(env.stats.memoryBytes) + " now" : "not running"));
          document.getElementById("cpu").replaceChildren(chart(points, "cpu"), el("div", { class: "muted" }, env.stats ? `${env.stats.cpuPercent.toFixed(1)} % now` : ""));
        }

        function actions(env) {
          const box = document.getElementById("actions");
          const say = (text, tone = "muted") => { const m = document.getElementById("message"); m.className = tone; m.textContent = text; };
          const run = (label, action, body, confirmText) => el("button", { class: action === "destroy" || action === "restore" ? "danger" : "", "data-action": action, onclick: async (event) => {
            if (confirmText && !confirm(confirmText)) return;
            const button = event.currentTarget; button.disabled = true; say(`${label}…`);
            try { const answer = await call(apiPath(env, `/${action}`), { method: "POST", body: JSON.stringify(body ? body() : {}) }); say(answer.said || `${label}: done`, "ok"); }
            catch (error) { say(`${label} failed: ${error.message}`, "bad"); }
            finally { button.disabled = false; }
          } }, label);
          const name = el("input", { id: "name", placeholder: "name" });
          box.replaceChildren(
            run("Up", "up"), run("Down", "down"),
            run("Merge to branch", "merge"),
            run("Checkpoint", "checkpoint", () => name.value ? { name: name.value } : {}),
            run("Restore", "restore", () => ({ checkpoint: name.value }), `Restore ${env.name} to checkpoint "${name.value}"? Its workspace and volumes are replaced (the state replaced is kept as a checkpoint).`),
            run("Fork", "fork", () => ({ name: name.value })),
            name,
            run("Destroy", "destroy", null, `Destroy ${env.project}/${env.name}? Its containers, network, volumes (its data), checkpoints and workspace folder${env.changedFiles ? ` with ${env.changedFiles} changed files` : ""} go.`));
        }

        async function diff(env) {
          try {
            const answer = await call(apiPath(env, "/diff"));
            const list = document.getElementById("files");
            if (!list) return;
            list.replaceChildren();
            if (!(answer.changes || []).length) list.append(el("li", { class: "muted" }, "no changes"));
            for (const change of answer.changes || []) {
              list.append(el("li", { "data-path": change.path, onclick: async () => {
                const patch = document.getElementById("patch");
                patch.hidden = false;
                try { patch.textContent = await call(apiPath(env, `/diff/file?path=${encodeURIComponent(change.path)}`)); } catch (error) { patch.textContent = error.message; }
              } }, `${change.change} ${change.path} `, change.added != null ? el("span", { class: "add" }, `+${change.added}`) : null, " ", change.removed != null ? el("span", { class: "del" }, `-${change.removed}`) : null));
            }
          } catch (error) { const list = document.getElementById("files"); if (list) list.replaceChildren(el("li", { class: "bad" }, error.message)); }
        }

        async function logs(env) {
          if (logSource) { logSource.close(); logSource = null; }
          const box = document.getElementById("logs");
          const service = document.getElementById("service").value;
          box.textContent = "";
          const query = service ? `?service=${encodeURIComponent(service)}` : "";
          if (document.getElementById("follow").checked) {
            logSource = new EventSource(apiPath(env, `/logs/stream${query}`));
            logSource.addEventListener("line", (event) => {
              const atEnd = box.scrollTop + box.clientHeight >= box.scrollHeight - 4;
              box.textContent += plain(event.data) + "\n";
              if (box.textContent.length > 200000) box.textContent = box.textContent.slice(-150000);
              if (atEnd) box.scrollTop = box.scrollHeight;
            });
          } else {
            try { box.textContent = plain(await call(apiPath(env, `/logs${query}`))); } catch (error) { box.textContent = error.message; }
          }
        }

        // The overview streams only while the page is seen: a tab in the background costs the server nothing.
        let events = null;
        function listen() {
          events = new EventSource("/api/events");
          events.addEventListener("overview", (event) => {
            overview = JSON.parse(event.data);
            document.getElementById("live").textContent = `live · ${new Date(overview.generatedAt).toLocaleTimeString()}`;
            render();
          });
          events.addEventListener("error", () => { document.getElementById("live").textContent = "reconnecting…"; });
        }
        document.addEventListener("visibilitychange", () => {
          if (document.hidden) { if (events) { events.close(); events = null; } document.getElementById("live").textContent = "paused (page hidden)"; }
          else if (!events) listen();
        });
        listen();
        """#
}
