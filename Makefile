# The two commands of the README, and a few more.
#   make run    install what is missing, build (Release), open the GUI on the demo model
#   make test   the same set-up, then every test (GUI tests under Xvfb)
#   make asan   the tests built with AddressSanitizer + UBSan (build-asan/)
#   make bench  the benchmarks (bench/), figures for docs/performance.md
#   make fuzz   the libFuzzer targets (fuzz/, clang, build-fuzz/), FUZZ_SECONDS each
#   make sanitize  unit + CLI tests under ASan+UBSan and a short run of every fuzz target (clang, build-san/)
#   make tsan   the threaded tests (tensor cache, parallel nn) under ThreadSanitizer (build-tsan/)
BUILD  ?= build
JOBS   ?= $(shell nproc)
DEMO   ?= assets/demo/mlp.safetensors
CMAKE_FLAGS ?=
FUZZ_SECONDS ?= 60
FUZZ_SMOKE_SECONDS ?= 10
# Tests that run several threads: the tensor cache and core/nn's parallel loops.
TSAN_TESTS ?= TensorCache*:*Thread*:*Cancel*:*Parallel*

.PHONY: all deps build run test asan sanitize bench fuzz tsan clean

all: build

deps:
	@scripts/setup.sh

$(BUILD)/CMakeCache.txt:
	cmake -S . -B $(BUILD) -DCMAKE_BUILD_TYPE=Release $(CMAKE_FLAGS)

build: deps $(BUILD)/CMakeCache.txt
	cmake --build $(BUILD) -j $(JOBS)

run: build
	$(BUILD)/app/quantscope $(wildcard $(DEMO))

test: build
	cd $(BUILD) && ctest --output-on-failure -j $(JOBS)

build-asan/CMakeCache.txt:
	cmake -S . -B build-asan -DCMAKE_BUILD_TYPE=RelWithDebInfo -DQS_SANITIZE=ON -DQS_BUILD_BENCH=OFF $(CMAKE_FLAGS)

asan: deps build-asan/CMakeCache.txt
	cmake --build build-asan -j $(JOBS)
	cd build-asan && ASAN_OPTIONS=detect_leaks=1 UBSAN_OPTIONS=print_stacktrace=1 ctest --output-on-failure -j $(JOBS)

fuzz: deps
	JOBS=$(JOBS) scripts/fuzz-smoke.sh $(FUZZ_SECONDS)

sanitize: deps
	JOBS=$(JOBS) scripts/sanitize.sh $(FUZZ_SMOKE_SECONDS)

build-tsan/CMakeCache.txt:
	cmake -S . -B build-tsan -DCMAKE_BUILD_TYPE=RelWithDebInfo -DQS_SANITIZE=thread -DQS_BUILD_BENCH=OFF -DQS_BUILD_GUI=OFF $(CMAKE_FLAGS)

tsan: deps build-tsan/CMakeCache.txt
	cmake --build build-tsan -j $(JOBS) --target quantscope_tests
	TSAN_OPTIONS=halt_on_error=1:second_deadlock_stack=1 build-tsan/tests/quantscope_tests --gtest_filter='$(TSAN_TESTS)'

bench: build
	$(BUILD)/bench/quantscope_bench

clean:
	rm -rf $(BUILD) build-asan build-fuzz build-san build-tsan
