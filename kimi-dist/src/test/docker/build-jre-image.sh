#!/bin/sh
# Builds the local image `local/kimi-jre:17` without any registry: a root filesystem holding a jlink'd JRE
# from the host JDK, a static busybox for a shell, and the shared libraries they need, imported with
# `docker import`. Usage: build-jre-image.sh [IMAGE]   (needs docker, jlink and Debian's busybox-static,
# which is statically linked so the image needs no libc for its shell)
set -eu
image=${1:-local/kimi-jre:17}
java_home=${JAVA_HOME:-$(dirname "$(dirname "$(readlink -f "$(command -v javac || command -v jlink)")")")}
busybox=$(command -v busybox || true)
[ -x "$java_home/bin/jlink" ] || { echo "error: no jlink in $java_home" >&2; exit 1; }
[ -n "$busybox" ] || { echo "error: busybox not found (apt-get install busybox-static)" >&2; exit 1; }

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
rootfs=$work/rootfs
mkdir -p "$rootfs/bin" "$rootfs/opt" "$rootfs/etc" "$rootfs/tmp" "$rootfs/home/user"
chmod 1777 "$rootfs/tmp"
chmod 0777 "$rootfs/home/user"

"$java_home/bin/jlink" --add-modules java.se,jdk.unsupported,jdk.crypto.ec,jdk.zipfs \
  --strip-debug --no-header-files --no-man-pages --compress=2 --output "$rootfs/opt/jre"

cp "$busybox" "$rootfs/bin/busybox"
for applet in $("$rootfs/bin/busybox" --list); do
  [ -e "$rootfs/bin/$applet" ] || ln -s busybox "$rootfs/bin/$applet"
done

# Every shared library the JRE's launcher and its own libraries need, with their paths.
for object in "$rootfs/opt/jre/bin/java" "$rootfs"/opt/jre/lib/*.so "$rootfs"/opt/jre/lib/server/*.so; do
  ldd "$object" 2>/dev/null | awk '/=> \// {print $3} /^\t\/[^ ]+ \(/ {print $1}'
done | sort -u | while read -r lib; do
  cp -L --parents "$lib" "$rootfs"
done

printf 'root:x:0:0:root:/root:/bin/sh\nuser:x:1000:1000:user:/home/user:/bin/sh\n' > "$rootfs/etc/passwd"
printf 'root:x:0:\nuser:x:1000:\n' > "$rootfs/etc/group"

tar -C "$rootfs" -c . | docker import \
  -c 'ENV PATH=/opt/jre/bin:/bin' -c 'ENV JAVA_HOME=/opt/jre' -c 'ENV HOME=/home/user' \
  -c 'WORKDIR /home/user' - "$image" >/dev/null
echo "built $image"
