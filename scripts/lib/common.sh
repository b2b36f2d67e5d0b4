# Shared by the scripts in scripts/: finding the Swift toolchain and installing the Debian
# packages the build and the tests need. Sourced, not run. Safe to run again: it only installs
# what is missing.

# Debian packages the project needs to build (ZeroMQ), and in addition to test: network
# namespaces for the several-hosts tests, a single-node Slurm and an OpenSSH server for the
# cluster launchers' tests, headless Chromium (and a font) to look at the report, python3-venv for
# the test venv (ensure_test_venv).
BUILD_PACKAGES="libzmq3-dev"
TEST_PACKAGES="iproute2 slurm-wlm munge openssh-server openssh-client chromium fonts-dejavu-core python3-venv"

# Puts the Swift toolchain on PATH (it lives in /opt/swift on the project's machines).
find_swift() {
  if ! command -v swift >/dev/null 2>&1; then
    for dir in /opt/swift/usr/bin /usr/share/swift/usr/bin; do
      [ -x "$dir/swift" ] && export PATH="$dir:$PATH" && break
    done
  fi
  command -v swift >/dev/null 2>&1 || { echo "error: the Swift toolchain is not installed (see https://swift.org/install)" >&2; exit 1; }
}

# Installs the listed Debian packages that are not installed yet.
ensure_packages() {
  local missing=()
  for package in "$@"; do
    dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed" || missing+=("$package")
  done
  [ ${#missing[@]} -eq 0 ] && return 0
  echo "installing: ${missing[*]}" >&2
  local sudo=""
  [ "$(id -u)" -eq 0 ] || sudo="sudo"
  $sudo env DEBIAN_FRONTEND=noninteractive apt-get update -qq
  $sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
}

# The Python readers the tests check exports and README examples with: MLflow's and TensorBoard's
# own (depthfarm export), pandas (the README's pandas example). A venv in .venv-test, created
# once; pip runs only when one of them is missing. Costs about a minute and ~400 MB the first
# time (PyPI), nothing after. Exports DEPTHFARM_TEST_PYTHON for the tests.
TEST_VENV=${TEST_VENV:-.venv-test}
TEST_PYTHON_PACKAGES="mlflow-skinny tensorboard pandas"
ensure_test_venv() {
  if [ ! -x "$TEST_VENV/bin/python" ]; then
    echo "creating $TEST_VENV (python3 -m venv)" >&2
    python3 -m venv "$TEST_VENV"
  fi
  if ! "$TEST_VENV/bin/python" -c "import mlflow, tensorboard, pandas" >/dev/null 2>&1; then
    echo "installing into $TEST_VENV: $TEST_PYTHON_PACKAGES" >&2
    "$TEST_VENV/bin/pip" install --quiet --disable-pip-version-check $TEST_PYTHON_PACKAGES
  fi
  DEPTHFARM_TEST_PYTHON="$PWD/$TEST_VENV/bin/python"
  export DEPTHFARM_TEST_PYTHON
}
