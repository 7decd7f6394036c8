"""Checks a DOM dumped by headless Chromium after the page ran /ner: the text shown equals the
input, and the highlighted spans are exactly the API's entities at the API's code-point offsets,
with the API's source (model / dictionary). Usage: check_page.py DOM BASE NAME [TEXT [DICTIONARY-JSON]]."""
import json
import sys
import urllib.request
from html.parser import HTMLParser


class ResultParser(HTMLParser):
    """Collects #result's text (without the <sub> type tags) and its entity spans."""

    def __init__(self):
        super().__init__()
        self.depth = 0          # >0 while inside #result
        self.in_sub = 0
        self.text = []
        self.spans = []         # (type, start, end, rendered start, words)
        self.current = None
        self.textarea = None
        self.in_textarea = False
        self.error = ""
        self.in_error = False

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "textarea" and a.get("id") == "text":
            self.in_textarea, self.textarea = True, ""
        if a.get("id") == "error":
            self.in_error = True
        if a.get("id") == "result":
            self.depth = 1
            return
        if self.depth:
            self.depth += 1
            if tag == "span" and "entity" in (a.get("class") or ""):
                self.current = {"type": a["data-type"], "start": int(a["data-start"]), "end": int(a["data-end"]),
                                "at": len("".join(self.text)), "word": "", "source": a.get("data-source"),
                                "marked": "dictionary" in (a.get("class") or "").split()}
            if tag == "sub":
                self.in_sub += 1

    def handle_endtag(self, tag):
        if tag == "textarea":
            self.in_textarea = False
        if self.in_error and tag == "div":
            self.in_error = False
        if self.depth:
            self.depth -= 1
            if tag == "sub":
                self.in_sub -= 1
            if tag == "span" and self.current and not self.in_sub:
                self.spans.append(self.current)
                self.current = None

    def handle_data(self, data):
        if self.in_textarea:
            self.textarea += data
        if self.in_error:
            self.error += data
        if self.depth and not self.in_sub:
            self.text.append(data)
            if self.current is not None:
                self.current["word"] += data


def main():
    path, base, name = sys.argv[1:4]
    # The dumped DOM serialises the textarea's initial content, not a value set by script, so the
    # submitted text comes from the command line when the page was given one via ?text=.
    page = ResultParser()
    page.feed(open(path, encoding="utf-8").read())
    if page.error.strip():
        sys.exit(f"{name}: the page shows an error: {page.error.strip()}")
    text = sys.argv[4] if len(sys.argv) > 4 and sys.argv[4] else page.textarea
    body = {"text": text}
    if len(sys.argv) > 5:
        body["dictionary"] = json.loads(sys.argv[5])
    request = urllib.request.Request(base + "/ner", data=json.dumps(body).encode(), method="POST")
    expected = json.load(urllib.request.urlopen(request))["entities"]
    shown = "".join(page.text)
    assert shown == text, f"{name}: rendered text differs from the input:\n{shown!r}\n{text!r}"
    got = [(s["type"], s["start"], s["end"], s["word"], s["source"]) for s in page.spans]
    want = [(e["type"], e["start"], e["end"], e["word"], e["source"]) for e in expected]
    assert got == want, f"{name}: spans {got} != API entities {want}"
    assert want, f"{name}: the model found no entities; the check would be vacuous"
    for s in page.spans:
        # Python strings index code points, as the API does: the span must sit over text[start:end].
        assert s["at"] == s["start"] and text[s["start"]:s["end"]] == s["word"], f"{name}: span {s} misplaced"
        assert s["marked"] == (s["source"] == "dictionary"), f"{name}: span {s} drawn as the wrong source"
    if "dictionary" in body:
        assert any(s["source"] == "dictionary" for s in page.spans), f"{name}: no dictionary entity shown"
    print(f"{name}: {len(got)} spans at the expected characters: " + ", ".join(f"{w}/{t}/{src}" for t, _, _, w, src in got))


if __name__ == "__main__":
    main()
