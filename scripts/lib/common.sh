# Shared by the scripts in scripts/: finding the Swift toolchain and installing the Debian
# packages the build and the tests need. Sourced, not run. Safe to run again: it only installs
# what is missing.

# Debian packages the project needs to build (ZeroMQ), and in addition to test: network
# namespaces for the several-hosts tests, a single-node Slurm and an OpenSSH server for the
# cluster launchers' tests, headless Chromium (and a font) to look at the report.
BUILD_PACKAGES="libzmq3-dev"
TEST_PACKAGES="iproute2 slurm-wlm munge openssh-server openssh-client chromium fonts-dejavu-core"

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
