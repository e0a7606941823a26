#!/bin/sh
# The kill -9 test (issue 8), run inside one xvfb-run: start the app with a script
# that changes state and waits for the autosave; SIGKILL it; start it again and let
# the restored state be checked (scripts/session_restore.qs) and dumped; the dumps
# of both runs must be byte-identical. A third, clean start offers the restore.
# usage: session_kill.sh APP SRC OUT
set -u
APP=$1 SRC=$2 OUT=$3
CFG=$OUT/session_cfg
S=$SRC/tests/gui/scripts
rm -rf "$CFG" "$OUT/session_before.json" "$OUT/session_after.json"
mkdir -p "$CFG"
fail() { echo "session_kill: $*"; for f in "$OUT"/session_run*.log; do [ -f "$f" ] && { echo "--- $f"; cat "$f"; }; done; exit 1; }

"$APP" --config-dir "$CFG" --script "$S/session_save.qs" --var SRC="$SRC" --var OUT="$OUT" 2>"$OUT/session_run1.log" &
PID=$!
i=0
until grep -q SESSION-SAVED "$OUT/session_run1.log" 2>/dev/null; do
    kill -0 $PID 2>/dev/null || fail "run 1 exited before the autosave"
    i=$((i + 1))
    [ $i -le 600 ] || { kill -9 $PID; fail "run 1: no autosave within 60 s"; }
    sleep 0.1
done
kill -9 $PID
wait $PID 2>/dev/null
[ -s "$CFG/session.lock" ] || fail "no crash marker (session.lock) after kill -9"
[ -s "$CFG/session.json" ] || fail "no session.json after the autosave"

"$APP" --config-dir "$CFG" --script "$S/session_restore.qs" --var SRC="$SRC" --var OUT="$OUT" 2>"$OUT/session_run2.log" ||
    fail "run 2 (restore after kill -9) failed"
cmp "$OUT/session_before.json" "$OUT/session_after.json" ||
    { diff "$OUT/session_before.json" "$OUT/session_after.json"; fail "the restored state differs from the saved one"; }
[ ! -e "$CFG/session.lock" ] || fail "a clean exit left session.lock behind"

"$APP" --config-dir "$CFG" --script "$S/session_offer.qs" --var SRC="$SRC" --var OUT="$OUT" 2>"$OUT/session_run3.log" ||
    fail "run 3 (File > Restore last session) failed"
echo "session_kill: restored after kill -9, state identical; clean start offers the restore"
