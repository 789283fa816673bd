#!/bin/sh
# Starts or stops the demo server (make demo / make demo-stop).
set -eu
ROOT=$(cd "$(dirname "$0")/.." && pwd)
RUN=${DEMO_RUN:-"$ROOT/demo-run"}
PORT=${DEMO_PORT:-8642}

# The server's children run as www-data and read the files in $RUN: every
# directory above it must let others through.  Names the first that does
# not, and the two ways out, instead of a demo that answers 403 to all.
check_reachable() {
    runuser -u www-data -- test -r "$RUN/htdocs/index.html" && return 0
    dir=$RUN
    blocker=
    while [ "$dir" != / ]; do
        dir=$(dirname "$dir")
        if [ -n "$(find "$dir" -maxdepth 0 ! -perm -o+x)" ]; then blocker=$dir; fi
    done
    echo "demo: the demo server runs as www-data, which cannot reach $RUN (${blocker:-a directory above it} is not searchable by others): run 'make demo DEMO_RUN=/tmp/authz-policy-demo', or 'chmod o+x ${blocker:-DIR}'" >&2
    exit 1
}

stop() {
    if [ -f "$RUN/httpd.pid" ]; then
        apache2 -f "$RUN/httpd.conf" -k stop 2>/dev/null || true
        sleep 1
    fi
}

case "${1:-start}" in
stop)
    stop
    echo "demo stopped"
    ;;
start)
    stop
    mkdir -p "$RUN/htdocs/app/editor" "$RUN/htdocs/app/reports"
    RUN=$(cd "$RUN" && pwd)
    echo "public page" > "$RUN/htdocs/index.html"
    echo "hello, member" > "$RUN/htdocs/app/index.html"
    echo "editor's desk" > "$RUN/htdocs/app/editor/index.html"
    echo "quarterly reports" > "$RUN/htdocs/app/reports/index.html"
    cp "$ROOT/conf/demo/users.txt" "$RUN/users.txt"
    : > "$RUN/htpasswd"
    for u in alice bob carol; do htpasswd -bs "$RUN/htpasswd" "$u" secret 2>/dev/null; done
    sed -e "s|@ROOT@|$ROOT|g" -e "s|@RUN@|$RUN|g" -e "s|@PORT@|$PORT|g" \
        "$ROOT/conf/demo/httpd.conf.in" > "$RUN/httpd.conf"
    chmod -R a+rX "$RUN"
    check_reachable
    apache2 -f "$RUN/httpd.conf" -k start
    sleep 1
    U="http://127.0.0.1:$PORT"
    cat <<MSG
mod_authz_policy demo running on $U (logs in $RUN; stop with: make demo-stop${DEMO_RUN:+ DEMO_RUN=$RUN})
Users alice (admin, enterprise), bob (editor, pro), carol (viewer, free);
password "secret".  Try:

  curl -i $U/app/editor/                           # 401: log in first
  curl -i -u bob:secret $U/app/editor/             # 200: bob is an editor
  curl -i -u alice:secret $U/app/editor/           # 200: admins inherit editor
  curl -i -u carol:secret $U/app/editor/           # 403, not 401: logging in again cannot help
  curl -i -u carol:secret -H 'Accept: application/json' $U/app/reports/
                                                   # 403 with {"error": "plan_required", ...}
  tail $RUN/error.log                              # each denial and its reason
MSG
    ;;
*)
    echo "usage: $0 start|stop" >&2
    exit 2
    ;;
esac
