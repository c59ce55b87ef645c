#!/usr/bin/env bash
# e2e: solo (it runs make install in the tree's build)
# A verb plugin built outside the tree: `make install` into a staging
# folder, then docs/examples/hello compiled in an empty folder with only
# the installed headers and `pkg-config --cflags feature-server`, dropped
# into the installed plugin folder and run on a call by the installed
# server. A plugin including a core header does not compile, neither
# with the installed flags nor with the in-tree plugin flags.
source "$(dirname "$0")/lib.sh"

build=${FS_BUILD:-build}
variant=
case "$build" in build/*) variant=${build#build/} ;; esac
# this run's build: the same BUILD and VARIANT, and none of the outer
# make's jobserver
tmake() {
	(cd "$E2E_ROOT" && env -u MAKEFLAGS -u MFLAGS -u MAKELEVEL \
		make --no-print-directory BUILD="$build" \
		${variant:+VARIANT=$variant} "$@")
}

inst=$WORK/inst
prefix=/usr/local
tmake -s install DESTDIR="$inst" PREFIX=$prefix >"$WORK/install.log" 2>&1 ||
	fail "make install failed"
pkg=$inst$prefix/lib/feature-server
for f in include/fs/fs.h include/fs/fs_plugin.h include/fs/fs_req.h \
	lib/pkgconfig/feature-server.pc lib/feature-server/plugins/say.so; do
	[ -f "$inst$prefix/$f" ] || fail "not installed: $prefix/$f"
done
[ -x "$pkg/feature-server" ] || fail "binary not installed"
assert_eq "$(readlink "$inst$prefix/bin/feature-server")" \
	"$prefix/lib/feature-server/feature-server" "bin symlink"

# the staged .pc, relocated to where the files are now
pc() {
	PKG_CONFIG_PATH=$inst$prefix/lib/pkgconfig pkg-config \
		--define-variable=prefix="$inst$prefix" "$@" feature-server
}
cflags=$(pc --cflags) || fail "pkg-config does not know feature-server"
assert_contains "$cflags" "-I$inst$prefix/include" "Cflags"
assert_contains "$cflags" "-DHAVE_INTTYPES_H" "Cflags"
assert_eq "$(pc --libs | tr -d ' ')" "" "Libs"
plugdir=$(pc --variable=plugindir)
assert_eq "$plugdir" "$pkg/plugins" "plugindir"

mkdir "$WORK/oot"
cp "$E2E_ROOT/docs/examples/hello/hello.c" "$WORK/oot/"
(cd "$WORK/oot" && cc -Wall -Wextra -Werror $cflags -shared -fPIC \
	-fvisibility=hidden -o hello.so hello.c) >"$WORK/cc.log" 2>&1 ||
	fail "the example plugin does not build against the installed headers"
assert_eq "$(nm -D --defined-only "$WORK/oot/hello.so" | awk '$3 ~ /^fs_/ {print $3}')" \
	"fs_plugin" "symbols the plugin defines"
# every fs_ function it needs is one the server exports (the list read
# once: grep -q would close the pipe on nm, which pipefail takes for a
# failure)
exported=$(nm -D --defined-only "$pkg/feature-server" | awk '{print $3}')
for s in $(nm -D --undefined-only "$WORK/oot/hello.so" | awk '$2 ~ /^fs_/ {print $2}'); do
	grep -qx "$s" <<<"$exported" || fail "the server does not export $s"
done

# the boundary: core headers are not reachable from a plugin
printf '#include <fs/fs.h>\n#include "sip/call.h"\n' >"$WORK/oot/core.c"
printf '#include <fs/fs.h>\n' >"$WORK/oot/api.c"
(cd "$WORK/oot" && cc $cflags -fsyntax-only api.c) ||
	fail "the public headers alone do not compile"
(cd "$WORK/oot" && cc $cflags -fsyntax-only core.c) 2>"$WORK/oot/core.err" &&
	fail "a plugin including a core header compiled with the installed flags"
assert_contains "$(cat "$WORK/oot/core.err")" "sip/call.h" "installed flags"
# the compile command the build uses for an in-tree plugin, on these files
line=$(tmake -s -n -B "$build/pobj/plugins/tag/tag.o" |
	grep -e '-c plugins/tag/tag.c') || fail "no plugin compile command"
line=${line% -c plugins/tag/tag.c*}
assert_contains "$line" "-Iinclude" "plugin flags"
(cd "$E2E_ROOT" && eval "$line -fsyntax-only $WORK/oot/api.c") ||
	fail "the public headers do not compile with the plugin flags"
(cd "$E2E_ROOT" && eval "$line -fsyntax-only $WORK/oot/core.c") \
	2>"$WORK/oot/core2.err" &&
	fail "a plugin including a core header compiled with the plugin flags"
assert_contains "$(cat "$WORK/oot/core2.err")" "sip/call.h" "plugin flags"

cp "$WORK/oot/hello.so" "$plugdir/"
FS_BIN=$pkg/feature-server
FS_PLUGIN_DIR=$plugdir
start_hooks '{
  "/call": [{"verb":"hello","name":"Ada","notify":"@BASE@/greeted"},
            {"verb":"say","text":"Hello."},
            {"verb":"hangup"}]
}' h3llo
start_fs main DEFAULT_CALL_HOOK="$HOOK/call" \
	DEFAULT_CALL_STATUS_HOOK="$HOOK/status" DEFAULT_WEBHOOK_SECRET=h3llo
start_rtpsink
run_sipp hello uac_srv_bye 15551230150 || fail "call failed"
wait_hooks 'd.some(r => r.path==="/status" && r.body.call_status==="completed")'

log=$(hooks_log)
done_='d.find(r => r.path==="/status" && r.body.call_status==="completed").body'
assert_eq "$(json_get "$log" "$done_.customerData")" '{"greeting":"hello, Ada"}' \
	"customerData set by the plugin"
assert_eq "$(status_seq)" "trying,in-progress,completed" "status sequence"
# the plugin's own webhook, through the call's requestor (fs_call_req)
greeted='d.find(r => r.path==="/greeted")'
assert_eq "$(json_get "$log" "$greeted.body.greeting")" "hello, Ada" \
	"the plugin's own webhook"
assert_eq "$(json_get "$log" "$greeted.body.call_sid")" \
	"$(json_get "$log" "$done_.call_sid")" "its call_sid"
assert_contains "$(cat "$WORK/main.log")" "hello: .*: notify answered 200" \
	"the plugin saw the answer"
assert_contains "$(cat "$WORK/main.log")" \
	"loaded 'hello' from $plugdir/hello.so (0.1," "load line with the plugin's version"
assert_contains "$(cat "$WORK/main.log")" "hello: .*: hello, Ada" "the verb's log line"
wait_idle
echo OK
