#!/usr/bin/env bash
# Runs the Docker Compose deployment of one or more scenarios for real, on Podman, with no
# container registry: builds the offline base image the Dockerfile starts from (once, then
# kept), builds the project image with the unchanged Dockerfile, brings each scenario's Compose
# file up with Docker Compose against Podman's Docker-compatible API, waits for the
# orchestrator's exit code, prints its report, and removes every container, network and image
# it made (all but the base image), also on failure, on Ctrl-C and on timeout.
#
# It knows the deployment only through its Compose file and the orchestrator's service name
# (`mediapath`); what runs inside the containers is the project's own business.
#
#   sudo scripts/compose-run.sh                       # the committed docker-compose.yml
#   sudo scripts/compose-run.sh scenarios/branch-office.yaml my-lab.yaml --out reports
#
# Exit code: the first non-zero exit code of an orchestrator (1 an expectation failed, 4 a
# runtime failure, ...), 0 when every run passed; 2 bad usage; 3 invalid scenario; 4 when the
# deployment itself failed or timed out; 130 on Ctrl-C.
set -euo pipefail

usage() {
  cat <<'EOF'
Usage: sudo scripts/compose-run.sh [FILE...] [--out DIR] [--timeout SECONDS] [--rebuild-base]

Runs the Docker Compose deployment of each FILE in containers on Podman, without a container
registry, one after the other, and prints each orchestrator's report. FILE is a scenario (its
Compose file is generated with `mediapath compose`) or a Compose file written by `mediapath
compose`; without FILE, the committed docker-compose.yml (the embedded default scenario).

  --out DIR         keep each run's report there: DIR/<n>-<name>/ holds report.txt (the table),
                    result.json (run --json), orchestrator.log (its stderr), router-qdisc.txt
                    (`tc -s qdisc` in the router after the run) and docker-compose.yml
  --timeout S       give up after S seconds in all (default 900), cleaning up as on Ctrl-C
  --rebuild-base    rebuild the cached base image node:20-bookworm-slim first

Needs root, podman, runc, catatonit, docker-compose and debootstrap (Debian: apt-get install
podman runc catatonit docker-compose debootstrap), and `npm install` done in this checkout.
Leaves nothing behind but the base image node:20-bookworm-slim, made once from Debian
bookworm (debootstrap) and this machine's Node 20.
EOF
}

REPO=$(cd "$(dirname "$0")/.." && pwd)
BASE_IMAGE=docker.io/library/node:20-bookworm-slim
ORCHESTRATOR=mediapath
TIMEOUT=900
OUT=
REBUILD_BASE=0
FILES=()
while [ $# -gt 0 ]; do
  case "$1" in
    -h | --help) usage; exit 0 ;;
    --out) [ $# -ge 2 ] || { echo "compose-run: --out needs a folder" >&2; exit 2; }; OUT=$2; shift 2 ;;
    --timeout) [ $# -ge 2 ] || { echo "compose-run: --timeout needs seconds" >&2; exit 2; }; TIMEOUT=$2; shift 2 ;;
    --rebuild-base) REBUILD_BASE=1; shift ;;
    -*) echo "compose-run: unknown option $1 (see --help)" >&2; exit 2 ;;
    *) FILES+=("$1"); shift ;;
  esac
