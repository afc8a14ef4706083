#!/bin/sh
# Builds the local image `local/kimi-redis:7` without any registry: Debian's redis-server binary, the shared
# libraries it needs and a static busybox for a shell, in a root filesystem imported with `docker import`.
# Usage: build-redis-image.sh [IMAGE]   (needs docker, redis-server and busybox-static on the host)
set -eu
image=${1:-local/kimi-redis:7}
redis=$(command -v redis-server || true)
busybox=$(command -v busybox || true)
[ -n "$redis" ] || { echo "error: redis-server not found (apt-get install redis-server)" >&2; exit 1; }
[ -n "$busybox" ] || { echo "error: busybox not found (apt-get install busybox-static)" >&2; exit 1; }

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
rootfs=$work/rootfs
mkdir -p "$rootfs/bin" "$rootfs/etc" "$rootfs/tmp" "$rootfs/data"
chmod 1777 "$rootfs/tmp" "$rootfs/data"

cp -L "$redis" "$rootfs/bin/redis-server"
cp "$busybox" "$rootfs/bin/busybox"
for applet in $("$rootfs/bin/busybox" --list); do
  [ -e "$rootfs/bin/$applet" ] || ln -s busybox "$rootfs/bin/$applet"
done
ldd "$(readlink -f "$redis")" | awk '/=> \// {print $3} /^\t\/[^ ]+ \(/ {print $1}' | sort -u | while read -r lib; do
  cp -L --parents "$lib" "$rootfs"
done
printf 'root:x:0:0:root:/root:/bin/sh\nredis:x:999:999:redis:/data:/bin/sh\n' > "$rootfs/etc/passwd"
printf 'root:x:0:\nredis:x:999:\n' > "$rootfs/etc/group"

tar -C "$rootfs" -c . | docker import -c 'ENV PATH=/bin' -c 'WORKDIR /data' -c 'USER 999' - "$image" >/dev/null
echo "built $image"
