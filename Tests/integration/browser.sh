#!/usr/bin/env bash
# The web page in a real headless Chromium against a real `ner serve`: the page submits the
# example and an emoji-containing text (via `/?text=…&run`, which clicks the button), and the
# rendered DOM must hold exactly the API's entities, each span over the right characters.
# Saves Docs/web-page.png. Usage: Tests/integration/browser.sh (after `make release`).
source "$(dirname "$0")/lib.sh"
apt_install chromium chromium
apt_install curl curl
# A CJK font, or the screenshot shows boxes (the DOM checks do not depend on it).
fc-list :lang=zh 2>/dev/null | grep -q . || { echo "installing fonts-wqy-zenhei…" >&2; \
  $SUDO apt-get install -y -qq fonts-wqy-zenhei >/dev/null; }
WORK="$(mktemp -d)"
trap 'kill $SERVER_PID 2>/dev/null || true; rm -rf "$WORK"' EXIT
start_server "$WORK/server.log"
BASE="http://127.0.0.1:$SERVER_PORT"
CHROME=(chromium --headless --no-sandbox --disable-gpu --hide-scrollbars --virtual-time-budget=15000)

quote() { python3 -c 'import sys,urllib.parse;print(urllib.parse.quote(sys.argv[1]))' "$1"; }

check() {  # check NAME TEXT-or-empty(for the built-in example) [DICTIONARY-BOX-TEXT DICTIONARY-JSON]
  local name="$1" text="$2" url="$BASE/?run"
  if [ -n "$text" ]; then url="$BASE/?run&text=$(quote "$text")"; fi
  if [ -n "${3:-}" ]; then url="$url&dictionary=$(quote "$3")"; fi
  "${CHROME[@]}" --dump-dom "$url" 2>/dev/null >"$WORK/$name.html"
  python3 "$ROOT/Tests/integration/check_page.py" "$WORK/$name.html" "$BASE" "$name" "$text" ${4:+"$4"}
}

check example ""
check emoji "😀🇨🇳👨‍👩‍👧 新华社北京电，国家主席江泽民在人民大会堂会见了美国总统克林顿。𠀀微软公司董事长比尔·盖茨访问上海。"
# The dictionary box: the seed's sentence decided by two entries, drawn as dictionary entities.
check dictionary "马云在杭州阿里巴巴总部发表演讲" $'阿里巴巴 ORG\n# a comment\n杭州\tLOC' \
  '[{"word": "阿里巴巴", "type": "ORG"}, {"word": "杭州", "type": "LOC"}]'
"${CHROME[@]}" --window-size=1100,1100 --screenshot="$ROOT/Docs/web-page-dictionary.png" \
  "$BASE/?run&text=$(quote "马云在杭州阿里巴巴总部发表演讲")&dictionary=$(quote $'阿里巴巴 ORG\n杭州 LOC')" >/dev/null 2>&1
"${CHROME[@]}" --window-size=1100,980 --screenshot="$ROOT/Docs/web-page.png" "$BASE/?run" >/dev/null 2>&1
echo "browser: page checks passed; screenshot Docs/web-page.png"
