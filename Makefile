# Thin wrapper over CMake. Every target installs missing build dependencies first
# (deploy/install-deps.sh), so on a fresh Debian machine `make test` and `make run` are enough.

BUILD       ?= build
ASAN_BUILD  ?= build-asan
FUZZ_BUILD  ?= build-fuzz
JOBS        ?= $(shell nproc 2>/dev/null || echo 2)
WERROR      ?= OFF
FUZZ_SECONDS ?= 60
FUZZ_MALLOC_MB ?= 256
CTEST_ARGS  ?=


.PHONY: all build test run asan fuzz bench clean deps format lint docs help

all: build

help:
	@echo "make run     build and run the pipeline on the sample articles (RUN_ARGS=... for others)"
	@echo "make test    build and run every test"
	@echo "make build   build into $(BUILD)/ (programs in $(BUILD)/bin)"
	@echo "make asan    build with AddressSanitizer+UBSan into $(ASAN_BUILD)/ and run every test"
	@echo "make fuzz    run each libFuzzer target for FUZZ_SECONDS (default 60)"
	@echo "make bench   run the benchmarks"
	@echo "make lint    formatting, banned functions and cppcheck"
	@echo "make format  format the C sources in place"
	@echo "make docs    regenerate the generated parts of the docs"
	@echo "make clean   remove the build folders"

# Installs what is missing; quiet and quick (one dpkg query) when everything is there.
deps:
	@sh deploy/install-deps.sh --quiet

$(BUILD)/CMakeCache.txt: | deps
	cmake -S . -B $(BUILD) -DPL_WERROR=$(WERROR)

build: deps $(BUILD)/CMakeCache.txt
	cmake -S . -B $(BUILD) -DPL_WERROR=$(WERROR) >/dev/null
	cmake --build $(BUILD) -j $(JOBS)

test: build
	ctest --test-dir $(BUILD) --output-on-failure --no-tests=error -j $(JOBS) $(CTEST_ARGS)

# The sample articles through store, fetcher and extractor (parley up), events shown as they
# are stored; a fresh data folder each time. RUN_ARGS replaces the arguments, e.g.
#   make run RUN_ARGS="--extractors 2 --data my-data ~/articles"   (runs until Ctrl-C)
RUN_ARGS ?= --once --data $(BUILD)/run-data
run: build
	@if [ "$(RUN_ARGS)" = "--once --data $(BUILD)/run-data" ]; then rm -rf $(BUILD)/run-data; fi
	$(BUILD)/bin/parley up $(RUN_ARGS)

asan: deps
	CC=clang cmake -S . -B $(ASAN_BUILD) -DPL_WERROR=$(WERROR) -DPL_SANITIZE="address;undefined" \
	    -DCMAKE_BUILD_TYPE=Debug
	cmake --build $(ASAN_BUILD) -j $(JOBS)
	ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1 \
	    ctest --test-dir $(ASAN_BUILD) --output-on-failure --no-tests=error -j $(JOBS) $(CTEST_ARGS)

fuzz: deps
	CC=clang cmake -S . -B $(FUZZ_BUILD) -DPL_FUZZ=ON -DBUILD_TESTING=OFF -DCMAKE_BUILD_TYPE=Debug
	cmake --build $(FUZZ_BUILD) -j $(JOBS) --target fuzz_article fuzz_mention fuzz_event fuzz_msg fuzz_extract \
	    fuzz_html fuzz_feed fuzz_robots
	sh tests/fuzz/run.sh $(FUZZ_BUILD)/tests/fuzz $(FUZZ_SECONDS) $(FUZZ_MALLOC_MB)

bench: build
	sh tests/bench/run.sh $(BUILD) --update

lint: build
	BUILD=$(BUILD) sh .ci/lint

docs: build
	sh tools/sync-docs.sh $(BUILD)

format:
	clang-format -i $$(git ls-files '*.c' '*.h')

clean:
	rm -rf $(BUILD) $(ASAN_BUILD) $(FUZZ_BUILD)
