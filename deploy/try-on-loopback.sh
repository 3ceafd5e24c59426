#!/usr/bin/env bash
# Runs the recipe of docs/deploy.md on this machine, on loopback only, in a scratch folder:
# `chroma run`, an ingest from a writer data dir, two `se-assistant ui` chat servers with
# their own data dirs, and nginx in front with deploy/nginx/se-assistant.conf. It checks the
# proxy (login, page, health, one question through it), then stops everything it started.
#
#   deploy/try-on-loopback.sh [SCRATCH_DIR]
#
# Needs: se-assistant and chroma on PATH (e.g. `. .venv/bin/activate`), nginx (Debian package
# nginx or nginx-light), openssl, curl. Ports: CHROMA_PORT (8000), CHAT_PORT_1 (7861),
# CHAT_PORT_2 (7862), PROXY_PORT (8080); they must be free.
set -euo pipefail

HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=${1:-$(mktemp -d /tmp/se-assistant-deploy.XXXXXX)}
CHROMA_PORT=${CHROMA_PORT:-8000}
CHAT_PORT_1=${CHAT_PORT_1:-7861}
CHAT_PORT_2=${CHAT_PORT_2:-7862}
PROXY_PORT=${PROXY_PORT:-8080}
mkdir -p "$ROOT"
chmod 755 "$ROOT"
PIDS=()

stop_all() {
    [ -f "$ROOT/nginx.pid" ] && nginx -c "$ROOT/nginx.conf" -s stop 2>/dev/null || true
    for pid in "${PIDS[@]}"; do kill "$pid" 2>/dev/null || true; done
    for pid in "${PIDS[@]}"; do wait "$pid" 2>/dev/null || true; done
}
trap stop_all EXIT

wait_for() {  # URL SECONDS
    for _ in $(seq "$(( $2 * 2 ))"); do
        curl -fsS -o /dev/null "$1" 2>/dev/null && return 0
        sleep 0.5
    done
    echo "no answer from $1 within $2 s (logs in $ROOT)" >&2
    return 1
}

# 1. The Chroma server: vectors, chunk texts, the published generation and the write lease.
chroma run --path "$ROOT/chroma" --host 127.0.0.1 --port "$CHROMA_PORT" >"$ROOT/chroma.log" 2>&1 &
PIDS+=($!)
wait_for "http://127.0.0.1:$CHROMA_PORT/api/v2/heartbeat" 60

# Every se-assistant process of the deployment reads the same server.
export SE_ASSISTANT_CHROMA_HOST=127.0.0.1 SE_ASSISTANT_CHROMA_PORT=$CHROMA_PORT

# 2. The ingest, from the writer's data dir (docstore of what is indexed).
se-assistant ingest --data-dir "$ROOT/writer"

# 3. Two chat servers, each with its own data dir, behind the /assistant prefix.
for n in 1 2; do
    port_var=CHAT_PORT_$n
    GRADIO_ROOT_PATH=/assistant se-assistant ui --data-dir "$ROOT/chat-$n" \
        --port "${!port_var}" >"$ROOT/chat-$n.log" 2>&1 &
    PIDS+=($!)
done
wait_for "http://127.0.0.1:$CHAT_PORT_1/healthz" 240
wait_for "http://127.0.0.1:$CHAT_PORT_2/healthz" 240

# 4. nginx in front: the site file of the recipe (ports and password file put in), inside a
#    minimal main configuration that keeps every file in the scratch folder.
printf 'reves:%s\n' "$(openssl passwd -apr1 social-economy)" >"$ROOT/htpasswd"
chmod 644 "$ROOT/htpasswd"
sed -e "s/127.0.0.1:7861/127.0.0.1:$CHAT_PORT_1/; s/127.0.0.1:7862/127.0.0.1:$CHAT_PORT_2/" \
    -e "s/listen 8080;/listen 127.0.0.1:$PROXY_PORT;/" \
    -e "s#/etc/nginx/se-assistant.htpasswd#$ROOT/htpasswd#" \
    "$HERE/nginx/se-assistant.conf" >"$ROOT/site.conf"
mkdir -p "$ROOT/nginx-tmp"
chmod 1777 "$ROOT/nginx-tmp"
cat >"$ROOT/nginx.conf" <<CONF
pid $ROOT/nginx.pid;
error_log $ROOT/nginx-error.log;
events {}
http {
    include /etc/nginx/mime.types;
    access_log $ROOT/nginx-access.log;
    client_body_temp_path $ROOT/nginx-tmp/body;
    proxy_temp_path $ROOT/nginx-tmp/proxy;
    fastcgi_temp_path $ROOT/nginx-tmp/fastcgi;
    uwsgi_temp_path $ROOT/nginx-tmp/uwsgi;
    scgi_temp_path $ROOT/nginx-tmp/scgi;
    include $ROOT/site.conf;
}
CONF
nginx -t -c "$ROOT/nginx.conf" 2>"$ROOT/nginx-test.log"
nginx -c "$ROOT/nginx.conf"

# 5. Checks through the proxy.
PROXY="http://127.0.0.1:$PROXY_PORT/assistant"
echo "health:      $(curl -fsS "$PROXY/healthz")"
echo "no login:    HTTP $(curl -s -o /dev/null -w '%{http_code}' "$PROXY/")"
echo "with login:  HTTP $(curl -s -o /dev/null -w '%{http_code}' -u reves:social-economy "$PROXY/")"
PROXY="$PROXY/" python - <<'PY'
import base64, os
from gradio_client import Client

login = base64.b64encode(b"reves:social-economy").decode()
client = Client(os.environ["PROXY"], headers={"Authorization": f"Basic {login}"}, verbose=False)
answer = client.predict("how was Pfefferwerk funded?", "", api_name="/ask")
print("question:   ", answer["citations"][0]["source"], "cited;", answer["text"][:70], "...")
PY
echo "recipe ran on loopback; logs in $ROOT"
