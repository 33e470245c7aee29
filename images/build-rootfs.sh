#!/usr/bin/env bash
# The base of ampwatch's container images, assembled from this build machine, nothing downloaded:
# a Java runtime made by jlink (only the modules ampwatch needs) and the C libraries it and the
# natives in ampwatch's jars (JNA, RocksDB, zstd, snappy, lz4) link against, found with ldd and
# copied from this machine, plus /tmp, a nonroot user and the data directory. The result is what a
# distroless Java base image holds, for this machine's architecture and glibc.
# Usage: images/build-rootfs.sh <output dir> <jar dir>...   (run by the images module's build)
set -euo pipefail
out="$1"; shift
java_home="${JAVA_HOME:-$(dirname "$(dirname "$(readlink -f "$(command -v java)")")")}"
modules=java.base,java.desktop,java.naming,java.net.http,java.security.jgss,java.security.sasl,java.sql,jdk.httpserver,jdk.management,jdk.unsupported,jdk.crypto.ec,jdk.jfr,jdk.management.jfr
rm -rf "$out"
mkdir -p "$out/opt" "$out/tmp" "$out/etc" "$out/var/lib/ampwatch"
"$java_home/bin/jlink" --add-modules "$modules" --strip-debug --no-man-pages --no-header-files \
    --compress=2 --output "$out/opt/java"
# java.desktop stays for java.beans (Jackson, OSHI, commons-math3 refer to it); a headless server never
# loads the GUI's natives, which would pull X11, fonts and sound into the image
for gui in libawt_xawt libsplashscreen libjsound libjawt libfontmanager libjavajpeg liblcms libmlib_image; do
  rm -f "$out/opt/java/lib/$gui.so"
done

# every ELF file whose libraries the image needs: the runtime's, and the linux-x86_64/aarch64 natives inside jars
natives="$(mktemp -d)"
trap 'rm -rf "$natives"' EXIT
arch="$(uname -m)"
for dir in "$@"; do
  for jar in "$dir"/*.jar; do
    (cd "$natives" && unzip -qo "$jar" '*.so' -x '*musl*' '*ndroid*' 2>/dev/null || true)
  done
done
elf_files() {
  find "$out/opt/java" -type f \( -name '*.so' -o -path '*/bin/*' -o -name jspawnhelper \)
  find "$natives" -type f -name '*.so' -ipath '*linux*' | while read -r f; do
    case "$(file -b "$f")" in *"$( [ "$arch" = x86_64 ] && echo x86-64 || echo aarch64)"*) echo "$f" ;; esac
  done
}
copy_lib() {  # a library at the path the loader finds it, as a regular file
  local path="$1"
  [ -e "$out$path" ] && return
  mkdir -p "$out$(dirname "$path")"
  cp -L "$path" "$out$path"
}
missing=()
while read -r f; do
  while read -r line; do
    case "$line" in
      *"not found"*) missing+=("$f: $line") ;;
      *"=> $out/"*) ;;   # the runtime's own libraries
      *"=> /"*) copy_lib "$(sed -E 's/.*=> ([^ ]+).*/\1/' <<<"$line")" ;;
      /*" (0x"*) copy_lib "$(awk '{print $1}' <<<"$line")" ;;   # the dynamic loader itself
    esac
  done < <(LD_LIBRARY_PATH="$out/opt/java/lib/server:$out/opt/java/lib" ldd "$f" 2>/dev/null || true)
done < <(elf_files)
# libraries the JDK opens at run time by name rather than links (name service, DNS)
cache="$(ldconfig -p)"
for lib in libnss_files.so.2 libnss_dns.so.2 libresolv.so.2; do
  path="$(awk -v l="$lib" '$1 == l && /x86-64|AArch64/ && !found {print $NF; found = 1}' <<<"$cache")"
  [ -n "$path" ] && copy_lib "$path"
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "build-rootfs: a native needs a library this machine does not have:" >&2
  printf '  %s\n' "${missing[@]}" >&2
  exit 1
fi
cat > "$out/etc/passwd" <<'PASSWD'
root:x:0:0:root:/root:/sbin/nologin
nonroot:x:65532:65532:ampwatch:/var/lib/ampwatch:/sbin/nologin
PASSWD
printf 'root:x:0:\nnonroot:x:65532:\n' > "$out/etc/group"
printf 'passwd: files\ngroup: files\nhosts: files dns\n' > "$out/etc/nsswitch.conf"
echo "build-rootfs: $(du -sh "$out" | cut -f1) in $out ($(find "$out" -name '*.so*' -path '*/lib*/*-linux-gnu/*' | wc -l) system libraries)"
