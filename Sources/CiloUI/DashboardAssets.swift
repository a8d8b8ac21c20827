import Foundation
import HTTPTypes
import Hummingbird

/// The page, its style and its script, served from the binary: no build step, no CDN, works
/// offline. Readable in dark and light themes (the system's choice), at 1280 px and on a phone.
enum DashboardAssets {
    static func response(_ data: Data, type: String) -> Response {
        var headers = HTTPFields()
        headers[.contentType] = type
        headers[.cacheControl] = "no-store"
        return Response(status: .ok, headers: headers, body: ResponseBody(byteBuffer: ByteBuffer(bytes: data)))
    }

    static func response(_ text: String, type: String) -> Response { response(Data(text.utf8), type: type) }

    /// The page, carrying the token for the script's actions (a page of another site cannot read it).
    static func page(token: String) -> Response {
        response(
            """
            <!doctype html>
            <html lang="en">
            <head>
            <meta charset="utf-8">
            <meta name="viewport" content="width=device-width, initial-scale=1">
            <meta name="cilo-token" content="\(token)">
            <title>cilo</title>
            <link rel="stylesheet" href="/app.css">
            </head>
            <body>
            <header><h1>cilo</h1><span id="live" class="muted">connecting…</span></header>
            <main>
            <section id="summary" class="muted"></section>
            <div class="scroll"><table id="environments">
            <thead><tr><th>Environment</th><th>Status</th><th>Services</th><th>URLs</th><th>Age</th><th>Workspace</th><th>Disk</th><th>Memory</th><th>CPU</th><th>Changes</th></tr></thead>
            <tbody></tbody></table></div>
            <p id="empty" class="muted" hidden>No environments. <code>cilo up NAME</code> in a project makes one.</p>
            <section id="shared"></section>
            <section id="panel" hidden></section>
            </main>
            <script src="/app.js"></script>
            </body>
            </html>
            """, type: "text/html; charset=utf-8")
    }

    static let style = """
        :root { --bg: #fff; --fg: #1b1f24; --muted: #5b6570; --line: #d8dee4; --card: #f6f8fa; --ok: #1a7f37; --warn: #9a6700; --bad: #cf222e; --link: #0550ae; }
        @media (prefers-color-scheme: dark) { :root { --bg: #0d1117; --fg: #e6edf3; --muted: #8d96a0; --line: #30363d; --card: #161b22; --ok: #3fb950; --warn: #d29922; --bad: #f85149; --link: #58a6ff; } }
        * { box-sizing: border-box; }
        body { margin: 0; font: 14px/1.45 system-ui, sans-serif; background: var(--bg); color: var(--fg); }
        header { display: flex; gap: 1em; align-items: baseline; padding: .6em 1em; border-bottom: 1px solid var(--line); }
        h1 { font-size: 1.2em; margin: 0; } h2 { font-size: 1.05em; margin: 1em 0 .4em; } h3 { font-size: 1em; margin: .8em 0 .3em; }
        main { padding: .5em 1em 2em; max-width: 1400px; }
        a { color: var(--link); } code, pre { font-family: ui-monospace, monospace; font-size: 12.5px; }
        .muted { color: var(--muted); } .ok { color: var(--ok); } .warn { color: var(--warn); } .bad { color: var(--bad); font-weight: 600; }
        .scroll { overflow-x: auto; }
        table { border-collapse: collapse; width: 100%; }
        th, td { text-align: left; padding: .35em .6em; border-bottom: 1px solid var(--line); vertical-align: top; white-space: nowrap; }
        tbody tr { cursor: pointer; } tbody tr:hover, tbody tr.selected { background: var(--card); }
        .card { background: var(--card); border: 1px solid var(--line); border-radius: 6px; padding: .8em 1em; margin-top: 1em; }
        button { font: inherit; padding: .25em .8em; border-radius: 5px; border: 1px solid var(--line); background: var(--bg); color: var(--fg); cursor: pointer; }
        button.danger { color: var(--bad); border-color: var(--bad); } button:disabled { opacity: .5; cursor: wait; }
        .actions { display: flex; flex-wrap: wrap; gap: .4em; align-items: center; } .actions input:not([type=checkbox]) { font: inherit; width: 10em; }
        .grid { display: grid; grid-template-columns: repeat(auto-fit, minmax(320px, 1fr)); gap: 1em; }
        pre { background: var(--bg); border: 1px solid var(--line); padding: .6em; overflow: auto; max-height: 24em; white-space: pre-wrap; word-break: break-all; }
        .files li { cursor: pointer; } .add { color: var(--ok); } .del { color: var(--bad); }
        svg.chart { width: 100%; height: 60px; background: var(--bg); border: 1px solid var(--line); }
        svg.chart polyline { fill: none; stroke: var(--link); stroke-width: 1.5; }
        #message { min-height: 1.4em; }
        @media (max-width: 700px) { th:nth-child(5), td:nth-child(5), th:nth-child(6), td:nth-child(6) { display: none; } main { padding: .5em; } }
        """
}
