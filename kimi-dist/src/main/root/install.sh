#!/bin/sh
# Links the launchers into ~/.local/bin (or $1) and makes the start-up archive (the CLI would otherwise make it
# in the background on its first run).
set -e
prg=$0
while [ -h "$prg" ]; do
  link=$(ls -ld "$prg" | sed 's/.* -> //')
  case $link in
    /*) prg=$link ;;
    *) prg=$(dirname "$prg")/$link ;;
  esac
done
home=$(cd "$(dirname "$prg")" && pwd -P)
target=${1:-$HOME/.local/bin}
mkdir -p "$target"
ln -sf "$home/bin/kimi-rotator" "$target/kimi-rotator"
ln -sf "$home/bin/opencode-kimi" "$target/opencode-kimi"
KIMI_ROTATOR_CDS_WAIT=1 "$target/kimi-rotator" --version >/dev/null
echo "Linked kimi-rotator and opencode-kimi into $target"
case ":$PATH:" in
  *":$target:"*) ;;
  *) echo "Add $target to your PATH, e.g.: export PATH=\"$target:\$PATH\"" ;;
esac
