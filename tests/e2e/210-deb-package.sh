#!/usr/bin/env bash
# e2e: solo (it runs make install in the tree's build)
# The Debian package: `make deb` builds it from a copy of the tree with
# dpkg-buildpackage, lintian finds nothing, its control data is right
# (Depends, conffile, postinst, unit, the BSD-3-Clause copyright), and,
# unpacked with dpkg -x into a private root (this machine stays as it
# was), the installed binary checks the installed configuration and
# answers a call with the installed plugins, found beside it by default.
# The feature-server-dev package of the same run holds the headers and
# the .pc, and an out-of-tree plugin built against them alone runs on a
# call of the installed server.
source "$(dirname "$0")/lib.sh"

t_start=$(date +%s)

# make install first (the tree's own build, its default SYSCONFDIR /etc
# kept so that nothing is rebuilt): the configuration under it, the unit
# naming the installed paths, both .pc names; a second install keeps a
# changed configuration
build=${FS_BUILD:-build}
variant=
case "$build" in build/*) variant=${build#build/} ;; esac
inst=$WORK/inst
minst() {
	(cd "$E2E_ROOT" && env -u MAKEFLAGS -u MFLAGS -u MAKELEVEL \
		make --no-print-directory -s BUILD="$build" \
		${variant:+VARIANT=$variant} install DESTDIR="$inst" \
		PREFIX=/opt/fs) >"$WORK/install.log" 2>&1 ||
		fail "make install: $(tail -n 20 "$WORK/install.log")"
}
minst
[ -f "$inst/etc/feature-server/feature-server.conf" ] ||
	fail "make install: no /etc/feature-server/feature-server.conf"
for f in lib/systemd/system/feature-server.service lib/pkgconfig/feature-server-plugin.pc lib/pkgconfig/feature-server.pc \
	include/fs/fs_plugin.h lib/feature-server/plugins/say.so; do
	[ -f "$inst/opt/fs/$f" ] || fail "make install: no /opt/fs/$f"
done
assert_contains "$(cat "$inst/opt/fs/lib/systemd/system/feature-server.service")" \
	"^ExecStart=/opt/fs/bin/feature-server -c /etc/feature-server/feature-server.conf$" \
	"installed unit"
echo "HTTP_PORT=3999" >>"$inst/etc/feature-server/feature-server.conf"
minst
assert_contains "$(cat "$inst/etc/feature-server/feature-server.conf")" \
	"^HTTP_PORT=3999$" "configuration kept on reinstall"
out=$WORK/b
# nothing of the outer make (jobserver, BUILD, VARIANT) leaks in; no
# debug-symbol package: it is not what this case looks at
(cd "$E2E_ROOT" && env -u MAKEFLAGS -u MFLAGS -u MAKELEVEL \
	DEB_BUILD_OPTIONS="noddebs" \
	make --no-print-directory -s deb BUILD="$out") >"$WORK/deb.log" 2>&1 ||
	fail "make deb failed: $(tail -n 30 "$WORK/deb.log")"
deb=$(ls "$out"/deb/feature-server_*_*.deb 2>/dev/null | head -1)
[ -f "$deb" ] || fail "no .deb in $out/deb"
dev=$(ls "$out"/deb/feature-server-dev_*_all.deb 2>/dev/null | head -1)
[ -f "$dev" ] || fail "no feature-server-dev .deb in $out/deb: $(ls "$out"/deb)"
echo "built $(basename "$deb") in $(($(date +%s) - t_start)) s"

# lintian: no error, no warning (overrides, if any, carry their reason
# in debian/*.lintian-overrides)
lintian --fail-on error,warning "$out"/deb/*.changes >"$WORK/lintian.out" 2>&1 ||
	fail "lintian: $(cat "$WORK/lintian.out")"
tags=$(grep -E '^[EW]: ' "$WORK/lintian.out" || true)
assert_eq "$tags" "" "lintian tags"

# control data
field() { dpkg-deb -f "$deb" "$1"; }
dep=$(field Depends)
for d in adduser libflite1 libre libjson-c5 libcurl4 libmicrohttpd12 libssl3; do
	assert_contains "$dep" "$d" "Depends"
done
rec=$(field Recommends)
for d in libespeak-ng1 libsndfile1 libmariadb3; do
	assert_contains "$rec" "$d" "Recommends"
done
assert_contains "$(dpkg-deb -f "$dev" Depends)" \
	"feature-server (= $(field Version))" "-dev Depends on the server of the run"
assert_contains "$(dpkg-deb -f "$dev" Depends)" "libre-dev" "-dev Depends"
ctl=$WORK/control
dpkg-deb -e "$deb" "$ctl"
assert_eq "$(cat "$ctl/conffiles")" "/etc/feature-server/feature-server.conf" "conffiles"
assert_contains "$(cat "$ctl/postinst")" "adduser --system --group" "postinst user"
# dh_installsystemd: enabled and started on install, as Debian does
assert_contains "$(cat "$ctl/postinst")" "deb-systemd-helper.*enable.*feature-server.service" "postinst enable"
assert_contains "$(cat "$ctl/postinst")" "deb-systemd-invoke .*'feature-server.service'" "postinst start"
# only a removal stops (drains) the running server, an upgrade does not
assert_contains "$(grep -B1 'deb-systemd-invoke stop' "$ctl/prerm")" '"$1" = remove ' "stop on removal only"
assert_contains "$(cat "$ctl/prerm" "$ctl/postrm" 2>/dev/null)" "feature-server.service" "stop/purge"

# the files
root=$WORK/root
dpkg -x "$deb" "$root"
unit=$root/lib/systemd/system/feature-server.service
[ -f "$unit" ] || fail "no unit in the package"
assert_contains "$(cat "$unit")" "^ExecStart=/usr/bin/feature-server -c /etc/feature-server/feature-server.conf$" "unit ExecStart"
assert_contains "$(cat "$unit")" "^Type=notify$" "unit type"
assert_contains "$(cat "$unit")" "^ProtectSystem=strict$" "unit sandbox"
assert_eq "$(readlink "$root/usr/bin/feature-server")" "../lib/feature-server/feature-server" "bin symlink"
for f in usr/lib/feature-server/plugins/say.so usr/share/man/man1/feature-server.1.gz \
	usr/share/doc/feature-server/copyright; do
	[ -f "$root/$f" ] || fail "not in the package: /$f"
done
assert_contains "$(cat "$root/usr/share/doc/feature-server/copyright")" \
	"^License: BSD-3-Clause$" "copyright licence"
assert_contains "$(cat "$root/usr/share/doc/feature-server/copyright")" \
	"^Copyright: .*The feature-server authors$" "copyright holder"
[ ! -e "$root/usr/include" ] || fail "headers in the server package: $(find "$root/usr/include" | head -3)"
# the development files: their own package, unpacked into the same root
dpkg -x "$dev" "$root"
for f in usr/include/fs/fs.h usr/include/fs/fs_plugin.h \
	usr/share/pkgconfig/feature-server-plugin.pc usr/share/pkgconfig/feature-server.pc \
	usr/share/doc/feature-server-dev/copyright; do
	[ -f "$root/$f" ] || fail "not in feature-server-dev: /$f"
done
assert_eq "$(dpkg-deb -c "$dev" | grep -c '/usr/lib/feature-server/')" "0" "no server files in -dev"
assert_contains "$(cat "$root/usr/share/pkgconfig/feature-server-plugin.pc")" \
	"^plugindir=\${prefix}/lib/feature-server/plugins$" "pc plugindir"
# an out-of-tree plugin, compiled with the -dev package's files alone
pc() {
	PKG_CONFIG_PATH=$root/usr/share/pkgconfig pkg-config \
		--define-variable=prefix="$root/usr" "$@" feature-server-plugin
}
cflags=$(pc --cflags) || fail "pkg-config does not know feature-server-plugin"
assert_contains "$cflags" "-I$root/usr/include" "-dev Cflags"
plugdir=$(pc --variable=plugindir)
assert_eq "$plugdir" "$root/usr/lib/feature-server/plugins" "-dev plugindir"
mkdir "$WORK/oot"
cp "$E2E_ROOT/docs/examples/hello/hello.c" "$WORK/oot/"
(cd "$WORK/oot" && cc -Wall -Wextra -Werror $cflags -shared -fPIC \
	-fvisibility=hidden -o hello.so hello.c) >"$WORK/cc.log" 2>&1 ||
	fail "the example plugin does not build against the -dev package: $(cat "$WORK/cc.log")"
cp "$WORK/oot/hello.so" "$plugdir/"
# the compiled-in default configuration is the packaged one
grep -qa "/etc/feature-server/feature-server.conf" "$root/usr/lib/feature-server/feature-server" ||
	fail "the binary does not name /etc/feature-server/feature-server.conf"

bin=$root/usr/bin/feature-server
conf=$root/etc/feature-server/feature-server.conf
out=$("$bin" --check-config -c "$conf" 2>&1) || fail "--check-config: $out"
assert_eq "$out" "configuration OK: $conf" "installed config"
assert_contains "$("$bin" --version)" "^feature-server $(cat "$E2E_ROOT/VERSION") " "version"

# one call on the installed binary and plugins: no PLUGIN_DIR, so the
# folder beside the binary
start_hooks '{"/call": [{"verb":"hello","name":"Ada"},{"verb":"say","text":"Seven."},{"verb":"hangup"}]}'
FS_BIN=$bin FS_PLUGIN_DIR= start_fs pkg DEFAULT_CALL_HOOK="$HOOK/call" \
	DEFAULT_CALL_STATUS_HOOK="$HOOK/status"
assert_contains "$(cat "$WORK/pkg.log")" \
	"plugin folder $root/usr/lib/feature-server/plugins" "plugin folder"
start_rtpsink
run_sipp call uac_srv_bye 15551230000 || fail "call on the installed server failed"
rtp_quiet
[ "$(rtp_stat d.nonsilent)" -ge 15 ] || fail "the installed say was not heard: $(rtp_stat d.nonsilent) loud packets"
wait_hooks 'd.some(r => r.path==="/status" && r.body.call_status==="completed")'
assert_contains "$(metric 'd.tasks.loaded.join()')" "say" "say loaded"
# the plugin built against feature-server-dev ran on the call
assert_eq "$(json_get "$(hooks_log)" 'd.find(r => r.path==="/status" && r.body.call_status==="completed").body.customerData')" \
	'{"greeting":"hello, Ada"}' "customerData of the -dev plugin"
assert_contains "$(cat "$WORK/pkg.log")" "loaded 'hello' from $plugdir/hello.so" "the -dev plugin loaded"
# and its Prometheus text, with figures now, passes the linter
curl -fsS "$FS_HTTP/metrics?format=prometheus" >"$WORK/prom"
lint=$(promtool check metrics <"$WORK/prom" 2>&1) || fail "promtool: $lint"
assert_eq "$lint" "" "promtool problems"
assert_contains "$(cat "$WORK/prom")" '^fs_tts_synth_seconds_count [1-9]' "tts summary"
wait_idle
echo "OK ($(($(date +%s) - t_start)) s)"
