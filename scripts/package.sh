#!/usr/bin/env bash
# Builds the xerod packages from a copy of the source tree: the .deb (always) and, when
# rpmbuild is installed, the source RPM and (see RPM) the binary RPM.
# scripts/package-check.sh (CI) runs it and then installs and tests the .deb. See
# docs/packaging.md.
#
#   scripts/package.sh                       # working tree -> dist/
#   PACKAGE_REF=HEAD scripts/package.sh      # a commit instead of the working tree
#
# Environment:
#   OUT_DIR      where packages go (default: dist/ in the source tree)
#   WORK_DIR     scratch directory (default: a new mktemp -d, removed unless KEEP_WORK=1)
#   PACKAGE_REF  git ref to package; empty (default) packages the working tree, i.e.
#                tracked and untracked-but-not-ignored files
#   RPM          auto (default: SRPM if rpmbuild exists, binary RPM too on RPM systems),
#                srpm, all (the spec compiles the sources again: rpmbuild -bb), reuse (the
#                binary RPM packages the .deb build's `cmake --install` output instead of
#                compiling again: what CI checks on Debian), or no
#   RPM_NODEPS=1 pass --nodeps (and no debuginfo) to rpmbuild -bb: needed on Debian, whose
#                rpm database knows none of the BuildRequires (RPM=reuse implies it)
#   SKIP_DEPS=1  do not apt-get anything (the build dependencies must be installed)
set -euo pipefail
cd "$(dirname "$0")/.."
src=$PWD

as_root() {
  if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo "$@"; fi
}

# Installs the Build-Depends of the source tree $1 (its debian/control), and
# build-essential, with apt; nothing when dpkg-checkbuilddeps finds them all.
install_build_deps() {
  if command -v dpkg-checkbuilddeps >/dev/null && (cd "$1" && dpkg-checkbuilddeps 2>/dev/null); then
    return 0
  fi
  echo "package: installing the build dependencies of debian/control"
  as_root env DEBIAN_FRONTEND=noninteractive apt-get update -q
  as_root env DEBIAN_FRONTEND=noninteractive apt-get build-dep -y -q --no-install-recommends "$1"
}

version=$(sed -n 's/^project(xerod VERSION \([0-9.]*\).*/\1/p' CMakeLists.txt)
deb_version=$(dpkg-parsechangelog -l packaging/deb/debian/changelog -S Version 2>/dev/null \
  || sed -n '1s/^xerod (\([^)]*\)).*/\1/p' packaging/deb/debian/changelog)
spec_version=$(sed -n 's/^Version:[[:space:]]*//p' packaging/rpm/xerod.spec)
[ -n "$version" ] || { echo "package: no version in CMakeLists.txt" >&2; exit 1; }
if [ "${deb_version%-*}" != "$version" ] || [ "$spec_version" != "$version" ]; then
  echo "package: version mismatch: CMakeLists.txt $version, debian/changelog $deb_version," \
       "xerod.spec $spec_version" >&2
  exit 1
fi

out_dir=${OUT_DIR:-$src/dist}
mkdir -p "$out_dir"
out_dir=$(cd "$out_dir" && pwd)
if [ -n "${WORK_DIR:-}" ]; then
  work=$WORK_DIR
  mkdir -p "$work"
else
  work=$(mktemp -d /tmp/xerod-package.XXXXXX)
  [ "${KEEP_WORK:-0}" = 1 ] || trap 'rm -rf "$work"' EXIT
fi
work=$(cd "$work" && pwd)
tree=$work/xerod-$version

# 1. A clean copy of the sources: no build directories, no dist/, no .git.
rm -rf "$tree"
mkdir -p "$tree"
if [ -n "${PACKAGE_REF:-}" ]; then
  git archive --format=tar "$PACKAGE_REF" | tar -x -C "$tree"