done
[[ "$TIMEOUT" =~ ^[1-9][0-9]*$ ]] || { echo "compose-run: --timeout must be a whole number of seconds" >&2; exit 2; }
[ ${#FILES[@]} -gt 0 ] || FILES=("$REPO/docker-compose.yml")

STARTED=$(date +%s)
say() { echo "compose-run [$(($(date +%s) - STARTED)) s]: $*" >&2; }
fail() { say "$*"; exit 4; }

[ "$(id -u)" = 0 ] || { echo "compose-run: run it as root (sudo): rootful Podman gives the router and agents NET_ADMIN" >&2; exit 2; }
for tool in podman docker-compose node runc; do
  command -v "$tool" >/dev/null 2>&1 || fail "$tool is missing (Debian: apt-get install podman runc catatonit docker-compose debootstrap)"
done
[ -x /usr/libexec/podman/catatonit ] || fail "catatonit is missing: the services run with init: true (Debian: apt-get install catatonit)"
[ -d "$REPO/node_modules/yaml" ] || fail "run npm install in $REPO first"
for f in "${FILES[@]}"; do
  [ -f "$f" ] || { echo "compose-run: no such file: $f" >&2; exit 2; }
done

# Runs a command in the background with its output in a file, and waits for it, so that Ctrl-C
# and the watchdog are handled at once (bash defers traps while a foreground command runs).
# The redirection is the command's own: a trap that runs meanwhile still reaches stderr.
bg() {
  local log=$1
  shift
  "$@" >"$log" 2>&1 &
  CHILD_PID=$!
  local rc=0
  wait "$CHILD_PID" || rc=$?
  CHILD_PID=
  return $rc
}

# What this run made, removed in reverse order; the base image stays. Called by the EXIT trap.
# shellcheck disable=SC2317
cleanup() {
  trap '' INT TERM USR1
  set +e
  [ -n "$CHILD_PID" ] && kill "$CHILD_PID" 2>/dev/null && wait "$CHILD_PID" 2>/dev/null
  stop_health
  for p in "${PROJECTS[@]}"; do
    teardown "$p"
  done
  if podman image exists "$IMAGE" 2>/dev/null; then
    podman rmi -f "$IMAGE" >/dev/null 2>&1 || say "could not remove the image $IMAGE"
  fi
  # A build cut short leaves its working containers (Buildah's, in storage only, which podman
  # ps shows with --external): remove those that appeared since the build started.
  if [ "$BUILD_STATE" = started ]; then
    for id in $(podman ps -a --external --no-trunc --format '{{.ID}} {{.Status}} {{.Names}}' 2>/dev/null |
      awk '$2 == "Storage" && $3 ~ /-working-container/ { print $1 }' | sort |
      comm -13 "$WORK/containers-before-build" -); do
      podman rm -f "$id" >/dev/null 2>&1
    done
  fi
  # The build stage's layers are left dangling by the build: they carry the run's label.
  for id in $(podman images -q -a --filter "label=io.mediapath.compose-run=$RUN_ID" 2>/dev/null | sort -u); do
    podman rmi -f "$id" >/dev/null 2>&1
  done
  if [ -n "$SERVICE_PID" ]; then
    kill "$SERVICE_PID" 2>/dev/null && wait "$SERVICE_PID" 2>/dev/null
  fi
  if [ -n "$WATCHDOG_PID" ]; then
    kill "$WATCHDOG_PID" 2>/dev/null && wait "$WATCHDOG_PID" 2>/dev/null
  fi
  local kept=
  podman image exists "$BASE_IMAGE" 2>/dev/null && kept=" (kept: the base image $BASE_IMAGE)"
  # debootstrap cut short leaves /proc and /sys mounted in its target: unmount before removing.
  awk -v w="$WORK/" 'index($2, w) == 1 { print $2 }' /proc/mounts | sort -r | while read -r m; do
    umount -l "$m"
  done
  rm -rf --one-file-system "$WORK"
  say "cleaned up run $RUN_ID$kept"
}
# The base image: Debian bookworm (debootstrap, minbase) with this machine's Node 20 where the
# official image has it, and this machine's CA bundle (npm ci in the build trusts what the
# machine trusts), imported under the name the Dockerfile's FROM resolves to.
make_base() {
  local node_bin node_prefix rootfs
  node_bin=$(readlink -f "$(command -v node)")
  node_prefix=$(dirname "$(dirname "$node_bin")")
  case "$(node -v)" in
    v20.*) ;;
    *) fail "the Dockerfile starts from Node 20; this machine's node is $(node -v)" ;;
  esac
  [ -d "$node_prefix/lib/node_modules/npm" ] || fail "npm is not next to node ($node_prefix/lib/node_modules/npm)"
  command -v debootstrap >/dev/null 2>&1 || fail "debootstrap is missing (Debian: apt-get install debootstrap)"
  rootfs=$WORK/rootfs
  say "making the base image $BASE_IMAGE: debootstrap bookworm (minbase) and this machine's Node $(node -v)"
  bg "$WORK/debootstrap.log" debootstrap --variant=minbase bookworm "$rootfs" "${MEDIAPATH_DEBIAN_MIRROR:-http://deb.debian.org/debian}" ||
    { tail -20 "$WORK/debootstrap.log" >&2; fail "debootstrap failed"; }
  mkdir -p "$rootfs/usr/local/bin" "$rootfs/usr/local/lib/node_modules" "$rootfs/usr/local/include"
  cp -a "$node_bin" "$rootfs/usr/local/bin/node"
  cp -a "$node_prefix/lib/node_modules/npm" "$rootfs/usr/local/lib/node_modules/"
  # The headers let the addon build without downloading them (native/udp-batch/install.js).
  [ -d "$node_prefix/include/node" ] && cp -a "$node_prefix/include/node" "$rootfs/usr/local/include/"
  ln -sf ../lib/node_modules/npm/bin/npm-cli.js "$rootfs/usr/local/bin/npm"
  ln -sf ../lib/node_modules/npm/bin/npx-cli.js "$rootfs/usr/local/bin/npx"
  rm -rf "$rootfs"/var/cache/apt/archives/*.deb "$rootfs"/var/cache/apt/*.bin "$rootfs"/var/lib/apt/lists/*
  local changes=(--change 'CMD ["node"]')
  if [ -f /etc/ssl/certs/ca-certificates.crt ]; then
    mkdir -p "$rootfs/etc/ssl/certs"
    cp /etc/ssl/certs/ca-certificates.crt "$rootfs/etc/ssl/certs/"
    changes+=(--change 'ENV NODE_EXTRA_CA_CERTS=/etc/ssl/certs/ca-certificates.crt')
  fi
  tar -C "$rootfs" -c . | podman import -q "${changes[@]}" - "$BASE_IMAGE" >/dev/null ||
    fail "podman import of the base image failed"
  rm -rf "$rootfs"
}

# Podman runs healthchecks from systemd timers; without systemd nothing runs them, so this
# loop does, once a second, for the project's containers still starting.
start_health() {
  local project=$1
  (
    while sleep 1; do
      for c in $(podman ps -q --filter "label=com.docker.compose.project=$project" --filter health=starting 2>/dev/null); do
        podman healthcheck run "$c" >/dev/null 2>&1 || true
      done
    done
  ) &
  HEALTH_PID=$!
}
stop_health() {
  if [ -n "$HEALTH_PID" ]; then
    kill "$HEALTH_PID" 2>/dev/null || true
    wait "$HEALTH_PID" 2>/dev/null || true
    HEALTH_PID=
  fi
  return 0
}

# Removes a project's containers and networks: docker-compose down, then whatever carries its
# label (a run cut short may have left a container docker-compose does not know of yet), then
# what the CNI plugins keep after a network is gone: the firewall plugin's isolation rules for
# its bridge and the host-local IPAM's folder for it.
teardown() {
  local project=$1 ids bridges b rule
  bridges=$(podman network ls -q --filter "label=com.docker.compose.project=$project" 2>/dev/null |
    xargs -r podman network inspect --format '{{.NetworkInterface}}' 2>/dev/null || true)
  # shellcheck disable=SC2086
  timeout 120 docker-compose -p "$project" ${PROJECT_FILES[$project]} down -v --remove-orphans -t 2 >>"$WORK/down.log" 2>&1 || true
  ids=$(podman ps -aq --filter "label=com.docker.compose.project=$project" 2>/dev/null || true)
  # shellcheck disable=SC2086
  [ -z "$ids" ] || podman rm -f -t 0 $ids >/dev/null 2>&1 || true
  ids=$(podman network ls -q --filter "label=com.docker.compose.project=$project" 2>/dev/null || true)
  # shellcheck disable=SC2086
  [ -z "$ids" ] || podman network rm -f $ids >/dev/null 2>&1 || true
  if command -v iptables >/dev/null 2>&1; then
    for b in $bridges; do
      ip link show "$b" >/dev/null 2>&1 && continue
      for rule in "CNI-ISOLATION-STAGE-1 -i $b ! -o $b" "CNI-ISOLATION-STAGE-2 -o $b"; do
        iptables -S "${rule%% *}" 2>/dev/null | grep -F -- "-A $rule " | sed 's/^-A /-D /' |
          while read -r line; do eval "iptables $line" 2>/dev/null || true; done
      done
    done
  fi
  for d in /var/lib/cni/networks/"$project"_*; do
    [ -d "$d" ] || continue
    find "$d" -mindepth 1 ! -name 'last_reserved_ip.*' ! -name lock | grep -q . || rm -rf "$d"
  done
  return 0
}

# The override for a run: this run's image for every service, and the orchestrator also
# writes its --json result into a mounted folder.
# shellcheck disable=SC2016
write_override() {
  local compose=$1 override=$2 outdir=$3
  (cd "$REPO" && node --input-type=module -e '
    import { readFileSync, writeFileSync } from "node:fs";
    import { parse, stringify } from "yaml";
    const [compose, override, image, outdir, name] = process.argv.slice(1);
    const doc = parse(readFileSync(compose, "utf8"));
    const orchestrator = doc?.services?.[name];
    if (!Array.isArray(orchestrator?.command)) {
      console.error(`${compose}: no ${name} service with a command: not written by mediapath compose`);
      process.exit(1);
    }
    const services = {};
    for (const s of Object.keys(doc.services)) services[s] = { image };
    const cmd = orchestrator.command;
    services[name].command = [...cmd.slice(0, -1), "--json", "/mediapath-out/result.json", cmd.at(-1)];
    services[name].volumes = [`${outdir}:/mediapath-out`];
    writeFileSync(override, stringify({ services }));
  ' "$compose" "$override" "$IMAGE" "$outdir" "$ORCHESTRATOR")
}

# One scenario or compose file, before anything is built: its Compose file (generated from a
# scenario, which must be valid) and the run's override. Sets RUN_DIR[n] and RUN_COMPOSE[n].
prepare_one() {
  local n=$1 file=$2 name dir compose
  name=$(basename "$file")
  name=${name%.*}
  dir=$WORK/$n-$name
  mkdir -p "$dir/out"
  if grep -q '^services:' "$file"; then
    compose=$(readlink -f "$file")
  else
    compose=$dir/docker-compose.yml
    if [ ! -f "$REPO/dist/cli/main.js" ] || [ -n "$(find "$REPO/src" -newer "$REPO/dist/cli/main.js" -name '*.ts' -print -quit)" ]; then
      say "building the CLI (npm run build) to generate the Compose file"
      (cd "$REPO" && npm run build --silent) >&2 || fail "npm run build failed"
    fi
    local gen=0
    node "$REPO/bin/mediapath.js" compose "$file" -o "$compose" >"$dir/compose.log" 2>&1 || gen=$?
    if [ "$gen" != 0 ]; then
      cat "$dir/compose.log" >&2
      exit "$gen"
    fi
  fi
  write_override "$compose" "$dir/override.yml" "$dir/out" || fail "cannot use $file"
  RUN_DIR[$n]=$dir
  RUN_COMPOSE[$n]=$compose
}

# One prepared run: up, wait for the orchestrator, report, tear down.
run_one() {
  local n=$1 file=$2 dir=${RUN_DIR[$1]} compose=${RUN_COMPOSE[$1]} project cid code
  project=mpc$RUN_ID-$n
  PROJECTS+=("$project")
  PROJECT_FILES[$project]="-f $compose -f $dir/override.yml"
  say "[$n] $file: docker-compose up (project $project)"
  start_health "$project"
  # shellcheck disable=SC2086
  bg "$dir/up.log" docker-compose -p "$project" ${PROJECT_FILES[$project]} up -d --no-build ||
    { cat "$dir/up.log" >&2; fail "docker-compose up failed for $file"; }
  say "[$n] every container started; waiting for the orchestrator"
  cid=$(podman ps -aq --filter "label=com.docker.compose.project=$project" --filter "label=com.docker.compose.service=$ORCHESTRATOR")
  [ -n "$cid" ] || fail "no $ORCHESTRATOR container in project $project"
  bg "$dir/exit-code" podman wait "$cid" || fail "podman wait failed for $project: $(cat "$dir/exit-code")"
  code=$(tr -d '[:space:]' <"$dir/exit-code")
  [[ "$code" =~ ^[0-9]+$ ]] || fail "podman wait for $project said: $code"
  stop_health
  podman logs "$cid" >"$dir/out/report.txt" 2>"$dir/out/orchestrator.log"
  cat "$dir/out/report.txt"
  # The router's token buckets as the kernel counted them.
  podman exec "$(podman ps -q --filter "label=com.docker.compose.project=$project" --filter label=com.docker.compose.service=router)" \
    tc -s qdisc show >"$dir/out/router-qdisc.txt" 2>&1 || true
  cp "$compose" "$dir/out/docker-compose.yml"
  say "[$n] the orchestrator exited with code $code"
  if [ "$code" != 0 ]; then
    say "[$n] its stderr, and that of every other container that failed:"
    sed 's/^/  /' "$dir/out/orchestrator.log" >&2
    for c in $(podman ps -aq --filter "label=com.docker.compose.project=$project" --filter status=exited); do
      local c_code
      c_code=$(podman inspect -f '{{.State.ExitCode}}' "$c")
      [ "$c_code" = 0 ] || [ "$c" = "$cid" ] || podman logs "$c" 2>&1 | sed "s/^/  $(podman inspect -f '{{.Name}}' "$c"): /" >&2
    done
    [ "$RESULT" != 0 ] || RESULT=$code
  fi
  teardown "$project"
  if [ -n "$OUT" ]; then
    mkdir -p "$OUT/$(basename "$dir")"
    cp -r "$dir/out/." "$OUT/$(basename "$dir")/"
  fi
}

RUN_ID=$(od -An -N3 -tx1 /dev/urandom | tr -d ' \n')
WORK=$(mktemp -d "${TMPDIR:-/var/tmp}/mediapath-compose-$RUN_ID.XXXXXX")
IMAGE=localhost/mediapath:compose-run-$RUN_ID
SERVICE_PID=
HEALTH_PID=
WATCHDOG_PID=
CHILD_PID=
BUILD_STATE=
PROJECTS=()
declare -A PROJECT_FILES=()
declare -A RUN_DIR=()
declare -A RUN_COMPOSE=()
RESULT=0

trap 'rc=$?; cleanup; exit $rc' EXIT
trap 'say "interrupted"; exit 130' INT
trap 'say "terminated"; exit 143' TERM
trap 'say "timed out after $TIMEOUT s"; exit 4' USR1

# The whole run is bounded: the watchdog signals this shell, whose trap cleans up.
(
  sleep "$TIMEOUT" &
  s=$!
  trap 'kill $s 2>/dev/null; exit 0' TERM
  wait $s && kill -USR1 $$
) &
WATCHDOG_PID=$!

# Podman as root asks for 1048576 open files and 4194304 processes per container, and the
# kernel refuses to raise a limit above this machine's; ask for what this shell has (capped),
# and run Podman itself with the same. The runtime is runc: crun refuses hybrid cgroup setups.
nofile=$(ulimit -Hn)
nproc=$(ulimit -Hu)
[ "$nofile" = unlimited ] && nofile=65536
[ "$nproc" = unlimited ] && nproc=32768
nofile=$((nofile < 65536 ? nofile : 65536))
nproc=$((nproc < 32768 ? nproc : 32768))
ulimit -n "$nofile"
ulimit -u "$nproc"
cat >"$WORK/containers.conf" <<EOF
# Written by scripts/compose-run.sh for run $RUN_ID.
[containers]
default_ulimits = ["nofile=$nofile:$nofile", "nproc=$nproc:$nproc"]

[engine]
runtime = "runc"
EOF
export CONTAINERS_CONF=$WORK/containers.conf

n=0
for f in "${FILES[@]}"; do
  n=$((n + 1))
  prepare_one "$n" "$f"
done

if [ "$REBUILD_BASE" = 1 ] && podman image exists "$BASE_IMAGE"; then
  podman rmi "$BASE_IMAGE" >/dev/null
fi
if podman image exists "$BASE_IMAGE"; then
  say "base image $BASE_IMAGE: cached"
else
  make_base
fi

# The project image, from the unchanged Dockerfile (npm ci and the addon's build inside).
say "building the image (podman build, no registry): $IMAGE"
podman ps -aq --external --no-trunc | sort >"$WORK/containers-before-build"
BUILD_STATE=started
# The build's RUN steps use the host's network: a build cut short then leaves no container
# network state behind (CNI's address and firewall rules for it).
bg "$WORK/build.log" podman build --pull=never --network host \
  --label "io.mediapath.compose-run=$RUN_ID" -t "$IMAGE" -f "$REPO/Dockerfile" "$REPO" ||
  { tail -30 "$WORK/build.log" >&2; fail "podman build failed"; }
BUILD_STATE=built
say "image built ($(grep -h '^udp-batch:' "$WORK/build.log" || echo 'udp-batch: no line in the build log'))"

# Podman's Docker-compatible API, on a socket of this run's own, for docker-compose.
podman system service --time=0 "unix://$WORK/podman.sock" >"$WORK/service.log" 2>&1 &
SERVICE_PID=$!
for _ in $(seq 1 100); do
  [ -S "$WORK/podman.sock" ] && podman --url "unix://$WORK/podman.sock" version >/dev/null 2>&1 && break
  sleep 0.1
done
[ -S "$WORK/podman.sock" ] || fail "podman system service did not start: $(cat "$WORK/service.log")"
export DOCKER_HOST=unix://$WORK/podman.sock

n=0
for f in "${FILES[@]}"; do
  n=$((n + 1))
  run_one "$n" "$f"
done
exit "$RESULT"
