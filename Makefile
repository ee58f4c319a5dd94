# ebtvid — the commands a user and CI run. `make demo` and `make test` work on a fresh Debian machine.
SWIFT      ?= swift
export PATH := /opt/swift/usr/bin:$(PATH)
DEB_PKGS   := libavcodec-dev libavformat-dev libswscale-dev libavutil-dev libopenblas-dev pkg-config
BENCH_PKGS := ffmpeg
RELEASE    := -c release
BIN        := .build/release/ebtvid
SUDO       := $(shell [ "$$(id -u)" = 0 ] || echo sudo)

.PHONY: setup setup-bench build test demo bench clean

## Install the Debian packages we link against, only when some are missing.
setup:
	@missing=""; for p in $(DEB_PKGS); do dpkg -s $$p >/dev/null 2>&1 || missing="$$missing $$p"; done; \
	if [ -n "$$missing" ]; then \
	  echo "installing:$$missing"; \
	  $(SUDO) apt-get update && DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y $(DEB_PKGS); \
	fi

## The ffmpeg command line is only needed as the peer in `make bench`.
setup-bench: setup
	@dpkg -s $(BENCH_PKGS) >/dev/null 2>&1 || { $(SUDO) apt-get update && DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y $(BENCH_PKGS); }

build: setup
	$(SWIFT) build $(RELEASE) --product ebtvid

## Numeric tests run in release: debug Swift is ~50x slower.
test: setup
	@python3 -c 'import safetensors' 2>/dev/null || pip install -q safetensors 2>/dev/null || echo "(python safetensors unavailable: its interop tests will skip)"
	$(SWIFT) build $(RELEASE) --build-tests -Xswiftc -enable-testing
	$(SWIFT) test $(RELEASE) --skip-build -Xswiftc -enable-testing

demo: build
	@mkdir -p outputs/demo
	$(BIN) synth --out outputs/demo/synth --count 2 --frames 48 --size 128 --seed 7
	$(BIN) info clips/*.mp4
	$(BIN) frames $$(ls clips/*.mp4 | head -1) --size 64x64 --out outputs/demo/frames.npy
	$(BIN) train clips --size tiny --steps 300 --context 8 --batch 8 --validate-every 100 --out outputs/demo/tiny-ebt.safetensors
	$(BIN) predict clips/s2024-001-pan.mp4 --model outputs/demo/tiny-ebt.safetensors --out outputs/demo/predict
	$(BIN) overlay clips/s2024-001-pan.mp4 --model outputs/demo/tiny-ebt.safetensors --out outputs/demo/overlay.mp4
	$(BIN) eval clips --model outputs/demo/tiny-ebt.safetensors --out outputs/demo/eval
	@echo "demo outputs are in outputs/demo/"

bench: setup-bench
	$(SWIFT) build $(RELEASE) --product ebtvid
	$(SWIFT) build $(RELEASE) --product ebtvid-bench
	.build/release/ebtvid-bench

clean:
	rm -rf .build outputs/demo
