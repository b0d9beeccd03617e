#!/usr/bin/env bash
# The Debian package as CI checks it, so the operator's instructions stay true:
# cargo-deb (pinned; installed when missing) packs the debug binary built by the test
# script; the package must hold the binary, the systemd unit running as its own user,
# the configuration as a conffile, and maintainer scripts that create the tongban
# user and /var/lib/tongban and enable the service; unpacked into a clean root, the
# binary runs and its shipped configuration passes `tongban config check`.
set -euo pipefail
cd "$(dirname "$0")/.."
if ! cargo deb --version 2>/dev/null | grep -q '3\.8\.0'; then
  cargo install cargo-deb --locked --version 3.8.0
fi
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
cargo deb -p tongban --no-build --no-strip --profile dev --output "$out/tongban.deb" 2>/dev/null
deb="$out/tongban.deb"
fail() { echo "软件包检查未通过：$*" >&2; exit 1; }
dpkg-deb -c "$deb" > "$out/list"
for f in ./usr/bin/tongban ./usr/lib/systemd/system/tongban.service ./etc/tongban/tongban.toml ./usr/share/doc/tongban/README.md; do
  grep -q " $f\$" "$out/list" || fail "缺少 $f"
done
dpkg-deb -e "$deb" "$out/control"
grep -qx '/etc/tongban/tongban.toml' "$out/control/conffiles" || fail "配置文件未登记为 conffile"
grep -q 'adduser --system' "$out/control/postinst" || fail "postinst 未建立 tongban 用户"
grep -q '/var/lib/tongban' "$out/control/postinst" || fail "postinst 未建立数据目录"
grep -q 'deb-systemd-helper enable' "$out/control/postinst" || fail "postinst 未启用服务"
grep -q '^Depends:.*adduser' "$out/control/control" || fail "未声明依赖 adduser"
dpkg-deb -x "$deb" "$out/root"
unit="$out/root/usr/lib/systemd/system/tongban.service"
grep -qx 'User=tongban' "$unit" || fail "服务未以 tongban 用户运行"
grep -qx 'ExecStart=/usr/bin/tongban serve' "$unit" || fail "服务的启动命令不对"
grep -qx 'Environment=TONGBAN_CONFIG=/etc/tongban/tongban.toml' "$unit" || fail "服务未读取 /etc/tongban/tongban.toml"
"$out/root/usr/bin/tongban" --version >/dev/null || fail "软件包中的程序无法运行"
"$out/root/usr/bin/tongban" --config "$out/root/etc/tongban/tongban.toml" config check \
  || fail "随包的配置文件未通过 config check"
echo "软件包检查通过：$(dpkg-deb -f "$deb" Package) $(dpkg-deb -f "$deb" Version)"
