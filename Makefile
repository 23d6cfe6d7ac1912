# laborfacts — one command runs the main job, one runs the tests.
CARGO   ?= cargo
BIN     := target/release/laborfacts
OUT     ?= out
THREADS ?= 2

.PHONY: extract test eval eval-dev bench soak conformance fuzz clean check-rules

## extract: build (release) and run over data/ → out/
extract: $(BIN)
	$(BIN) extract data --out $(OUT)
	@echo "open $(OUT)/report.html to look at the totals and the facts behind them"

$(BIN): Cargo.toml Cargo.lock $(shell find src -name '*.rs')
	$(CARGO) build --release --locked

## test: unit, corpus, conformance and CLI tests (debug build)
test:
	$(CARGO) test --locked

## eval: extract, then score against the hand-checked gold of the seeds
eval: extract
	$(BIN) eval --gold tests/gold --pred $(OUT)

## eval-dev: rebuild the People's Daily dev texts if needed (git-ignored devdata/), extract with
## their publication dates, score against tests/devset/gold with a per-document table
eval-dev: $(BIN)
	python3 tools/devset.py texts
	$(BIN) extract devdata/texts --manifest devdata/manifest.csv --out devdata/out --quiet; test $$? -ne 1
	$(BIN) eval --gold tests/devset/gold --pred devdata/out --by-doc

check-rules: $(BIN)
	$(BIN) rules check rules

## conformance: peer test suites (number, money, date) through `laborfacts parse`
conformance:
	$(CARGO) test --locked --test conformance -- --nocapture

## fuzz: property tests of the parsers on arbitrary input, fixed budget
fuzz:
	PROPTEST_CASES=20000 $(CARGO) test --locked --lib fuzz_ -- --nocapture

## bench: the real-article corpus (devdata/corpus, when built) and ≥ 500 MB from data/ with
## variation: MB/s, CPU %, peak RSS, stage split at 1 and 2 threads, ratio to one ripgrep pass
bench: $(BIN)
	python3 tools/bench.py --bin $(BIN) --mb 500 --threads 1 $(THREADS)

clean:
	$(CARGO) clean
	rm -rf $(OUT) bench-corpus devdata/out

## soak: 1 GB of real text (or the seeds) with faults injected; accounts for every input, peak RSS
soak: $(BIN)
	python3 tools/soak.py --bin $(BIN) --threads $(THREADS)
