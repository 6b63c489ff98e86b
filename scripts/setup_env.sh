#!/usr/bin/env bash
# Create .venv/ at the repository root and install tpmm's pinned stack.
#
# mmcv 2.1.0 ships only as an sdist on PyPI and its setup.py forces -std=c++14/17,
# while torch 2.14 headers need C++20. We build the sdist once with the flag patched
# to -std=c++20 and MMCV_WITH_OPS=1, and cache the wheel outside the clone
# (TPMM_CACHE, default ~/.cache/tpmm) so the next setup on this machine reuses it.
#
# Every pip install honours requirements/constraints.txt (-c): the exact versions of the
# whole environment the tests last passed in, so a new release of an unpinned dependency
# cannot change a fresh setup. Refresh it from a working .venv with `make constraints`
# (without the file, pip takes the newest versions the requirements allow).
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
VENV="${ROOT}/.venv"
CACHE="${TPMM_CACHE:-${HOME}/.cache/tpmm}"
PY="${PYTHON:-python3}"
MMCV_VERSION=2.1.0
STAMP="${VENV}/.tpmm-setup-done"
CONSTRAINTS="${ROOT}/requirements/constraints.txt"

step() { printf '\n[setup %s] %s\n' "$(date +%H:%M:%S)" "$*"; }

if [[ -f "${STAMP}" && "${STAMP}" -nt "${ROOT}/requirements/runtime.txt" \
      && "${STAMP}" -nt "${CONSTRAINTS}" && "${STAMP}" -nt "${ROOT}/setup.py" ]]; then
    echo "[setup] .venv is up to date (remove ${STAMP} to force a reinstall)"
    exit 0
fi

mkdir -p "${CACHE}/wheels"
if [[ ! -x "${VENV}/bin/python" ]]; then
    step "creating ${VENV}"
    "${PY}" -m venv "${VENV}"
fi
PIP=("${VENV}/bin/python" -m pip --disable-pip-version-check)
if [[ -f "${CONSTRAINTS}" ]]; then
    PIN=(-c "${CONSTRAINTS}")
else
    PIN=()
    echo "[setup] no ${CONSTRAINTS}: installing the newest versions requirements/*.txt allow"
fi

step "build tools (pip, setuptools<81, wheel, ninja)"
"${PIP[@]}" install -q --upgrade pip 'setuptools<81' wheel ninja

step "torch 2.14.1 + torchvision 0.29.1"
"${PIP[@]}" install -q ${PIN[@]+"${PIN[@]}"} -r "${ROOT}/requirements/torch.txt"

MMCV_WHEEL="$(ls "${CACHE}"/wheels/mmcv-${MMCV_VERSION}-*.whl 2>/dev/null | head -n1 || true)"
if [[ -z "${MMCV_WHEEL}" ]]; then
    step "building mmcv ${MMCV_VERSION} with ops (one time per machine, ~15 min on 2 cores)"
    BUILD="$(mktemp -d)"
    "${PIP[@]}" download -q --no-deps --no-build-isolation --no-binary :all: -d "${BUILD}" "mmcv==${MMCV_VERSION}"
    tar -xzf "${BUILD}"/mmcv-${MMCV_VERSION}.tar.gz -C "${BUILD}"
    SRC="${BUILD}/mmcv-${MMCV_VERSION}"
    sed -i -E 's/-std=c\+\+1[47]/-std=c++20/g' "${SRC}/setup.py"
    grep -q -- '-std=c++20' "${SRC}/setup.py" || { echo "could not patch the C++ standard in ${SRC}/setup.py" >&2; exit 1; }
    # ninja prints "[i/N] ..." per compiled file: keep those lines as progress, flushed per
    # line (grep --line-buffered, awk fflush) so a log file or pipe shows them as they come.
    (cd "${SRC}" && MMCV_WITH_OPS=1 MAX_JOBS="$(nproc)" \
        "${VENV}/bin/python" -m pip wheel -v --no-deps --no-build-isolation -w "${BUILD}/dist" . 2>&1 \
        | grep --line-buffered -E '^\s*\[[0-9]+/[0-9]+\]|error:|Successfully' \
        | awk '{ print substr($0, 1, 160); fflush() }')
    cp "${BUILD}"/dist/mmcv-${MMCV_VERSION}-*.whl "${CACHE}/wheels/"
    MMCV_WHEEL="$(ls "${CACHE}"/wheels/mmcv-${MMCV_VERSION}-*.whl | head -n1)"
    rm -rf "${BUILD}"
else
    step "using cached mmcv wheel ${MMCV_WHEEL}"
fi
"${PIP[@]}" install -q --no-deps "${MMCV_WHEEL}"

step "spikingjelly 2.0.0 without its torchaudio dependency"
"${PIP[@]}" install -q --no-deps ${PIN[@]+"${PIN[@]}"} -r "${ROOT}/requirements/spikingjelly.txt"

step "OpenMMLab stack (mmdet, mmseg, mmpretrain) and run-time dependencies (versions from requirements/constraints.txt)"
"${PIP[@]}" install -q ${PIN[@]+"${PIN[@]}"} -r "${ROOT}/requirements/runtime.txt" \
    -r "${ROOT}/requirements/tests.txt"

step "tpmm (editable)"
"${PIP[@]}" install -q --no-deps --no-build-isolation -e "${ROOT}"

"${VENV}/bin/python" - <<'PY'
import mmcv, mmcv.ops, mmdet, mmpretrain, mmseg, mmengine, spikingjelly, torch, torchvision
print(f"[setup] torch {torch.__version__}, torchvision {torchvision.__version__}, "
      f"mmengine {mmengine.__version__}, mmcv {mmcv.__version__} (ops ok), "
      f"mmdet {mmdet.__version__}, mmseg {mmseg.__version__}, "
      f"mmpretrain {mmpretrain.__version__}")
PY
touch "${STAMP}"
step "done"
