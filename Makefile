# BertNER — `make run` starts BertNER on the default model, `make test` runs the test suite.
# Both install what is missing (OpenBLAS via apt); Swift 6 itself must be on PATH.

SWIFT ?= swift
PYTHON ?= python3
VENV := .venv
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)
MODEL ?= $(if $(wildcard Weights/default/model.safetensors),Weights/default,Tests/Fixtures/tiny)

.PHONY: run test test-tools build release deps venv fixtures bench eval clean

## Install OpenBLAS (headers + pkg-config file) when it is missing.
deps:
	@pkg-config --exists openblas 2>/dev/null || { \
	  echo "installing libopenblas-dev (OpenBLAS for cblas_sgemm)…"; \
	  $(SUDO) apt-get update -qq && \
	  DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq libopenblas-dev pkg-config >/dev/null; }

build: deps
	$(SWIFT) build

release: deps
	$(SWIFT) build -c release

test: deps
	$(SWIFT) test

## Until the HTTP service lands (issue 5), `make run` tags an example sentence with the default model.
EXAMPLE ?= 新华社北京电，国家主席江泽民今天在人民大会堂会见了美国总统克林顿和微软公司董事长比尔·盖茨。
run: release
	.build/release/ner info --model $(MODEL)
	.build/release/ner tag --model $(MODEL) "$(EXAMPLE)"

## Latency of the bert-base-geometry layer fixture at seq 128 (see Docs/ARCHITECTURE.md).
bench: release
	.build/release/ner bench --model Tests/Fixtures/base-geometry-f16 --sequence-length 128 --iterations 50
	.build/release/ner bench --model Tests/Fixtures/base-geometry-f16 --sequence-length 128 --iterations 50 --threads 1

## Entity F1 of the default model on the MSRA test set (needs ../shared/data/msra).
eval: release
	.build/release/ner eval --model $(MODEL) --data ../shared/data/msra/test.bioes

## Python tools (PyTorch CPU wheel from /opt/wheels when present, else PyPI).
venv: $(VENV)/.installed
$(VENV)/.installed: tools/requirements.txt
	$(PYTHON) -m venv $(VENV)
	$(VENV)/bin/pip install -q --find-links /opt/wheels -r tools/requirements.txt
	touch $@

## Python-side checks of the tools (exporter error cases); needs the venv (PyTorch).
test-tools: venv
	$(VENV)/bin/python tools/test_export.py

## Regenerate the engine's golden fixtures with PyTorch (committed; tests never run Python).
fixtures: venv
	$(VENV)/bin/python tools/make_engine_fixtures.py
	$(VENV)/bin/python tools/make_tokenizer_fixtures.py
	$(VENV)/bin/python tools/make_eval_fixture.py
	$(VENV)/bin/python tools/make_export_fixtures.py

clean:
	rm -rf .build
