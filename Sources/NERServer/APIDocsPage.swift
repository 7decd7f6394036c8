/// `GET /docs`: the API in one readable page (the machine-readable form is `/openapi.json`).
enum APIDocsPage {
    static func html(configuration c: HTTPOptions) -> String {
        #"""
        <!doctype html>
        <html lang="en"><head><meta charset="utf-8"><title>BertNER API</title>
        <meta name="viewport" content="width=device-width, initial-scale=1">
        <style>
        body{background:#0b0d17;color:#d6e2ff;font:15px/1.55 ui-monospace,Menlo,Consolas,monospace;max-width:60rem;margin:2rem auto;padding:0 1rem}
        h1{color:#ff2e97;text-shadow:0 0 8px #ff2e97}h2{color:#00f0ff;border-bottom:1px solid #1f2a48;padding-top:1rem}
        code,pre{background:#131a2e;color:#f8f272;border-radius:4px}pre{padding:.8rem;overflow-x:auto}code{padding:0 .25rem}
        table{border-collapse:collapse}td,th{border:1px solid #1f2a48;padding:.3rem .6rem;text-align:left}a{color:#00f0ff}
        </style></head><body>
        <h1>BertNER API</h1>
        <p>Chinese named-entity recognition (PER, LOC, ORG). Offsets <code>start</code>/<code>end</code> are
        Unicode code-point indices into the text, <code>end</code> exclusive (Python's <code>text[start:end]</code>).
        Machine-readable contract: <a href="/openapi.json">/openapi.json</a>. Try it: <a href="/">the web page</a>.</p>

        <h2>POST /ner</h2>
        <pre>curl -s localhost:\#(c.port)/ner -d '{"text":"马云在杭州阿里巴巴总部发表演讲"}'</pre>
        <pre>{"text":"马云在杭州阿里巴巴总部发表演讲","entities":[
          {"word":"马云","start":0,"end":2,"type":"PER","score":0.99,"color":"red"},
          {"word":"杭州","start":3,"end":5,"type":"LOC","score":0.98,"color":"cyan"},
          {"word":"阿里巴巴","start":5,"end":9,"type":"ORG","score":0.95,"color":"yellow"}]}</pre>
        <p><code>score</code> is the product of the CRF marginal probabilities of the entity's tags.
        Colours: PER red, LOC cyan, ORG yellow, any other type magenta. Empty text gives <code>"entities":[]</code>.</p>

        <h2>POST /ner/batch</h2>
        <pre>curl -s localhost:\#(c.port)/ner/batch -d '{"texts":["马云在杭州","国务院在北京"]}'</pre>
        <p>Returns <code>{"results":[{"text","entities"}, …]}</code>, one per input text, in input order.</p>

        <h2>Probes and operations</h2>
        <table>
        <tr><th>route</th><th>meaning</th></tr>
        <tr><td>GET /health</td><td>liveness: 200 <code>{"status":"ok","state":…}</code> while the process answers</td></tr>
        <tr><td>GET /ready</td><td>readiness: 200 once the model is loaded and warmed; 503 while loading and from SIGTERM on (draining)</td></tr>
        <tr><td>GET /metrics</td><td>Prometheus text: requests by route and status, latency histogram, batch sizes, queue depth, tokens/s, model load time, process memory/CPU</td></tr>
        <tr><td>GET /info</td><td>version, state, model geometry and labels, limits, batching</td></tr>
        </table>

        <h2>Errors</h2>
        <p>Every error is <code>{"error":{"code":"…","message":"…"}}</code>; the message says what to fix.</p>
        <table>
        <tr><th>status</th><th>code</th><th>when</th></tr>
        <tr><td>400</td><td>invalid_utf8</td><td>the body is not UTF-8 (the message gives the byte offset)</td></tr>
        <tr><td>400</td><td>invalid_json</td><td>the body is not JSON</td></tr>
        <tr><td>400</td><td>invalid_field</td><td>not an object; missing, unknown or wrongly typed field</td></tr>
        <tr><td>413</td><td>body_too_large</td><td>body over \#(c.maxBodyBytes) bytes</td></tr>
        <tr><td>413</td><td>text_too_long</td><td>a text over \#(c.maxTextCharacters) characters</td></tr>
        <tr><td>413</td><td>batch_too_large</td><td>more than \#(c.maxBatchItems) texts</td></tr>
        <tr><td>404 / 405</td><td>not_found / method_not_allowed</td><td>unknown route or method</td></tr>
        <tr><td>503</td><td>not_ready / draining / overloaded</td><td>model loading, shutting down, or more than \#(c.maxQueue) texts queued; honour <code>Retry-After</code></td></tr>
        </table>
        </body></html>
        """#
    }
}
