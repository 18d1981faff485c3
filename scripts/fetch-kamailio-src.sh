#!/usr/bin/env bash
# Fetch Debian's source package of the *installed* kamailio into a cache folder, using a private
# apt configuration (deb-src entries derived from the system's sources) so the system's apt setup
# is never changed. Prints the path of the unpacked source tree on stdout.
# With ROOT (a Debian root from host-root.sh), the kamailio installed there, fetched by apt inside
# it from that root's sources (the cache folder must be inside the repo, which the root sees);
# for a root whose Kamailio was built from upstream source (host-source.sh), that source tree.
# A source that cannot be had is an error, never a fall-back to other headers.
#   fetch-kamailio-src.sh CACHE_DIR [ROOT]
set -euo pipefail
cache=${1:?usage: fetch-kamailio-src.sh CACHE_DIR [ROOT]}
root=${2:+$(cd "$2" && pwd)}
mkdir -p "$cache"
cache=$(cd "$cache" && pwd)
here=$(cd "$(dirname "$0")" && pwd)
run=()
[ -z "$root" ] || run=("$here/in-root.sh" "$root")
if [ -n "$root" ] && [ -f "$root/.sl-rs-source" ]; then
  cat "$root/.sl-rs-source"; exit 0
fi

version=$(dpkg-query --admindir="$root/var/lib/dpkg" -W -f='${Version}' kamailio 2>/dev/null) || {
  echo "fetch-kamailio-src: the kamailio package is not installed${root:+ in $root} (run: make deps)" >&2; exit 1; }
upstream=${version#*:}; upstream=${upstream%-*}
tree="$cache/kamailio-$upstream"
if [ -f "$tree/.sl-rs-version" ] && [ "$(cat "$tree/.sl-rs-version")" = "$version" ]; then
  echo "$tree"; exit 0
fi

apt_dir="$cache/apt"
mkdir -p "$apt_dir/sources.list.d" "$apt_dir/lists/partial" "$apt_dir/cache/archives/partial"
: > "$apt_dir/sources.list"
: > "$apt_dir/sources.list.d/from-lists.list"
# deb822 sources: same entries, as deb-src.
for f in "$root"/etc/apt/sources.list.d/*.sources; do
  [ -e "$f" ] || continue
  sed -E 's/^Types:.*/Types: deb-src/' "$f" > "$apt_dir/sources.list.d/$(basename "$f")"
done
# one-line sources: same entries, as deb-src.
for f in "$root"/etc/apt/sources.list "$root"/etc/apt/sources.list.d/*.list; do
  [ -e "$f" ] || continue
  sed -nE 's/^[[:space:]]*deb[[:space:]]/deb-src /p' "$f" >> "$apt_dir/sources.list.d/from-lists.list"
done
opts=(-o "Dir::Etc::SourceList=$apt_dir/sources.list"
      -o "Dir::Etc::SourceParts=$apt_dir/sources.list.d"
      -o "Dir::State::Lists=$apt_dir/lists"
      -o "Dir::Cache=$apt_dir/cache"
      -o "Debug::NoLocking=1")
${run[@]+"${run[@]}"} apt-get "${opts[@]}" -qq update >&2
work="$cache/download"
rm -rf "$work"; mkdir -p "$work"
got=$(cd "$work" && ${run[@]+"${run[@]}"} apt-get "${opts[@]}" -qq source --download-only "kamailio=$version" 2>&1) || {
  why=$(grep -m1 '^E:' <<<"$got" | sed -E 's/.*(kamailio_[^ ]+) +([0-9]{3} [A-Za-z ]*[A-Za-z]).*/\1: \2/') || why="apt-get source failed"
  echo "fetch-kamailio-src: Debian's source package kamailio=$version cannot be had here (${why:-apt-get source failed})" >&2
  exit 1; }
dsc=$(ls "$work"/*.dsc | head -n1)
rm -rf "$tree"
command -v dpkg-source >/dev/null || { echo "fetch-kamailio-src: dpkg-source missing (apt-get install dpkg-dev)" >&2; exit 1; }
(cd "$work" && dpkg-source --no-check -x "$dsc" "$tree" >&2)
echo "$version" > "$tree/.sl-rs-version"
rm -rf "$work"
echo "$tree"