elif git rev-parse --is-inside-work-tree >/dev/null 2>&1; then
  git ls-files -z --cached --others --exclude-standard \
    | tar --null -T - -c --ignore-failed-read | tar -x -C "$tree"
else
  tar -c --exclude='./build*' --exclude=./dist --exclude=./debian --exclude=./.git . \
    | tar -x -C "$tree"
fi
rm -rf "$tree/debian" "$tree/dist"
# Upstream tarball (for rpmbuild, and as the .orig of a 3.0 (quilt) source package).
tar -C "$work" --sort=name --owner=0 --group=0 --numeric-owner \
  -czf "$work/xerod_$version.orig.tar.gz" "xerod-$version"

# 2. The .deb.
cp -a packaging/deb/debian "$tree/debian"
[ "${SKIP_DEPS:-0}" = 1 ] || install_build_deps "$tree"
(cd "$tree" && dpkg-checkbuilddeps && dpkg-buildpackage -us -uc -b)
changes=$work/xerod_${deb_version}_$(dpkg-architecture -qDEB_HOST_ARCH).changes
sed -n '/^Files:/,/^[^ ]/s/^ [0-9a-f]\{32\} [0-9]* [^ ]* [^ ]* //p' "$changes" \
  | while read -r f; do cp "$work/$f" "$out_dir/"; done
cp "$changes" "$out_dir/"
echo "package: deb -> $out_dir"

# 3. RPMs.
rpm_mode=${RPM:-auto}
if [ "$rpm_mode" != no ] && command -v rpmbuild >/dev/null; then
  top=$work/rpmbuild
  mkdir -p "$top"/{SOURCES,SPECS,SRPMS,RPMS,BUILD,BUILDROOT}
  cp "$work/xerod_$version.orig.tar.gz" "$top/SOURCES/xerod-$version.tar.gz"
  cp systemd/xerod.sysusers.conf "$top/SOURCES/xerod.sysusers.conf"
  cp packaging/rpm/xerod.spec "$top/SPECS/"
  rpmbuild --define "_topdir $top" -bs "$top/SPECS/xerod.spec"
  if [ "$rpm_mode" = auto ] && [ ! -e /etc/debian_version ]; then rpm_mode=all; fi
  # On Debian: --nodeps (rpm's database knows none of the BuildRequires), no debuginfo,
  # and brp-compress run by bash: it uses `read -d`, but says #!/bin/sh, which is dash
  # on Debian (the man pages would stay uncompressed).
  nodeps=()
  [ "${RPM_NODEPS:-0}" = 1 ] && nodeps=(--nodeps --define 'debug_package %{nil}')
  [ -e /etc/debian_version ] && nodeps+=(--define '__brp_compress bash /usr/lib/rpm/brp-compress %{?_prefix}')
  if [ "$rpm_mode" = all ]; then
    rpmbuild --define "_topdir $top" "${nodeps[@]}" -bb "$top/SPECS/xerod.spec"
  elif [ "$rpm_mode" = reuse ]; then
    # The files the .deb was made from, installed again from its build directory; the
    # spec's xerod_prebuilt branch takes them instead of compiling (docs/packaging.md).
    stage=$work/rpm-stage
    rm -rf "$stage"
    DESTDIR=$stage cmake --install "$tree/obj-$(dpkg-architecture -qDEB_HOST_GNU_TYPE)" >/dev/null
    rpmbuild --define "_topdir $top" --define "xerod_prebuilt $stage" "${nodeps[@]}" \
      --nodeps --define 'debug_package %{nil}' -bb "$top/SPECS/xerod.spec"
  fi
  find "$top/SRPMS" "$top/RPMS" -name '*.rpm' -exec cp {} "$out_dir/" \;
  echo "package: rpm -> $out_dir"
elif [ "$rpm_mode" != no ]; then
  echo "package: rpmbuild not found, no RPMs (apt-get install rpm for the source RPM)"
fi
ls -l "$out_dir"
