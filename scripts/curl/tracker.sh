#!/usr/bin/env bash
# Report a task to Agent Task Tracker with nothing but bash and curl.
#
#   export AGENT_TRACKER_URL=http://localhost:8000 AGENT_TRACKER_API_KEY=… \
#          AGENT_TRACKER_PROJECT=my-app AGENT_TRACKER_TASK_ID=build-42 AGENT_TRACKER_TASK="Build"
#   scripts/curl/tracker.sh start
#   scripts/curl/tracker.sh status 50 "halfway"
#   scripts/curl/tracker.sh finish "all green"
#   scripts/curl/tracker.sh error BuildFailed "make exited with code 2"
#
# Or source it and call tracker_start, tracker_status, tracker_finish, tracker_error.
# Each event gets its own event_id, and curl's retries resend the same body, so the tracker
# stores it once however often it is retried. Nothing is spooled: use the agent-tracker CLI
# where events must survive the tracker being down.
set -euo pipefail

: "${AGENT_TRACKER_URL:=http://localhost:8000}"
: "${AGENT_TRACKER_AGENT:=${USER:-agent}@$(hostname)}"

tracker_json_string() {  # $1 as a JSON string: backslashes, quotes and control characters escaped
  local s=$1
  s=${s//\\/\\\\}
  s=${s//\"/\\\"}
  s=${s//$'\n'/\\n}
  s=${s//$'\r'/\\r}
  s=${s//$'\t'/\\t}
  printf '"%s"' "$(printf '%s' "$s" | tr -d '\000-\010\013\014\016-\037')"
}

tracker_event_id() {
  if command -v uuidgen >/dev/null; then uuidgen | tr 'A-F' 'a-f'
  elif [[ -r /proc/sys/kernel/random/uuid ]]; then cat /proc/sys/kernel/random/uuid
  else python3 -c 'import uuid; print(uuid.uuid4())'
  fi
}

tracker_post() {  # tracker_post <start|status|finish|error> '<extra JSON fields, comma-led>'
  local body
  body="{\"event_id\":\"$(tracker_event_id)\",\"timestamp\":\"$(date -u +%Y-%m-%dT%H:%M:%SZ)\""
  body+=",\"project\":$(tracker_json_string "${AGENT_TRACKER_PROJECT:?set AGENT_TRACKER_PROJECT}")"
  body+=",\"task_id\":$(tracker_json_string "${AGENT_TRACKER_TASK_ID:?set AGENT_TRACKER_TASK_ID}")"
  body+=",\"task\":$(tracker_json_string "${AGENT_TRACKER_TASK:-$AGENT_TRACKER_TASK_ID}")"
  body+=",\"agent\":$(tracker_json_string "$AGENT_TRACKER_AGENT")$2}"
  curl --silent --show-error --fail-with-body --max-time 5 --retry 3 --retry-max-time 15 \
    -X POST "$AGENT_TRACKER_URL/webhook/$1" \
    -H "X-API-Key: ${AGENT_TRACKER_API_KEY:?set AGENT_TRACKER_API_KEY}" \
    -H "Content-Type: application/json" \
    --data-binary "$body"
  echo
}

tracker_start() { tracker_post start ""; }
tracker_status() {  # <progress> [message]
  tracker_post status ",\"status\":\"running\",\"progress\":$1,\"message\":$(tracker_json_string "${2:-}")"
}
tracker_finish() {  # [result]
  tracker_post finish ",\"result\":$(tracker_json_string "${1:-}")"
}
tracker_error() {  # <error type> <message>
  tracker_post error ",\"error_type\":$(tracker_json_string "$1"),\"error_message\":$(tracker_json_string "$2")"
}

if [[ "${BASH_SOURCE[0]}" == "$0" ]]; then
  command=${1:?usage: tracker.sh start | status <progress> [message] | finish [result] | error <type> <message>}
  shift
  case "$command" in
    start | status | finish | error) "tracker_$command" "$@" ;;
    *) echo "tracker.sh: unknown command $command" >&2; exit 2 ;;
  esac
fi
