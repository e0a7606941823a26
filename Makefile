# The two commands of the README, and a few more.
#   make run    install what is missing, build (Release), open the GUI on the demo model
#   make test   the same set-up, then every test (GUI tests under Xvfb)
#   make asan   the tests built with AddressSanitizer + UBSan (build-asan/)
#   make bench  the benchmarks (bench/), figures for docs/performance.md
BUILD  ?= build
JOBS   ?= $(shell nproc)
DEMO   ?= assets/demo/mlp.safetensors
CMAKE_FLAGS ?=

.PHONY: all deps build run test asan bench clean

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

bench: build
	$(BUILD)/bench/quantscope_bench

clean:
	rm -rf $(BUILD) build-asan
