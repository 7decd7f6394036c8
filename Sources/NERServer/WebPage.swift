/// `GET /`: the page where a person pastes text and sees its entities highlighted. One static
/// file, inline CSS and JS, no external URLs, so it works offline and needs no build step.
///
/// The API's offsets are Unicode code points; JavaScript strings index UTF-16 units, so the page
/// slices `Array.from(text)` (one element per code point) — emoji and other characters outside
/// the BMP then highlight correctly. `/?text=…` pre-fills the text, `&dictionary=…` the optional
/// dictionary box (one `word TYPE` a line, sent as the request's `dictionary`), and `&run` submits
/// it (links, and the headless-browser test in Tests/integration/browser.sh). Entities a dictionary
/// forced are drawn with a dashed frame and a ◆.
enum WebPage {
    static let html = #"""
    <!doctype html>
    <html lang="zh">
    <head>
    <meta charset="utf-8">
    <meta name="viewport" content="width=device-width, initial-scale=1">
    <title>BertNER // 命名实体识别</title>
    <style>
    :root{--bg:#07080f;--panel:#0f1324;--line:#24305a;--text:#d6e2ff;--dim:#7d88b0;
      --red:#ff3860;--cyan:#00f0ff;--yellow:#f8f272;--magenta:#ff2e97}
    *{box-sizing:border-box}
    body{margin:0;background:var(--bg);color:var(--text);font:15px/1.6 ui-monospace,"Cascadia Mono",Menlo,Consolas,"Noto Sans Mono CJK SC",monospace;
      background-image:linear-gradient(rgba(0,240,255,.04) 1px,transparent 1px),linear-gradient(90deg,rgba(255,46,151,.04) 1px,transparent 1px);
      background-size:28px 28px}
    main{max-width:64rem;margin:0 auto;padding:2rem 1rem}
    h1{margin:0;font-size:1.9rem;letter-spacing:.12em;color:var(--magenta);text-shadow:0 0 6px var(--magenta),0 0 18px rgba(255,46,151,.6)}
    h1 span{color:var(--cyan);text-shadow:0 0 6px var(--cyan)}
    .sub{color:var(--dim);margin:.2rem 0 1.5rem}
    .panel{background:var(--panel);border:1px solid var(--line);border-radius:6px;padding:1rem;margin-bottom:1rem;
      box-shadow:0 0 0 1px rgba(0,240,255,.08),0 0 24px rgba(0,240,255,.06)}
    textarea{width:100%;min-height:8rem;resize:vertical;background:#060812;color:var(--text);border:1px solid var(--line);
      border-radius:4px;padding:.7rem;font:inherit}
    textarea:focus{outline:none;border-color:var(--cyan);box-shadow:0 0 8px rgba(0,240,255,.5)}
    .row{display:flex;gap:1rem;align-items:center;flex-wrap:wrap;margin-top:.8rem}
    button{background:transparent;color:var(--cyan);border:1px solid var(--cyan);padding:.5rem 1.4rem;font:inherit;
      letter-spacing:.15em;cursor:pointer;border-radius:3px;text-shadow:0 0 4px var(--cyan);box-shadow:0 0 10px rgba(0,240,255,.35)}
    button:hover{background:rgba(0,240,255,.12)}button:disabled{opacity:.5;cursor:wait}
    #status{color:var(--dim)}
    #error{display:none;border:1px solid var(--red);color:var(--red);background:rgba(255,56,96,.08);padding:.6rem .8rem;border-radius:4px;margin-bottom:1rem}
    .legend{display:flex;gap:1.2rem;flex-wrap:wrap;font-size:.9rem}
    .swatch{display:inline-block;width:.9rem;height:.9rem;border-radius:2px;margin-right:.35rem;vertical-align:-2px}
    #result{white-space:pre-wrap;word-break:break-word;font-size:1.15rem;line-height:2.1;min-height:2rem}
    .entity{padding:.1rem .2rem;border-radius:3px;border-bottom:2px solid currentColor;cursor:help}
    .entity sub{font-size:.6rem;letter-spacing:.05em;margin-left:.15rem;opacity:.85}
    .entity.dictionary{outline:1px dashed currentColor;outline-offset:1px}
    details{margin-top:.8rem}summary{cursor:pointer;color:var(--dim)}
    #dictionary{min-height:4rem;margin-top:.5rem}
    .c-red{color:var(--red);background:rgba(255,56,96,.14);text-shadow:0 0 6px rgba(255,56,96,.7)}
    .c-cyan{color:var(--cyan);background:rgba(0,240,255,.12);text-shadow:0 0 6px rgba(0,240,255,.7)}
    .c-yellow{color:var(--yellow);background:rgba(248,242,114,.12);text-shadow:0 0 6px rgba(248,242,114,.6)}
    .c-magenta{color:var(--magenta);background:rgba(255,46,151,.12);text-shadow:0 0 6px rgba(255,46,151,.6)}
    table{width:100%;border-collapse:collapse;font-size:.92rem}
    th,td{text-align:left;padding:.35rem .6rem;border-bottom:1px solid var(--line)}
    th{color:var(--dim);font-weight:normal;letter-spacing:.1em;text-transform:uppercase;font-size:.78rem}
    footer{color:var(--dim);font-size:.8rem}footer a{color:var(--cyan)}
    </style>
    </head>
    <body>
    <main>
      <h1>BERT<span>NER</span> //</h1>
      <p class="sub">中文命名实体识别 · Chinese named-entity recognition · BERT + CRF in Swift</p>
      <div class="panel">
        <label for="text" class="sub">TEXT INPUT</label>
        <textarea id="text" spellcheck="false">新华社北京电，国家主席江泽民今天在人民大会堂会见了美国总统克林顿和微软公司董事长比尔·盖茨。</textarea>
        <details id="dictionary-box">
          <summary>DICTIONARY (optional) — one <code>word TYPE</code> a line; TYPE O blocks the word</summary>
          <textarea id="dictionary" spellcheck="false" placeholder="阿里巴巴 ORG&#10;杭州 LOC&#10;小米 O"></textarea>
        </details>
        <div class="row">
          <button id="run" type="button">ANALYSE ▶</button>
          <span id="status"></span>
        </div>
      </div>
      <div id="error" role="alert"></div>
      <div class="panel">
        <div class="legend" id="legend">
          <span><i class="swatch c-red" style="background:var(--red)"></i>PER 人名</span>
          <span><i class="swatch c-cyan" style="background:var(--cyan)"></i>LOC 地名</span>
          <span><i class="swatch c-yellow" style="background:var(--yellow)"></i>ORG 机构</span>
          <span>◆ from the dictionary</span>
        </div>
        <div id="result" aria-live="polite"></div>
      </div>
      <div class="panel">
        <table id="entities">
          <thead><tr><th>#</th><th>entity</th><th>type</th><th>start</th><th>end</th><th>score</th><th>source</th></tr></thead>
          <tbody></tbody>
        </table>
      </div>
      <footer>offsets are Unicode code points · <a href="/docs">API</a> · <a href="/openapi.json">OpenAPI</a> · <a href="/metrics">metrics</a></footer>
    </main>
    <script>
    "use strict";
    const $ = id => document.getElementById(id);
    const KNOWN = {red: 1, cyan: 1, yellow: 1, magenta: 1};

    function showError(message) {
      const box = $("error");
      box.textContent = message;
      box.style.display = message ? "block" : "none";
    }

    function render(text, entities) {
      // Offsets are code points: index an array of code points, never the UTF-16 string.
      const chars = Array.from(text);
      const result = $("result"), body = document.querySelector("#entities tbody");
      result.textContent = ""; body.textContent = "";
      let position = 0;
      const sorted = entities.slice().sort((a, b) => a.start - b.start);
      for (const e of sorted) {
        if (e.start < position || e.end > chars.length) continue;
        result.append(chars.slice(position, e.start).join(""));
        const span = document.createElement("span");
        const colour = KNOWN[e.color] ? e.color : "magenta";
        const fromDictionary = e.source === "dictionary";
        span.className = "entity c-" + colour + (fromDictionary ? " dictionary" : "");
        span.dataset.type = e.type; span.dataset.start = e.start; span.dataset.end = e.end;
        span.dataset.source = e.source || "model";
        span.title = e.type + " · score " + e.score.toFixed(4) + " · [" + e.start + ", " + e.end + ")" +
          (fromDictionary ? " · from the dictionary (score: the model's own probability)" : "");
        span.textContent = chars.slice(e.start, e.end).join("");
        const tag = document.createElement("sub"); tag.textContent = e.type + (fromDictionary ? "◆" : ""); span.append(tag);
        result.append(span);
        position = e.end;
      }
      result.append(chars.slice(position).join(""));
      sorted.forEach((e, i) => {
        const row = body.insertRow();
        for (const value of [i + 1, e.word, e.type, e.start, e.end, e.score.toFixed(4), e.source || "model"]) row.insertCell().textContent = value;
        row.cells[1].className = "c-" + (KNOWN[e.color] ? e.color : "magenta");
      });
    }

    // The dictionary box: "word TYPE" (or word<TAB>TYPE) a line; the type is the last field, so
    // words may hold spaces. Blank lines and # comments are skipped.
    function dictionaryEntries() {
      const entries = [];
      $("dictionary").value.split("\n").forEach((line, index) => {
        const trimmed = line.trim();
        if (!trimmed || trimmed.startsWith("#")) return;
        const match = trimmed.match(/^(.*\S)\s+(\S+)$/);
        if (!match) throw new Error("dictionary line " + (index + 1) + ": expected 'word TYPE', e.g. 阿里巴巴 ORG");
        entries.push({word: match[1], type: match[2]});
      });
      return entries;
    }

    async function analyse() {
      const text = $("text").value, button = $("run");
      showError(""); button.disabled = true; $("status").textContent = "analysing…";
      const started = performance.now();
      try {
        const request = {text};
        const dictionary = dictionaryEntries();
        if (dictionary.length) request.dictionary = dictionary;
        const response = await fetch("/ner", {method: "POST", headers: {"Content-Type": "application/json"},
                                              body: JSON.stringify(request)});
        let payload = null;
        try { payload = await response.json(); } catch (_) { /* not JSON: reported below */ }
        if (!response.ok) {
          const detail = payload && payload.error ? payload.error.code + ": " + payload.error.message : response.statusText;
          throw new Error("HTTP " + response.status + " — " + detail);
        }
        if (!payload || !Array.isArray(payload.entities)) throw new Error("unexpected response from /ner");
        render(payload.text, payload.entities);
        $("status").textContent = payload.entities.length + " entities · " + Math.round(performance.now() - started) + " ms";
        document.body.dataset.state = "done";
      } catch (error) {
        showError(String(error.message || error));
        $("status").textContent = "";
        document.body.dataset.state = "error";
      } finally {
        button.disabled = false;
      }
    }

    $("run").addEventListener("click", analyse);
    $("text").addEventListener("keydown", e => { if (e.key === "Enter" && (e.ctrlKey || e.metaKey)) analyse(); });
    const params = new URLSearchParams(location.search);
    if (params.has("text")) $("text").value = params.get("text");
    if (params.has("dictionary")) { $("dictionary").value = params.get("dictionary"); $("dictionary-box").open = true; }
    if (params.has("run")) $("run").click();
    </script>
    </body>
    </html>
    """#
}
