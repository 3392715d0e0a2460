# The sandbox's containers, for `scripts/rehearse --containers`: the
# migration's API (docker-compose.yml) and its production services
# (docker-compose.prod.yml: the unified pipeline, the enrichment and
# deduplication workers) run as compose projects, and the plan's
# `docker-compose … down` lines stop them. Sourced after scripts/lib/sandbox.sh.
#
#   containers_start DIR        a daemon for the sandbox: DOCKER_HOST's when it
#                              answers, else a private one (scripts/lib/docker-daemon);
#                              the image; fails, saying why, when there is none
#   containers_on DIR           true when the sandbox runs its services as containers
#   containers_deploy DIR       the migration's compose files, its release, and
#                              every service started
#   containers_compose DIR ARGS...   docker-compose in the work tree, on the daemon
#   containers_with_daemon DIR COMMAND...   COMMAND with DOCKER_HOST the daemon's
#   containers_wait_restarted DIR SERVICE   until SERVICE's container was restarted
#   containers_destroy DIR      every container and the image removed, a private
#                              daemon stopped
#
# The image holds no interpreter: the services run Debian's python3 from the
# host's /usr, mounted read-only, and the code of DIR/release, the work tree
# as the migration deployed it (a container keeps its code when the rollback
# edits the work tree, as an image does). Nothing is pulled or built.
# DIR/docker.host names the daemon (unix://…), DIR/docker the private one's state.

# Debian's client, by path: another `docker` earlier on PATH may be any version.
CONTAINERS_DOCKER=${ROLLCHECK_DOCKER:-/usr/bin/docker}

containers_on() { [[ -f $1/docker.host ]]; }

containers_docker() {
  local dir=$1; shift
  "$CONTAINERS_DOCKER" --host "$(<"$dir/docker.host")" "$@"
}

# containers_with_daemon DIR COMMAND...: COMMAND with the sandbox's daemon
# as DOCKER_HOST, as in the operator's shell.
containers_with_daemon() {
  local dir=$1; shift
  DOCKER_HOST=$(<"$dir/docker.host") "$@"
}

containers_compose() {
  local dir=$1; shift
  (cd "$dir/reddit_harbor" && containers_with_daemon "$dir" docker-compose "$@")
}

# One compose project and one image per sandbox (named after its directory),
# so that sandboxes sharing a daemon never touch each other's containers.
containers_name() { basename "$1" | tr -cd '[:alnum:]' | tr '[:upper:]' '[:lower:]'; }
containers_project() { echo "harbor_$(containers_name "$1")"; }
containers_image_name() { echo "local/harbor-python:$(containers_name "$1")"; }

containers_start() {
  local dir=$1 out host
  if ! command -v docker-compose >/dev/null; then
    echo "no docker-compose (install docker-compose)"
    return 1
  fi
  if [[ -n ${DOCKER_HOST:-} ]] && "$CONTAINERS_DOCKER" --host "$DOCKER_HOST" version >/dev/null 2>&1; then
    host=$DOCKER_HOST
  else
    out=$("$SANDBOX_LIB/docker-daemon" start "$dir/docker" 2>/dev/null) || out="SKIPPED: the private dockerd failed"
    if [[ $out == SKIPPED:* ]]; then
      echo "${out#SKIPPED: }"
      return 1
    fi
    host=$(sed -n 's/^DOCKER_HOST=//p' "$dir/docker/docker.env")
  fi
  echo "$host" >"$dir/docker.host"
  containers_image "$dir"
}

# The image: a root file system with Debian's merged-/usr layout, whose /usr
# the compose files mount from the host. /sbin is a directory of its own: the
# daemon mounts its init there (compose's `init: true`).
containers_image() {
  local dir=$1 rootfs=$1/docker-rootfs
  mkdir -p "$rootfs"/{usr,etc,tmp,srv,root,sbin}
  ln -s usr/bin "$rootfs/bin"
  ln -s usr/lib "$rootfs/lib"
  ln -s usr/lib64 "$rootfs/lib64"
  echo "root:x:0:0:root:/root:/bin/sh" >"$rootfs/etc/passwd"
  echo "root:x:0:" >"$rootfs/etc/group"
  tar -C "$rootfs" -c . | containers_docker "$dir" import - "$(containers_image_name "$dir")" >/dev/null
  rm -rf -- "$rootfs"
}

containers_deploy() {
  local dir=$1 repo=$1/reddit_harbor port
  port=$(<"$dir/api.port")
  cp -R "$SANDBOX_FILES/containers/." "$repo/"
  {
    echo "COMPOSE_PROJECT_NAME=$(containers_project "$dir")"
    echo "IMAGE=$(containers_image_name "$dir")"
    echo "API_PORT=$port"
    echo "RELEASE=$dir/release"
  } >"$repo/.env"
  rm -rf -- "$dir/release"
  cp -a "$repo" "$dir/release"
  rm -rf -- "$dir/release/.git"
  if ! containers_compose "$dir" up -d >>"$dir/compose.log" 2>&1 ||
    ! containers_compose "$dir" -f docker-compose.prod.yml up -d >>"$dir/compose.log" 2>&1; then
    echo "sandbox: docker-compose up failed; its output:" >&2
    sed 's/^/  /' "$dir/compose.log" >&2
    return 2
  fi
  sandbox_wait_api "$dir" "$dir/compose.log"
  sandbox_log "  containers: $(containers_docker "$dir" ps --format '{{.Names}}' | sort | tr '\n' ' ')"
}

containers_destroy() {
  local dir=$1
  if containers_on "$dir"; then
    containers_docker "$dir" ps -aq --filter "label=com.docker.compose.project=$(containers_project "$dir")" 2>/dev/null |
      xargs -r "$CONTAINERS_DOCKER" --host "$(<"$dir/docker.host")" rm -f >/dev/null 2>&1 || true
    containers_docker "$dir" rmi -f "$(containers_image_name "$dir")" >/dev/null 2>&1 || true
  fi
  if [[ -f $dir/docker/daemon ]]; then "$SANDBOX_LIB/docker-daemon" stop "$dir/docker" || true; fi
}

# containers_wait_restarted DIR SERVICE: waits until the daemon has restarted
# SERVICE's container at least once (20 s at most).
containers_wait_restarted() {
  local dir=$1 name deadline=$((SECONDS + 20))
  name=$(containers_project "$dir")_$2_1
  until (($(containers_docker "$dir" inspect -f '{{.RestartCount}}' "$name" 2>/dev/null || echo 0) > 0)); do
    if ((SECONDS >= deadline)); then
      echo "sandbox: $name was not restarted within 20 s" >&2
      return 2
    fi
    sleep 0.2
  done
}
