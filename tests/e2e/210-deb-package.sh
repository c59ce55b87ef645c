#!/usr/bin/env bash
# e2e: solo (it runs make install in the tree's build)
# The Debian package: `make deb` builds it from a copy of the tree with
# dpkg-buildpackage, lintian finds nothing, its control data is right
# (Depends, conffile, postinst, unit), and, unpacked with dpkg -x into a
# private root (this machine stays as it was), the installed binary
# checks the installed configuration and answers a call with the
# installed plugins, found beside it by default.
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
for f in usr/include/fs/fs_plugin.h usr/share/pkgconfig/feature-server-plugin.pc \
	usr/lib/feature-server/plugins/say.so usr/share/man/man1/feature-server.1.gz; do
	[ -f "$root/$f" ] || fail "not in the package: /$f"
done
assert_contains "$(cat "$root/usr/share/pkgconfig/feature-server-plugin.pc")" \
	"^plugindir=\${prefix}/lib/feature-server/plugins$" "pc plugindir"
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
start_hooks '{"/call": [{"verb":"say","text":"Seven."},{"verb":"hangup"}]}'
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
# and its Prometheus text, with figures now, passes the linter
curl -fsS "$FS_HTTP/metrics?format=prometheus" >"$WORK/prom"
lint=$(promtool check metrics <"$WORK/prom" 2>&1) || fail "promtool: $lint"
assert_eq "$lint" "" "promtool problems"
assert_contains "$(cat "$WORK/prom")" '^fs_tts_synth_seconds_count [1-9]' "tts summary"
wait_idle
echo "OK ($(($(date +%s) - t_start)) s)"
