# Sourced by the *.bench.sh scripts: podman as the benches run it, with runc,
# cgroupfs, file events (no systemd) and no default ulimits (this host
# refuses podman's), through a containers.conf in $1.
podman_conf() {
	cat >"$1/containers.conf" <<'CONF'
[containers]
default_ulimits = []
[engine]
runtime = "runc"
cgroup_manager = "cgroupfs"
events_logger = "file"
CONF
	export CONTAINERS_CONF=$1/containers.conf
}
